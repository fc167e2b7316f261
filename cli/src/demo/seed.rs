//! Put the demo's realistic data into the two simulators (as people would have typed it).

use super::data::Gen;
use indicatif::ProgressBar;
use jing_sim::JingSim;
use serde_json::json;
use sf_sim::SfSim;

/// How much data the demo creates.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub users: usize,
    pub sf_accounts: usize,
    pub sf_leads: usize,
    pub jing_accounts: usize,
    pub jing_leads: usize,
}

/// What the seeding planted on purpose (to check in the summary).
#[derive(Debug, Default, Clone)]
pub struct Planted {
    pub employees_matching: usize,
    pub lead_duplicates: usize,
    pub account_duplicates: usize,
    pub jing_leads_without_company: usize,
    pub sf_accounts_with_unmapped_industry: usize,
}

pub fn seed(
    sf: &SfSim,
    jing: &JingSim,
    sizes: Sizes,
    bar: &ProgressBar,
) -> Result<Planted, String> {
    let mut g = Gen::new(20261125);
    let mut planted = Planted::default();
    let err = |e: &dyn std::fmt::Debug| format!("{e:?}");
    // Users and employees: most employees match a user by mobile (typed differently) or e-mail.
    for i in 0..sizes.users {
        let p = g.person(i, "acme-sf.example");
        let digits = g.mobile_digits(i);
        sf.add_user(&p.first, &p.last, &p.email, Some(&p.mobile));
        if i % 5 != 4 {
            let (mobile, email) = if i % 2 == 0 {
                (Some(g.mobile_format(&digits, (i / 2) % 4)), None)
            } else {
                (None, Some(p.email.to_uppercase()))
            };
            jing.add_employee(&p.name, mobile.as_deref(), email.as_deref())
                .map_err(|e| err(&e))?;
            planted.employees_matching += 1;
        }
        bar.inc(1);
    }
    let mut sf_accounts = Vec::with_capacity(sizes.sf_accounts);
    for i in 0..sizes.sf_accounts {
        let name = g.company(i);
        sf_accounts.push(name.clone());
        // A few Salesforce accounts carry an industry JING has no option for.
        let industry = if i % 97 == 0 {
            planted.sf_accounts_with_unmapped_industry += 1;
            "Aerospace"
        } else {
            g.sf_industry()
        };
        sf.human()
            .create(
                "Account",
                json!({"Name": name, "Industry": industry, "Phone": format!("021-{:08}", i)}),
            )
            .map_err(|e| err(&e))?;
        bar.inc(1);
    }
    let mut sf_leads = Vec::with_capacity(sizes.sf_leads);
    for i in 0..sizes.sf_leads {
        let p = g.person(10_000 + i, "leads-sf.example");
        sf_leads.push(p.clone());
        sf.human()
            .create(
                "Lead",
                json!({"LastName": p.name, "Company": p.company, "Email": p.email, "MobilePhone": p.mobile, "Title": p.title}),
            )
            .map_err(|e| err(&e))?;
        bar.inc(1);
    }
    for i in 0..sizes.jing_accounts {
        // Every tenth JING account is a company Salesforce already has (bound, not duplicated).
        let name = if i % 10 == 0 && i < sf_accounts.len() {
            planted.account_duplicates += 1;
            sf_accounts[i].clone()
        } else {
            g.company(5_000 + i)
        };
        jing.human()
            .create_account(json!({"company_id": name, "industry": "internet"}))
            .map_err(|e| err(&e))?;
        bar.inc(1);
    }
    for i in 0..sizes.jing_leads {
        let duplicate = i % 8 == 0 && i < sf_leads.len();
        let p = if duplicate {
            planted.lead_duplicates += 1;
            sf_leads[i].clone()
        } else {
            g.person(20_000 + i, "leads-jing.example")
        };
        let mut fields = json!({"name": p.name, "mobile": g.mobile_digits(30_000 + i), "email": p.email,
                                "title": p.title, "life_status": "baby_lead", "lead_pool": "market"});
        if i % 150 == 7 {
            planted.jing_leads_without_company += 1;
        } else {
            fields["company_id"] = json!(p.company);
        }
        jing.human().create_lead(fields).map_err(|e| err(&e))?;
        bar.inc(1);
    }
    Ok(planted)
}
