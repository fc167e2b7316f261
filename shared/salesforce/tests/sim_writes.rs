//! Writes and failures against the simulator: collections with mixed results, each error class,
//! assignment rules, duplicates, quota, transient retries.

mod sim_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use async_trait::async_trait;
use domain::{ErrorCode, NextStep, SfId};
use jingsf_salesforce as salesforce;
use salesforce::{CallBudget, CreateOutcome, Fields, SfClient, SfError, WriteOptions};
use serde_json::json;
use sf_sim::Fault;
use sim_support::*;

fn with(mut f: Fields, field: &str, value: serde_json::Value) -> Fields {
    f.insert(field.into(), value);
    f
}

#[tokio::test]
async fn collections_report_mixed_results_in_order() {
    let c = connect().await;
    let records = vec![
        lead("Ok1", "Acme"),
        with(lead("Long", "Acme"), "LastName", json!("x".repeat(81))),
        with(Fields::new(), "Company", json!("NoName Ltd")),
        with(lead("Pick", "Acme"), "Region__c", json!("Atlantis")),
        with(lead("Mail", "Acme"), "Email", json!("not-an-address")),
        with(
            lead("Owner", "Acme"),
            "OwnerId",
            json!("005000000000000AAA"),
        ),
        with(lead("Ghost", "Acme"), "Ghost__c", json!("boo")),
        lead("Ok2", "Acme"),
    ];
    let results = c
        .client
        .create("Lead", &records, &WriteOptions::default())
        .await
        .unwrap();
    assert_eq!(results.len(), records.len());
    assert_eq!(
        results.iter().map(|r| r.success).collect::<Vec<_>>(),
        [true, false, false, false, false, false, false, true]
    );
    for r in &results {
        assert_eq!(r.id.is_some(), r.success, "ids only on successes: {r:?}");
    }
    let codes: Vec<_> = results[1..7]
        .iter()
        .map(|r| r.errors[0].to_sync_error())
        .collect();
    assert_eq!(
        codes.iter().map(|e| e.code).collect::<Vec<_>>(),
        [
            ErrorCode::ValueTooLong,
            ErrorCode::RequiredValueMissing,
            ErrorCode::InvalidPicklistValue,
            ErrorCode::InvalidEmail,
            ErrorCode::BadReference,
            ErrorCode::MappedFieldMissing,
        ]
    );
    assert_eq!(codes[0].detail, "max length=80");
    assert_eq!(codes[0].field.as_deref(), Some("LastName"));
    assert_eq!(codes[1].field.as_deref(), Some("LastName"));
    assert_eq!(codes[2].detail, "Atlantis");
    assert_eq!(codes[5].field.as_deref(), Some("Ghost__c"));
    assert!(codes.iter().all(|e| e.next_step() == NextStep::Record));
    assert_eq!(c.sim.count("Lead"), 2);
    assert_eq!(
        c.client.usage().calls_made_by_this_client,
        1,
        "one collections call"
    );
}

