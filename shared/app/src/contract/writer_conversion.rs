//! Writer scenarios of lead conversions and duplicate answers: run by `writer_scenarios!`.

use super::writer::{Stores, World, app, sf_change, sf_fields};
use crate::ports::{Binding, SalesforcePort};
use crate::write::Outcome;
use domain::{Category, ErrorCode, ObjectKind, Operation, Value};

/// A conversion by push: the JING lead becomes `life_status = converted` and its opportunity's
/// values arrive in the same apply (one read of the opportunity); a later poll of the same
/// opportunity writes nothing.
pub async fn a_conversion_marks_the_jing_lead_and_brings_the_opportunity_values(stores: Stores) {
    let w = World::new(stores);
    let jing_id = w.jing.insert(
        "lead",
        sf_fields(&[("name", "钱七"), ("mobile", "13911112222")]),
    );
    let sf_lead =
        w.sf.insert("Lead", sf_fields(&[("LastName", "钱七"), ("Company", "Y")]));
    let binding = Binding::new(
        app(),
        ObjectKind::Lead,
        sf_lead.clone(),
        jing_id.clone(),
        crate::ports::Clock::now(&w.f.clock),
    );
    w.f.bindings.put(&binding, None).await.unwrap();
    let opp = w.sf.insert(
        "Opportunity",
        sf_fields(&[("Name", "钱七-商机"), ("StageName", "Prospecting")]),
    );
    let mut convert = sf_change(ObjectKind::Lead, &sf_lead, 1, &[]);
    convert.op = Operation::Convert {
        account: None,
        contact: None,
        opportunity: Some(opp.clone()),
    };
    let (sf0, jing0) = (w.sf.calls_made(), w.jing_calls());
    let r = w.apply(vec![convert]).await;
    assert_eq!(r.outcomes, vec![Outcome::Applied]);
    assert_eq!(w.sf.calls_made() - sf0, 1, "one read of the opportunity");
    assert_eq!(
        w.jing_calls() - jing0,
        2,
        "the converted mark, the opportunity's values"
    );
    let rec = w.jing.record(&jing_id).unwrap();
    assert_eq!(rec["life_status"], Value::text("converted"));
    assert_eq!(rec["opportunity_stage"], Value::text("Prospecting"));
    assert_eq!(rec["opportunity_name"], Value::text("钱七-商机"));
    // The safety-net poll reads the same opportunity later: nothing to write.
    let polled = sf_change(
        ObjectKind::Opportunity,
        &opp,
        2,
        &[("Name", "钱七-商机"), ("StageName", "Prospecting")],
    );
    let jing1 = w.jing_calls();
    let r = w.apply(vec![polled]).await;
    assert_eq!(r.outcomes, vec![Outcome::Skipped]);
    assert_eq!(w.jing_calls(), jing1, "no second write of the same values");
}

/// JING's duplicate rules answer with an account bound to another Salesforce account: an
/// association error with cause and fix, never an overwrite of the other pair.
pub async fn a_duplicate_bound_to_another_pair_is_an_association_error(stores: Stores) {
    let w = World::new(stores);
    let taken = w
        .jing
        .insert("account", sf_fields(&[("company_id", "长江实业有限公司")]));
    let other_sf =
        w.sf.insert("Account", sf_fields(&[("Name", "长江实业有限公司")]));
    let pair = Binding::new(
        app(),
        ObjectKind::Account,
        other_sf,
        taken.clone(),
        crate::ports::Clock::now(&w.f.clock),
    );
    w.f.bindings.put(&pair, None).await.unwrap();
    let new_sf =
        w.sf.insert("Account", sf_fields(&[("Name", "长江实业有限公司")]));
    let change = sf_change(
        ObjectKind::Account,
        &new_sf,
        1,
        &[("Name", "长江实业有限公司"), ("Phone", "021-1234 5678")],
    );
    let r = w.apply(vec![change]).await;
    let Outcome::Failed(e) = &r.outcomes[0] else {
        panic!("expected a recorded failure, got {:?}", r.outcomes);
    };
    assert_eq!(e.code, ErrorCode::DuplicateBoundElsewhere);
    assert_eq!(e.category(), Category::Association);
    let rec = w.jing.record(&taken).unwrap();
    assert!(
        !rec.contains_key("phone"),
        "the other pair's account is untouched: {rec:?}"
    );
    let err =
        w.f.errors
            .get(&app(), ObjectKind::Account, new_sf.as_str())
            .await
            .unwrap()
            .expect("an error record");
    assert_eq!(err.error.code, ErrorCode::DuplicateBoundElsewhere);
    let again =
        w.f.bindings
            .by_sf(&app(), ObjectKind::Account, &new_sf)
            .await
            .unwrap();
    assert!(again.is_none(), "nothing bound");
}

impl World {
    fn jing_calls(&self) -> u64 {
        self.jing.calls()
    }
}
