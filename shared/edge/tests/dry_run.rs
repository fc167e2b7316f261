//! Dry run of an initialization through the admin API, on the fakes: the counts come from the
//! writer's decisions, and nothing is written anywhere (remotes, bindings, errors, quota).

mod common;

use app::fakes::FixedClock;
use app::ports::{BindingStore, ErrorStore, ListQuery, QuotaStore};
use axum::http::StatusCode;
use common::*;
use domain::conditions::{CondValue, Condition, ConditionGroup, Op, Scope};
use domain::datetime::JING_OFFSET;
use domain::quota::quota_day;
use domain::{ObjectKind, Value};
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::text(*v)))
        .collect()
}

/// Salesforce → JING leads only in scope when the company is not "Skip".
async fn scope_leads(w: &World) {
    use app::ports::SettingsStore;
    let mut s = w.settings.get(&app_id()).await.unwrap().unwrap();
    s.paused.clear();
    s.revision += 1;
    let lead = s.objects.get_mut(&ObjectKind::Lead).unwrap();
    lead.sf_to_jing.scope = Scope::new(vec![ConditionGroup::new(vec![Condition::new(
        "Company",
        Op::NotEquals,
        CondValue::Text("Skip".into()),
    )])]);
    w.settings.put(&s).await.unwrap();
}

struct Before {
    sf_leads: usize,
    jing_leads: usize,
    bindings: u64,
    errors: u64,
    used: u64,
    sf_calls: u64,
    jing_calls: u64,
}

async fn snapshot(w: &World) -> Before {
    let app = app_id();
    let day = quota_day(w.clock.now_at(), JING_OFFSET);
    let errors = w.errors.list(&app, &ListQuery::default()).await.unwrap();
    Before {
        sf_leads: w.sf.count("Lead"),
        jing_leads: w.jing.count("lead"),
        bindings: w.bindings.count(&app, ObjectKind::Lead).await.unwrap()
            + w.bindings.count(&app, ObjectKind::Account).await.unwrap(),
        errors: errors.total,
        used: w.quota.used(&app, day).await.unwrap(),
        sf_calls: app::ports::SalesforcePort::calls_made(w.sf.as_ref()),
        jing_calls: w.jing.calls(),
    }
}

fn lead_counts<'a>(v: &'a Json, direction: &str) -> &'a Json {
    v["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["object"] == "lead" && o["direction"] == direction)
        .unwrap_or_else(|| panic!("no lead {direction} in {v}"))
}

/// Leads on both sides: in and out of scope, a duplicate, one pre-flight refuses. Returns the
/// JING ids of the duplicate and of the refused one.
async fn leads(w: &World) -> (String, String) {
    seed(w).await;
    scope_leads(w).await;
    let past = FixedClock::DEFAULT_START - time::Duration::days(3);
    w.sf.set_now(past);
    w.jing.set_now(past);
    // Salesforce: two new leads in scope, one out of scope (the one a JING lead duplicates).
    for i in 0..2 {
        let email = format!("new{i}@acme.example");
        w.sf.insert(
            "Lead",
            fields(&[("LastName", "新"), ("Company", "甲"), ("Email", &email)]),
        );
    }
    w.sf.insert(
        "Lead",
        fields(&[
            ("LastName", "旧"),
            ("Company", "Skip"),
            ("Email", "dup@acme.example"),
        ]),
    );
    // JING: one lead Salesforce holds already (binds), one new, one whose name is too long.
    let dup = w.jing.insert(
        "lead",
        fields(&[
            ("name", "旧"),
            ("company_id", "乙"),
            ("email", "dup@acme.example"),
        ]),
    );
    w.jing.insert(
        "lead",
        fields(&[
            ("name", "新人"),
            ("company_id", "丙"),
            ("email", "fresh@acme.example"),
        ]),
    );
    let long = "长".repeat(120);
    let bad = w
        .jing
        .insert("lead", fields(&[("name", &long), ("company_id", "丁")]));
    (dup.to_string(), bad.to_string())
}