#[tokio::test]
async fn all_or_none_rolls_back_and_the_innocent_are_retryable() {
    let c = connect().await;
    let records = vec![
        lead("Good", "Acme"),
        with(lead("Bad", "Acme"), "Email", json!("nope")),
    ];
    let opts = WriteOptions {
        all_or_none: true,
        ..WriteOptions::default()
    };
    let results = c.client.create("Lead", &records, &opts).await.unwrap();
    assert!(!results[0].success && results[0].id.is_none());
    assert_eq!(
        results[0].errors[0].status_code,
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    assert!(results[0].errors[0].is_retryable() && !results[1].errors[0].is_retryable());
    assert_eq!(c.sim.count("Lead"), 0);
}

#[tokio::test]
async fn converted_and_read_only_and_deleted() {
    let c = connect().await;
    let id = match c
        .client
        .create_one("Lead", &lead("Conv", "Acme"), &WriteOptions::default())
        .await
        .unwrap()
    {
        CreateOutcome::Created(id) => id,
        other => panic!("{other:?}"),
    };
    c.sim.convert_lead(&id).unwrap();
    let results = c
        .client
        .update(
            "Lead",
            &[(id.clone(), with(Fields::new(), "Title", json!("CEO")))],
            &WriteOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        results[0].errors[0].to_sync_error().code,
        ErrorCode::ConvertedLead
    );

    let other = c
        .sim
        .human()
        .create("Lead", json!({"LastName": "Ro", "Company": "Acme"}))
        .unwrap();
    let results = c
        .client
        .update(
            "Lead",
            &[(
                other.clone(),
                with(Fields::new(), "IsConverted", json!(true)),
            )],
            &WriteOptions::default(),
        )
        .await
        .unwrap();
    let e = results[0].errors[0].to_sync_error();
    assert_eq!(
        (e.code, e.field.as_deref()),
        (ErrorCode::FieldNotAccessible, Some("IsConverted"))
    );

    c.client
        .delete(std::slice::from_ref(&other), &WriteOptions::default())
        .await
        .unwrap();
    let again = c
        .client
        .delete(&[other], &WriteOptions::default())
        .await
        .unwrap();
    assert_eq!(again[0].errors[0].status_code, "ENTITY_IS_DELETED");
}

async fn owner_of(c: &Connected, id: &SfId) -> String {
    c.sim.record("Lead", id).unwrap()["OwnerId"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn assignment_rules_are_off_unless_configured() {
    let mut c = connect().await;
    let queue = c.sim.lead_queue_id();
    c.sim.set_auto_assign_owner(Some(queue.clone()));
    let ours = c
        .client
        .create("Lead", &[lead("Mine", "Acme")], &WriteOptions::default())
        .await
        .unwrap();
    let ours = ours[0].id.clone().unwrap();
    assert_eq!(
        owner_of(&c, &ours).await,
        c.sim.integration_user_id().as_str(),
        "Sforce-Auto-Assign: FALSE kept the owner"
    );

    let options = salesforce::ClientOptions {
        disable_auto_assign: false,
        ..fast()
    };
    c.client = SfClient::builder(oauth(&c.sim, &c.cfg), c.tokens.clone())
        .options(options)
        .build();
    let assigned = c
        .client
        .create("Lead", &[lead("Theirs", "Acme")], &WriteOptions::default())
        .await
        .unwrap();
    assert_eq!(
        owner_of(&c, assigned[0].id.as_ref().unwrap()).await,
        queue.as_str()
    );
}

#[tokio::test]
async fn duplicates_are_surfaced_with_matches_or_saved_when_asked() {
    let c = connect().await;
    let existing = c
        .sim
        .human()
        .create(
            "Lead",
            json!({"LastName": "Ng", "Company": "Acme", "Email": "ng@acme.example"}),
        )
        .unwrap();
    let dup = with(lead("Ng", "Acme"), "Email", json!("ng@acme.example"));

    let outcome = c
        .client
        .create_one("Lead", &dup, &WriteOptions::default())
        .await
        .unwrap();
    assert_eq!(
        outcome,
        CreateOutcome::Duplicate {
            matches: vec![existing.clone()]
        }
    );
    assert_eq!(c.sim.count("Lead"), 1);

    let in_batch = c
        .client
        .create("Lead", std::slice::from_ref(&dup), &WriteOptions::default())
        .await
        .unwrap();
    assert_eq!(in_batch[0].errors[0].status_code, "DUPLICATES_DETECTED");

    let allow = WriteOptions {
        allow_save_on_duplicate: true,
        ..WriteOptions::default()
    };
    let saved = c.client.create_one("Lead", &dup, &allow).await.unwrap();
    assert!(
        matches!(saved, CreateOutcome::Created(ref id) if *id != existing),
        "{saved:?}"
    );
    assert_eq!(c.sim.count("Lead"), 2);
}

#[tokio::test]
async fn org_limit_is_a_quota_error_and_is_not_retried() {
    let c = connect().await;
    c.client.limits().await.unwrap();
    c.sim.set_daily_limit(c.sim.api_usage().used);
    let before = c.client.usage().calls_made_by_this_client;
    let err = c
        .client
        .query("SELECT Id FROM Lead")
        .next_page()
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some("REQUEST_LIMIT_EXCEEDED"));
    let sync = err.to_sync_error();
    assert_eq!(
        (sync.code, sync.next_step()),
        (ErrorCode::OrgLimitExceeded, NextStep::Park)
    );
    assert_eq!(c.client.usage().calls_made_by_this_client, before + 1);
}

struct Allowance(AtomicU32);

#[async_trait]
impl CallBudget for Allowance {
    async fn reserve(&self, n: u32) -> Result<(), SfError> {
        self.0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(n)
            })
            .map(|_| ())
            .map_err(|_| SfError::BudgetRefused {
                detail: "daily app budget spent".into(),
            })
    }
}

#[tokio::test]
async fn refused_reservation_makes_no_call() {
    let c = connect().await;
    let client = SfClient::builder(oauth(&c.sim, &c.cfg), c.tokens.clone())
        .options(fast())
        .budget(Arc::new(Allowance(AtomicU32::new(2))))
        .build();
    client.limits().await.unwrap();
    client
        .create("Lead", &[lead("One", "Acme")], &WriteOptions::default())
        .await
        .unwrap();
    let before = c.sim.calls().total;
    let err = client
        .create("Lead", &[lead("Two", "Acme")], &WriteOptions::default())
        .await
        .unwrap_err();
    assert!(err.completed.is_empty());
    assert_eq!(err.error.to_sync_error().code, ErrorCode::AllocationSpent);
    assert_eq!(
        c.sim.calls().total,
        before,
        "the refused call never reached Salesforce"
    );
    assert_eq!(c.sim.count("Lead"), 1);
}

