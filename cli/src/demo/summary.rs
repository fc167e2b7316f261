//! The demo's closing summary: every figure is measured in this run (store counts, the
//! simulators' own call counters, the writer's outcomes).

use super::Stage;
use super::live::LiveReport;
use super::seed::Planted;
use crate::worker::anyhow_lite::Result;
use app::ports::{ErrorStore, ListQuery, SyncLog};
use domain::{Category, Lang, ObjectKind};
use serde::Serialize;
use std::time::Duration;

#[derive(Debug, Clone, Serialize)]
pub struct ErrorGroup {
    pub category: Category,
    pub label_zh: String,
    pub label_en: String,
    pub records: u64,
    pub example_cause_en: String,
    pub example_fix_en: String,
    pub example_cause_zh: String,
    pub example_fix_zh: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub synced_per_object: Vec<(ObjectKind, u64)>,
    pub records_synced: u64,
    pub failed_records: u64,
    pub errors: Vec<ErrorGroup>,
    /// Salesforce API calls counted by the simulated org (the allocation's own count).
    pub sf_api_calls: u64,
    pub sf_calls_by_kind: Vec<(String, u64)>,
    pub sf_calls_per_record: f64,
    pub jing_api_calls: u64,
    pub writer: app::write::Counts,
    /// Records the initialization created through Bulk API 2.0 ingest jobs (not in `writer`).
    pub ingest_created: u64,
    pub live: LiveReport,
    pub members_bound: u64,
    pub planted_lead_duplicates: usize,
    pub planted_account_duplicates: usize,
    pub seconds: f64,
}

pub async fn collect(
    stage: &Stage,
    planted: Planted,
    live: LiveReport,
    took: Duration,
) -> Result<Summary> {
    let store = stage.store();
    let app = &stage.app;
    let synced = SyncLog::count_by_object(store, app).await?;
    let records_synced = synced.iter().map(|(_, n)| n).sum::<u64>();
    let mut errors = Vec::new();
    for (category, records) in ErrorStore::count_by_category(store, app).await? {
        let q = ListQuery {
            category: Some(category),
            limit: 1,
            ..ListQuery::default()
        };
        let Some(example) = ErrorStore::list(store, app, &q)
            .await?
            .items
            .into_iter()
            .next()
        else {
            continue;
        };
        errors.push(ErrorGroup {
            category,
            label_zh: category.label(Lang::Zh).into(),
            label_en: category.label(Lang::En).into(),
            records,
            example_cause_en: example.error.cause(Lang::En),
            example_fix_en: example.error.fix(Lang::En),
            example_cause_zh: example.error.cause(Lang::Zh),
            example_fix_zh: example.error.fix(Lang::Zh),
        });
    }
    let calls = stage.sf.calls();
    let mut by_kind: std::collections::BTreeMap<String, u64> =
        stage.sf_calls_carried.iter().cloned().collect();
    for (k, v) in &calls.by_kind {
        *by_kind.entry(k.clone()).or_default() += v;
    }
    let sf_total: u64 = by_kind.values().sum();
    let members_bound = app::ports::BindingStore::count(store, app, ObjectKind::Member).await?;
    Ok(Summary {
        failed_records: errors.iter().map(|e| e.records).sum(),
        synced_per_object: synced,
        records_synced,
        errors,
        sf_api_calls: sf_total,
        sf_calls_by_kind: by_kind.into_iter().collect(),
        sf_calls_per_record: if records_synced == 0 {
            0.0
        } else {
            sf_total as f64 / records_synced as f64
        },
        jing_api_calls: stage.jing.total_calls(),
        writer: stage.drained.counts.clone(),
        ingest_created: stage.init_ingest_created,
        live,
        members_bound,
        planted_lead_duplicates: planted.lead_duplicates,
        planted_account_duplicates: planted.account_duplicates,
        seconds: took.as_secs_f64(),
    })
}

pub fn print(s: &Summary) {
    println!("\n════════ Summary 汇总 ════════");
    for (object, n) in &s.synced_per_object {
        println!("  synced {object:<12} {n:>7}");
    }
    println!(
        "  synced in all      {:>7}  (in {:.1} s)",
        s.records_synced, s.seconds
    );
    let w = &s.writer;
    println!(
        "  writer: {} created, {} bound to existing duplicates, {} updated, {} skipped (echoes, unchanged), {} conflicts, {} owners kept (member not bound)",
        w.created, w.bound_existing, w.updated, w.skipped, w.conflicts, w.owner_warnings
    );
    if s.ingest_created > 0 {
        println!(
            "  initialization: {} more created through Bulk API 2.0 ingest jobs",
            s.ingest_created
        );
    }
    println!(
        "  Salesforce API calls: {} in all = {:.4} per synced record (the vendor's design: up to 4 per record)",
        s.sf_api_calls, s.sf_calls_per_record
    );
    let kinds: Vec<String> = s
        .sf_calls_by_kind
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    println!("    by kind: {}", kinds.join(", "));
    println!("  JING API calls: {}", s.jing_api_calls);
    println!("  members bound: {}", s.members_bound);
    println!("  failed records: {}", s.failed_records);
    for e in &s.errors {
        println!(
            "  ▸ {} / {}: {} record(s)",
            e.label_zh, e.label_en, e.records
        );
        println!("      cause: {}", e.example_cause_en);
        println!("      fix:   {}", e.example_fix_en);
        println!("      原因:  {}", e.example_cause_zh);
        println!("      处理:  {}", e.example_fix_zh);
    }
}
