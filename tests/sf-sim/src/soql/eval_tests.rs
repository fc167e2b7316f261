//! The planner only saves work: every query answers exactly what a scan of the whole table,
//! a full filter, a sort and a cut answer.

use super::*;
use crate::config::SimConfig;
use crate::dml::{self, WriteOpts};
use crate::soql::parse;
use crate::state::Org;
use serde_json::json;
use std::time::Duration;

/// 300 leads over 30 SystemModstamps, some updated later, some deleted.
fn org() -> Org {
    let mut org = Org::new(SimConfig::default(), "http://127.0.0.1:9".into());
    let lead = crate::schema::object("Lead").unwrap();
    let opts = WriteOpts {
        actor: org.integration_user.clone(),
        api: false,
        auto_assign: false,
        allow_save: true,
        version: "v62.0".into(),
    };
    let mut ids = Vec::new();
    for i in 0..300 {
        if i % 10 == 0 {
            org.clock.advance(Duration::from_secs(1));
        }
        let body = json!({"LastName": format!("L{}", i % 37), "Company": "Acme",
                          "Email": format!("p{}@Acme.example", i % 50)});
        let id = dml::create(&mut org, lead, body.as_object().unwrap(), &opts).unwrap();
        ids.push(id);
    }
    for (i, id) in ids.iter().enumerate().step_by(7) {
        org.clock.advance(Duration::from_secs(1));
        if i % 2 == 0 {
            dml::delete(&mut org, lead, id, &opts).unwrap();
        } else {
            let body = json!({"Title": "moved"});
            dml::update(&mut org, lead, id, body.as_object().unwrap(), &opts).unwrap();
        }
    }
    org
}

/// What the evaluator answered before it had plans.
fn scan<'a>(q: &Query, store: &'a Store, all_rows: bool) -> Vec<&'a Row> {
    let mut rows: Vec<&Row> = store
        .table(q.object.name)
        .filter(|r| all_rows || !r.is_deleted())
        .filter(|r| q.filter.as_ref().is_none_or(|c| matches(c, r, store)))
        .collect();
    let mut keyed: Vec<(Vec<Value>, &Row)> = rows
        .drain(..)
        .map(|r| (sort_keys(&q.order, r, store), r))
        .collect();
    keyed.sort_by(|a, b| order(&q.order, &a.0, &b.0));
    let mut rows: Vec<&Row> = keyed.into_iter().map(|(_, r)| r).collect();
    rows.truncate(q.limit.unwrap_or(usize::MAX));
    rows
}

fn ids(rows: &[&Row]) -> Vec<String> {
    rows.iter()
        .map(|r| r.text("Id").unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn plans_answer_what_a_full_scan_answers() {
    let org = org();
    let some: Vec<String> = org
        .store
        .table("Lead")
        .step_by(13)
        .map(|r| r.text("Id").unwrap().to_owned())
        .collect();
    let stamps: Vec<String> = org
        .store
        .table("Lead")
        .step_by(41)
        .map(|r| r.text("SystemModstamp").unwrap().to_owned())
        .collect();
    let (t1, t2) = (&stamps[2], &stamps[5]);
    let in_ids = some
        .iter()
        .map(|i| format!("'{i}'"))
        .collect::<Vec<_>>()
        .join(",");
    let queries = [
        "SELECT Id FROM Lead WHERE Email IN ('p1@acme.example', 'P2@ACME.EXAMPLE', 'nobody@x.example')".to_owned(),
        "SELECT Id FROM Lead WHERE Email = 'p7@acme.example' AND LastName = 'L7' ORDER BY LastName DESC".to_owned(),
        "SELECT Id FROM Lead WHERE Email = 'p3@acme.example' OR Email = 'p4@acme.example' LIMIT 3".to_owned(),
        format!("SELECT Id FROM Lead WHERE Id IN ({in_ids}) ORDER BY Email"),
        format!("SELECT Id FROM Lead WHERE Id > '{}' ORDER BY Id LIMIT 25", some[3]),
        format!("SELECT Id FROM Lead WHERE Id >= '{}' AND Id < '{}'", some[2], some[9]),
        format!("SELECT Id FROM Lead WHERE SystemModstamp > {t1} ORDER BY SystemModstamp, Id LIMIT 40").replace("+0000", "Z"),
        format!("SELECT Id FROM Lead WHERE (SystemModstamp > {t1} OR (SystemModstamp = {t1} AND Id > '{}')) AND SystemModstamp <= {t2} ORDER BY SystemModstamp, Id", some[4]).replace("+0000", "Z"),
        format!("SELECT Id FROM Lead WHERE SystemModstamp >= {t1} AND Title = 'moved' ORDER BY SystemModstamp").replace("+0000", "Z"),
        format!("SELECT Id FROM Lead WHERE SystemModstamp < {t2} ORDER BY SystemModstamp DESC LIMIT 9").replace("+0000", "Z"),
        "SELECT Id FROM Lead WHERE LastName LIKE 'L1%' ORDER BY Email, Id LIMIT 30".to_owned(),
        "SELECT Id FROM Lead".to_owned(),
    ];
    for soql in &queries {
        let q = parse(soql).unwrap_or_else(|e| panic!("{soql}: {e:?}"));
        for all_rows in [false, true] {
            let planned = ids(&select_rows(&q, &org.store, all_rows));
            assert!(!planned.is_empty(), "{soql} finds rows");
            assert_eq!(
                planned,
                ids(&scan(&q, &org.store, all_rows)),
                "{soql} (queryAll: {all_rows})"
            );
            assert_eq!(count_rows(&q, &org.store, all_rows), planned.len());
        }
    }
}