#[tokio::test]
async fn outages_are_retried_and_counted() {
    let c = connect().await;
    c.sim.faults().fail_next(1, Fault::ServiceUnavailable);
    c.sim.faults().fail_next(1, Fault::ServiceUnavailableHtml);
    let limits = c.client.limits().await.unwrap();
    assert_eq!(limits.max, 15_000);
    assert_eq!(
        c.client.usage().calls_made_by_this_client,
        3,
        "two failures and the success"
    );

    c.sim.faults().fail_next(5, Fault::ServiceUnavailable);
    let err = c.client.limits().await.unwrap_err();
    assert!(err.is_retryable());
    assert_eq!(err.to_sync_error().code, ErrorCode::RemoteUnavailable);
    assert_eq!(
        c.client.usage().calls_made_by_this_client,
        3 + 4,
        "bounded at max_attempts"
    );
}

#[tokio::test]
async fn a_possibly_applied_create_is_not_replayed_but_an_update_is() {
    let c = connect().await;
    c.sim.faults().fail_next(1, Fault::InternalError);
    let err = c
        .client
        .create("Lead", &[lead("Once", "Acme")], &WriteOptions::default())
        .await
        .unwrap_err();
    assert!(err.error.may_have_been_applied() && err.error.is_retryable());
    assert_eq!(c.client.usage().calls_made_by_this_client, 1);

    let id = c
        .sim
        .human()
        .create("Lead", json!({"LastName": "Upd", "Company": "Acme"}))
        .unwrap();
    c.sim.faults().fail_next(1, Fault::InternalError);
    let ok = c
        .client
        .update(
            "Lead",
            &[(id, with(Fields::new(), "Title", json!("CTO")))],
            &WriteOptions::default(),
        )
        .await
        .unwrap();
    assert!(ok[0].success);
}

#[tokio::test]
async fn locked_rows_surface_per_record_as_retryable() {
    let c = connect().await;
    c.sim.faults().lock_rows(1);
    let results = c
        .client
        .create(
            "Lead",
            &[lead("Locked", "Acme"), lead("Free", "Acme")],
            &WriteOptions::default(),
        )
        .await
        .unwrap();
    let locked = results
        .iter()
        .find(|r| !r.success)
        .expect("one record hit the lock");
    assert!(locked.errors[0].is_retryable());
    let sync = locked.errors[0].to_sync_error();
    assert_eq!(
        (sync.code, sync.next_step()),
        (ErrorCode::RecordLocked, NextStep::Retry)
    );

    c.sim.faults().lock_rows(1);
    let outcome = c
        .client
        .create_one("Lead", &lead("Single", "Acme"), &WriteOptions::default())
        .await
        .unwrap();
    assert!(
        matches!(outcome, CreateOutcome::Created(_)),
        "top-level lock retried: {outcome:?}"
    );
}

#[tokio::test]
async fn upsert_by_external_id_is_idempotent() {
    let c = connect().await;
    let records: Vec<Fields> = (0..3)
        .map(|i| {
            with(
                lead(&format!("Up{i}"), "Acme"),
                "Jing_Id__c",
                json!(format!("jing-{i}")),
            )
        })
        .collect();
    let first = c
        .client
        .upsert("Lead", "Jing_Id__c", &records, &WriteOptions::default())
        .await
        .unwrap();
    assert!(
        first.iter().all(|r| r.success && r.created == Some(true)),
        "{first:?}"
    );
    let again = c
        .client
        .upsert("Lead", "Jing_Id__c", &records, &WriteOptions::default())
        .await
        .unwrap();
    assert!(
        again.iter().all(|r| r.success && r.created == Some(false)),
        "{again:?}"
    );
    assert_eq!(
        first.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        again.iter().map(|r| r.id.clone()).collect::<Vec<_>>()
    );
    assert_eq!(c.sim.count("Lead"), 3);
    assert_eq!(c.client.usage().calls_made_by_this_client, 2);

    let missing_key = c
        .client
        .upsert(
            "Lead",
            "Jing_Id__c",
            &[lead("NoKey", "Acme")],
            &WriteOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(missing_key.error, SfError::InvalidInput(_)));
    assert_eq!(
        c.client.usage().calls_made_by_this_client,
        2,
        "refused locally, no call"
    );
}
