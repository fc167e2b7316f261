//! Reads against the simulator: paging, incremental polling with equal SystemModstamps,
//! getUpdated/getDeleted, describe caching, limits, Bulk 2.0 query, queryAll.

mod sim_support;

use std::collections::HashSet;
use std::time::Duration;

use jingsf_salesforce as salesforce;
use salesforce::soql::{ModstampCursor, incremental_query};
use salesforce::{QueryOptions, SfClient, WriteOptions};
use serde_json::json;
use sim_support::*;

use domain::SfId;

async fn create_leads(client: &SfClient, n: usize, tag: &str) -> Vec<SfId> {
    let records: Vec<_> = (0..n)
        .map(|i| lead(&format!("{tag}{i:04}"), "Acme"))
        .collect();
    let results = client
        .create("Lead", &records, &WriteOptions::default())
        .await
        .unwrap();
    assert!(
        results.iter().all(|r| r.success),
        "{:?}",
        results.iter().find(|r| !r.success)
    );
    results.into_iter().map(|r| r.id.unwrap()).collect()
}

#[tokio::test]
async fn pages_of_200_across_450_records() {
    let c = connect().await;
    let created = create_leads(&c.client, 450, "Page").await;
    let before = c.sim.calls();
    let mut pager = c.client.query_with(
        "SELECT Id, LastName FROM Lead WHERE LastName LIKE 'Page%' ORDER BY LastName",
        QueryOptions {
            include_deleted: false,
            batch_size: Some(200),
        },
    );
    let (mut sizes, mut seen) = (Vec::new(), HashSet::new());
    while let Some(page) = pager.next_page().await.unwrap() {
        sizes.push(page.len());
        seen.extend(page.iter().map(|r| r.id().unwrap()));
    }
    assert_eq!(sizes, [200, 200, 50]);
    assert_eq!(pager.total_size(), Some(450));
    assert_eq!(seen, created.into_iter().collect::<HashSet<_>>());
    let after = c.sim.calls();
    assert_eq!(after.kind("query") - before.kind("query"), 1);
    assert_eq!(after.kind("query_more") - before.kind("query_more"), 2);
}

/// Poll with the cursor until nothing new arrives; return the ids of this poll.
async fn poll(
    client: &SfClient,
    cursor: &mut Option<ModstampCursor>,
    limit: Option<u32>,
) -> Vec<SfId> {
    let soql = incremental_query("Lead", &["LastName"], cursor.as_ref(), None, limit).unwrap();
    let mut pager = client.query_with(
        &soql,
        QueryOptions {
            include_deleted: false,
            batch_size: Some(200),
        },
    );
    let mut ids = Vec::new();
    while let Some(page) = pager.next_page().await.unwrap() {
        for r in &page {
            let c = cursor.get_or_insert_with(|| ModstampCursor::new(r.system_modstamp().unwrap()));
            c.advance(r);
            ids.push(r.id().unwrap());
        }
    }
    ids
}

#[tokio::test]
async fn incremental_polls_split_equal_modstamps_without_loss_or_repeat() {
    let c = connect().await;
    // One collections call: 300 records written within the same second share SystemModstamp.
    let first_batch = create_leads(&c.client, 300, "Inc").await;
    let mut cursor = None;
    let poll1 = poll(&c.client, &mut cursor, Some(120)).await;
    assert_eq!(
        poll1.len(),
        120,
        "the limit cut the run of equal timestamps in the middle"
    );

    // More changes arrive at the same second and later.
    let same_second = c
        .sim
        .human()
        .create("Lead", json!({"LastName": "IncHuman", "Company": "Acme"}))
        .unwrap();
    c.sim.advance_clock(Duration::from_secs(5));
    c.sim
        .touch_system_modstamp("Lead", &first_batch[0])
        .unwrap();
    let poll2 = poll(&c.client, &mut cursor, None).await;

    let all: Vec<SfId> = poll1.iter().chain(&poll2).cloned().collect();
    let unique: HashSet<_> = all.iter().cloned().collect();
    // first_batch[0] was read in poll 1 and legitimately again after its system change.
    assert_eq!(
        all.len(),
        unique.len() + 1,
        "only the re-touched record is read twice"
    );
    assert_eq!(poll2.last(), Some(&first_batch[0]));
    let mut expected: HashSet<SfId> = first_batch.into_iter().collect();
    expected.insert(same_second);
    assert!(expected.is_subset(&unique), "no record missed");

    let poll3 = poll(&c.client, &mut cursor, None).await;
    assert!(poll3.is_empty(), "nothing new, nothing repeated: {poll3:?}");
}

