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

/// One Salesforce user, and the JING employee that matches them (if any), as typed.
struct User {
    person: super::data::Person,
    employee: Option<(Option<String>, Option<String>)>,
}

/// Everything the demo plants, generated before anything is sent (seeded: every run the same).
pub struct Records {
    users: Vec<User>,
    sf_accounts: Vec<serde_json::Value>,
    sf_leads: Vec<serde_json::Value>,
    jing_accounts: Vec<serde_json::Value>,
    jing_leads: Vec<serde_json::Value>,
    planted: Planted,
}

impl Records {
    /// Every phone number and e-mail address the demo plants, as typed (the log check of the
    /// security suite looks for each of them).
    pub fn contacts(&self) -> Vec<String> {
        let mut out = Vec::new();
        for u in &self.users {
            out.extend([u.person.mobile.clone(), u.person.email.clone()]);
            if let Some((mobile, email)) = &u.employee {
                out.extend(mobile.iter().chain(email).cloned());
            }
        }
        for r in self
            .sf_accounts
            .iter()
            .chain(&self.sf_leads)
            .chain(&self.jing_leads)
        {
            for key in ["Phone", "MobilePhone", "Email", "mobile", "email"] {
                if let Some(v) = r[key].as_str() {
                    out.push(v.to_owned());
                }
            }
        }
        out
    }
}

/// The records of a demo of this size.
pub fn records(sizes: Sizes) -> Records {
    let mut g = Gen::new(20261125);
    let mut planted = Planted::default();
    // Users and employees: most employees match a user by mobile (typed differently) or e-mail.
    let mut users = Vec::with_capacity(sizes.users);
    for i in 0..sizes.users {
        let person = g.person(i, "acme-sf.example");
        let digits = g.mobile_digits(i);
        let employee = (i % 5 != 4).then(|| {
            planted.employees_matching += 1;
            if i % 2 == 0 {
                (Some(g.mobile_format(&digits, (i / 2) % 4)), None)
            } else {
                (None, Some(person.email.to_uppercase()))
            }
        });
        users.push(User { person, employee });
    }
    let mut account_names = Vec::with_capacity(sizes.sf_accounts);
    let mut sf_accounts = Vec::with_capacity(sizes.sf_accounts);
    for i in 0..sizes.sf_accounts {
        let name = g.company(i);
        account_names.push(name.clone());
        // A few Salesforce accounts carry an industry JING has no option for.
        let industry = if i % 97 == 0 {
            planted.sf_accounts_with_unmapped_industry += 1;
            "Aerospace"
        } else {
            g.sf_industry()
        };
        sf_accounts
            .push(json!({"Name": name, "Industry": industry, "Phone": format!("021-{:08}", i)}));
    }
    let mut people = Vec::with_capacity(sizes.sf_leads);
    let mut sf_leads = Vec::with_capacity(sizes.sf_leads);
    for i in 0..sizes.sf_leads {
        let p = g.person(10_000 + i, "leads-sf.example");
        sf_leads.push(json!({"LastName": p.name, "Company": p.company, "Email": p.email, "MobilePhone": p.mobile, "Title": p.title}));
        people.push(p);
    }
    let mut jing_accounts = Vec::with_capacity(sizes.jing_accounts);
    for i in 0..sizes.jing_accounts {
        // Every tenth JING account is a company Salesforce already has (bound, not duplicated).
        let name = if i % 10 == 0 && i < account_names.len() {
            planted.account_duplicates += 1;
            account_names[i].clone()
        } else {
            g.company(5_000 + i)
        };
        jing_accounts.push(json!({"company_id": name, "industry": "internet"}));
    }
    let mut jing_leads = Vec::with_capacity(sizes.jing_leads);
    for i in 0..sizes.jing_leads {
        let duplicate = i % 8 == 0 && i < people.len();
        let p = if duplicate {
            planted.lead_duplicates += 1;
            people[i].clone()
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
        jing_leads.push(fields);
    }
    Records {
        users,
        sf_accounts,
        sf_leads,
        jing_accounts,
        jing_leads,
        planted,
    }
}

/// Put the records into the simulators.
pub fn seed(
    sf: &SfSim,
    jing: &JingSim,
    sizes: Sizes,
    bar: &ProgressBar,
) -> Result<Planted, String> {
    let r = records(sizes);
    let err = |e: &dyn std::fmt::Debug| format!("{e:?}");
    for u in &r.users {
        let p = &u.person;
        sf.add_user(&p.first, &p.last, &p.email, Some(&p.mobile));
        if let Some((mobile, email)) = &u.employee {
            jing.add_employee(&p.name, mobile.as_deref(), email.as_deref())
                .map_err(|e| err(&e))?;
        }
        bar.inc(1);
    }
    for (object, list) in [("Account", &r.sf_accounts), ("Lead", &r.sf_leads)] {
        for fields in list {
            sf.human()
                .create(object, fields.clone())
                .map_err(|e| err(&e))?;
            bar.inc(1);
        }
    }
    for fields in &r.jing_accounts {
        jing.human()
            .create_account(fields.clone())
            .map_err(|e| err(&e))?;
        bar.inc(1);
    }
    for fields in &r.jing_leads {
        jing.human()
            .create_lead(fields.clone())
            .map_err(|e| err(&e))?;
        bar.inc(1);
    }
    Ok(r.planted)
}