#[tokio::test]
async fn dry_run_of_an_initialization_counts_and_writes_nothing() {
    let w = world();
    let (dup, bad) = leads(&w).await;
    let before = snapshot(&w).await;

    let (s, v) = post(&w, "/api/apps/acme/dry-run", json!({"kind": "init"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");

    let to_jing = lead_counts(&v, "sf_to_jing");
    // The seed's failing lead is one more new lead in scope.
    assert_eq!(to_jing["read"], 4, "{v}");
    assert_eq!(to_jing["would_create"], 3, "{v}");
    assert_eq!(to_jing["out_of_scope"], 1, "{v}");
    let to_sf = lead_counts(&v, "jing_to_sf");
    assert_eq!(to_sf["read"], 3, "{v}");
    assert_eq!(to_sf["would_bind"], 1, "{v}");
    assert_eq!(to_sf["would_create"], 1, "{v}");
    let errors = to_sf["errors"].as_object().unwrap();
    assert_eq!(errors.len(), 1, "{v}");
    let (_, group) = errors.iter().next().unwrap();
    assert_eq!(group["count"], 1);
    assert_eq!(group["examples"], json!([bad]));
    assert_ne!(dup, bad);
    assert_eq!(v["jing"]["would_create"], 3, "{v}");
    assert_eq!(v["salesforce"]["would_create"], 1, "{v}");
    assert_eq!(
        v["salesforce"]["would_update"], 1,
        "the bound lead is updated: {v}"
    );
    assert!(
        v["salesforce"]["estimated_writes"].as_u64().unwrap() >= 1,
        "{v}"
    );
    assert!(v["jing"]["estimated_writes"].as_u64().unwrap() >= 1, "{v}");

    let after = snapshot(&w).await;
    assert_eq!(
        after.sf_leads, before.sf_leads,
        "no Salesforce record written"
    );
    assert_eq!(
        after.jing_leads, before.jing_leads,
        "no JING record written"
    );
    assert_eq!(after.bindings, before.bindings, "no binding stored");
    assert_eq!(after.errors, before.errors, "no error recorded");
    assert_eq!(after.used, before.used, "no allocation spent");
    // Every call the remotes answered was a read the dry run reports.
    assert_eq!(
        after.sf_calls - before.sf_calls,
        v["salesforce"]["reads"].as_u64().unwrap(),
        "{v}"
    );
    assert_eq!(
        after.jing_calls - before.jing_calls,
        v["jing"]["reads"].as_u64().unwrap(),
        "{v}"
    );
}

#[tokio::test]
async fn dry_run_refuses_an_unknown_kind_and_a_window_too_far_back() {
    let w = world();
    seed(&w).await;
    let (s, v) = post(&w, "/api/apps/acme/dry-run", json!({"kind": "everything"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_error(&v, "INVALID_INPUT");
    let (s, v) = post(
        &w,
        "/api/apps/acme/dry-run",
        json!({"kind": "init", "window_start": "2019-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, _) = post(&w, "/api/apps/nope/dry-run", json!({"kind": "init"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn dry_run_of_a_scope_change_counts_under_the_new_rules_and_saves_nothing() {
    let w = world();
    leads(&w).await;
    let (_, before) = get(&w, "/api/apps/acme/objects/lead/rules/sf_to_jing").await;
    let mut rules = before["rules"].clone();
    rules["scope"] = json!({"groups": []});
    let body =
        json!({"kind": "rules", "object": "lead", "direction": "sf_to_jing", "rules": rules});
    let (s, v) = post(&w, "/api/apps/acme/dry-run", body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let to_jing = lead_counts(&v, "sf_to_jing");
    assert_eq!(
        to_jing["out_of_scope"], 0,
        "every lead is in scope now: {v}"
    );
    // The lead the old scope left out is one JING holds already (same e-mail): JING's
    // duplicate rules bind it, as they would in the real run.
    assert_eq!(to_jing["would_create"], 3, "{v}");
    assert_eq!(to_jing["would_bind"], 1, "{v}");
    assert!(
        v["objects"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["object"] == "lead"),
        "only the changed object is read: {v}"
    );
    let (_, after) = get(&w, "/api/apps/acme/objects/lead/rules/sf_to_jing").await;
    assert_eq!(after, before, "the rules are not saved");
}

#[tokio::test]
async fn dry_run_of_a_mapping_change_counts_under_the_new_mapping_and_saves_nothing() {
    let w = world();
    leads(&w).await;
    let (_, before) = get(&w, "/api/apps/acme/objects/lead/mapping").await;
    // E-mail not synced: the JING lead Salesforce holds is no longer found, it would be created.
    let mut mapping = before["mapping"].clone();
    for m in mapping.as_array_mut().unwrap() {
        if m["sf_field"] == "Email" {
            m["rule"] = json!("do_not_sync");
        }
    }
    let body = json!({"kind": "mapping", "object": "lead", "mapping": mapping});
    let (s, v) = post(&w, "/api/apps/acme/dry-run", body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let to_sf = lead_counts(&v, "jing_to_sf");
    assert_eq!(to_sf["would_bind"], 0, "{v}");
    assert_eq!(to_sf["would_create"], 2, "{v}");
    let (_, after) = get(&w, "/api/apps/acme/objects/lead/mapping").await;
    assert_eq!(after, before, "the mapping is not saved");
}

/// A Salesforce lead whose e-mail a JING lead holds: the real run's create meets JING's
/// duplicate rules and binds; the dry run counts it as a bind too (and then the JING lead as
/// already bound, not as a second record to create in Salesforce).
#[tokio::test]
async fn a_salesforce_lead_jing_already_holds_counts_as_a_bind() {
    let w = world();
    leads(&w).await;
    w.sf.insert(
        "Lead",
        fields(&[
            ("LastName", "老客户"),
            ("Company", "乙"),
            ("Email", "FRESH@acme.example"),
        ]),
    );
    let (s, v) = post(&w, "/api/apps/acme/dry-run", json!({"kind": "init"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let to_jing = lead_counts(&v, "sf_to_jing");
    assert_eq!(to_jing["read"], 5, "{v}");
    assert_eq!(to_jing["would_bind"], 1, "{v}");
    assert_eq!(to_jing["would_create"], 3, "{v}");
    let to_sf = lead_counts(&v, "jing_to_sf");
    assert_eq!(to_sf["would_create"], 0, "the JING lead is bound now: {v}");
    assert_eq!(v["complete"], true, "{v}");
    assert_eq!(to_jing["stopped"], Json::Null, "{v}");
    assert_eq!(
        v["jing"]["would_create"], 4,
        "creates sent; JING binds one: {v}"
    );
}

/// Without time to read everything, each object and side still reads one page and the
/// answer says it is a sample (`complete: false`, why); the status page's copy is the same.
#[tokio::test]
async fn a_dry_run_out_of_time_answers_a_sample_flagged_incomplete() {
    let w = world();
    leads(&w).await;
    for i in 0..150 {
        w.jing.insert(
            "lead",
            fields(&[
                ("name", &format!("批量{i}")),
                ("company_id", "戊"),
                ("email", &format!("bulk{i}@acme.example")),
            ]),
        );
    }
    let (_, none) = get(&w, "/api/apps/acme/dry-run").await;
    assert_eq!(none["last"], Json::Null, "{none}");
    let (s, v) = post(
        &w,
        "/api/apps/acme/dry-run",
        json!({"kind": "init", "max_seconds": 0}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["complete"], false, "{v}");
    let to_sf = lead_counts(&v, "jing_to_sf");
    assert_eq!(to_sf["complete"], false, "{v}");
    assert_eq!(to_sf["stopped"], "time_budget", "{v}");
    assert_eq!(to_sf["read"], 100, "one JING page of 100: {v}");
    let to_jing = lead_counts(&v, "sf_to_jing");
    assert_eq!(to_jing["stopped"], "duplicate_listing", "{v}");
    assert_eq!(to_jing["source_total"], 4, "{v}");
    let (s, last) = get(&w, "/api/apps/acme/dry-run").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(last["last"], v, "the status page shows this answer");
    assert!(last["last"]["ran_at"].as_str().is_some(), "{last}");
    // More than the deployment allows is refused (API Gateway would cut the request).
    let (s, v) = post(
        &w,
        "/api/apps/acme/dry-run",
        json!({"kind": "init", "max_seconds": 3600}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at most 20"),
        "{v}"
    );
}