#[tokio::test]
async fn get_updated_and_get_deleted_cover_the_window() {
    let c = connect().await;
    let start = time::OffsetDateTime::now_utc() - Duration::from_secs(120);
    let ids = create_leads(&c.client, 3, "Repl").await;
    let deleted = c
        .client
        .delete(&ids[..1], &WriteOptions::default())
        .await
        .unwrap();
    assert!(deleted[0].success);
    c.sim.advance_clock(Duration::from_secs(120));
    let end = time::OffsetDateTime::now_utc() + Duration::from_secs(120);

    let updated = c.client.get_updated("Lead", start, end).await.unwrap();
    assert!(
        ids[1..].iter().all(|id| updated.ids.contains(id)),
        "{updated:?}"
    );
    assert_eq!(
        updated.latest_date_covered.second(),
        0,
        "minute granularity"
    );
    let gone = c.client.get_deleted("Lead", start, end).await.unwrap();
    assert_eq!(
        gone.records.iter().map(|d| &d.id).collect::<Vec<_>>(),
        [&ids[0]]
    );
    assert!(
        c.client.get_updated("Lead", end, start).await.is_err(),
        "reversed window refused locally"
    );
}

#[tokio::test]
async fn describe_is_cached_and_complete() {
    let c = connect().await;
    let lead = c.client.describe("Lead").await.unwrap();
    let again = c.client.describe("Lead").await.unwrap();
    assert!(std::sync::Arc::ptr_eq(&lead, &again));
    assert_eq!(
        c.sim.calls().kind("describe"),
        1,
        "second describe served from cache"
    );

    assert_eq!(lead.key_prefix.as_deref(), Some("00Q"));
    let last = lead.field("LastName").unwrap();
    assert_eq!((last.field_type.as_str(), last.length), ("string", 80));
    assert!(last.required_on_create());
    let region = lead.field("Region__c").unwrap();
    assert!(region.restricted_picklist && !region.picklist_values.is_empty());
    let province = lead.field("Province__c").unwrap();
    assert!(province.dependent_picklist);
    assert_eq!(province.controller_name.as_deref(), Some("Country__c"));
    let country = lead.field("Country__c").unwrap();
    // Every dependent value is valid for at least one controller value.
    for v in &province.picklist_values {
        assert!(
            (0..country.picklist_values.len()).any(|i| v.valid_for_index(i)),
            "{v:?}"
        );
    }
}

#[tokio::test]
async fn limits_match_the_limit_header() {
    let c = connect().await;
    let limits = c.client.limits().await.unwrap();
    let usage = c.client.usage();
    assert_eq!(usage.max, Some(limits.max));
    assert_eq!(limits.max, 15_000);
    assert!(limits.remaining <= limits.max);
    assert_eq!(usage.used, Some(c.sim.api_usage().used));
}

#[tokio::test]
async fn bulk_query_reads_every_record() {
    let c = connect().await;
    let created: HashSet<SfId> = create_leads(&c.client, 450, "Bulk")
        .await
        .into_iter()
        .collect();
    let opts = salesforce::BulkQueryOptions {
        poll_initial: Duration::from_millis(1),
        poll_max: Duration::from_millis(10),
        page_size: 200,
        ..Default::default()
    };
    let mut results = c
        .client
        .bulk_query(
            "SELECT Id, LastName, Email FROM Lead WHERE LastName LIKE 'Bulk%'",
            &opts,
        )
        .await
        .unwrap();
    let mut seen = HashSet::new();
    let mut pages = 0;
    while let Some(page) = results.next_page().await.unwrap() {
        pages += 1;
        for r in &page {
            assert!(r.get("Email").is_none(), "empty CSV cells are null");
            seen.insert(r.id().unwrap());
        }
    }
    assert_eq!(seen, created);
    assert_eq!(pages, 3);
}

#[tokio::test]
async fn query_all_includes_deleted_records() {
    let c = connect().await;
    let ids = create_leads(&c.client, 2, "Del").await;
    c.client
        .delete(&ids[..1], &WriteOptions::default())
        .await
        .unwrap();
    let soql = "SELECT Id, IsDeleted FROM Lead WHERE LastName LIKE 'Del%'";
    let live = c.client.query(soql).collect_all().await.unwrap();
    let all = c.client.query_all(soql).collect_all().await.unwrap();
    assert_eq!(live.len(), 1);
    assert_eq!(all.len(), 2);
    assert!(
        all.iter()
            .any(|r| r.id().as_ref() == Some(&ids[0]) && r.get("IsDeleted") == Some(&json!(true)))
    );
}
