//! Live edits on both sides after initialization, through the push paths (Salesforce outbound
//! messages, JING webhooks), plus the scenarios a serious connector must survive.

use super::{Stage, drain};
use crate::worker::anyhow_lite::Result;
use app::ports::{BindingStore, ErrorStore, ParkedStore, SettingsStore};
use domain::{JingId, ObjectKind, SfId};
use serde::Serialize;
use serde_json::json;
use std::time::Instant;

#[derive(Debug, Default, Clone, Serialize)]
pub struct LiveReport {
    /// Salesforce human edits pushed (outbound messages) and applied in JING.
    pub sf_edits: usize,
    /// Milliseconds from the edits to their JING writes (push path, batch of edits).
    pub sf_push_ms: u128,
    pub jing_edits: usize,
    pub jing_push_ms: u128,
    pub conflicts_recorded: u64,
    pub conversion_bound_opportunity: bool,
    pub opportunity_stage_in_jing: Option<String>,
    pub parked_when_allocation_spent: u64,
    pub applied_after_reset: u64,
    pub value_errors: u64,
}

fn print(msg: &str) {
    println!("● {msg}");
}

pub async fn play(stage: &mut Stage) -> Result<LiveReport> {
    let mut report = LiveReport::default();
    catch_up(stage).await?;
    let bound = bound_leads(stage, 60).await?;
    if bound.len() < 40 {
        return Err("too few bound leads after initialization".into());
    }
    sf_edits(stage, &bound[..20], &mut report).await?;
    jing_edits(stage, &bound[20..40], &mut report).await?;
    conflict(stage, &bound[40], &mut report).await?;
    conversion(stage, &bound[41], &mut report).await?;
    quota(stage, &mut report).await?;
    let errors = ErrorStore::count_by_category(stage.store(), &stage.app).await?;
    report.value_errors = errors
        .iter()
        .filter(|(c, _)| *c == domain::Category::Value)
        .map(|(_, n)| n)
        .sum();
    Ok(report)
}

/// Pushes for changes made while initialization ran (including the demo data itself) arrive
/// now; records already synced by the initialization are recognized and cost nothing.
async fn catch_up(stage: &mut Stage) -> Result<()> {
    let t0 = Instant::now();
    let calls = stage.sf.calls().total;
    let before = stage.drained.messages;
    let outbound = stage.sf.deliver_outbound().await;
    let webhooks = stage.jing.deliver_webhooks().await;
    drain(&stage.local.edge, &mut stage.drained, None).await?;
    print(&format!(
        "Catch-up: {} outbound notifications and {} webhooks from the initialization period → {} changes, {} Salesforce calls, {} ms.",
        outbound,
        webhooks.delivered,
        stage.drained.messages - before,
        stage.sf.calls().total - calls,
        t0.elapsed().as_millis()
    ));
    Ok(())
}

async fn bound_leads(stage: &Stage, n: usize) -> Result<Vec<(SfId, JingId)>> {
    let list = BindingStore::list(stage.store(), &stage.app, ObjectKind::Lead, None, n).await?;
    Ok(list.into_iter().map(|b| (b.sf_id, b.jing_id)).collect())
}

async fn sf_edits(
    stage: &mut Stage,
    leads: &[(SfId, JingId)],
    report: &mut LiveReport,
) -> Result<()> {
    let t0 = Instant::now();
    for (i, (sf, _)) in leads.iter().enumerate() {
        stage
            .sf
            .human()
            .update("Lead", sf, json!({"Title": format!("区域总监 {i}")}))?;
    }
    stage.sf.deliver_outbound().await;
    drain(&stage.local.edge, &mut stage.drained, None).await?;
    report.sf_push_ms = t0.elapsed().as_millis();
    let arrived = leads
        .iter()
        .enumerate()
        .filter(|(i, (_, j))| {
            stage
                .jing
                .record("lead", j)
                .is_some_and(|r| r.fields.get("title") == Some(&json!(format!("区域总监 {i}"))))
        })
        .count();
    report.sf_edits = arrived;
    print(&format!(
        "{arrived}/{} Salesforce edits pushed by outbound message reached JING in {} ms.",
        leads.len(),
        report.sf_push_ms
    ));
    Ok(())
}

async fn jing_edits(
    stage: &mut Stage,
    leads: &[(SfId, JingId)],
    report: &mut LiveReport,
) -> Result<()> {
    let t0 = Instant::now();
    for (i, (_, j)) in leads.iter().enumerate() {
        stage
            .jing
            .human()
            .update("lead", j, json!({"title": format!("华东销售 {i}")}))?;
    }
    stage.jing.deliver_webhooks().await;
    drain(&stage.local.edge, &mut stage.drained, None).await?;
    report.jing_push_ms = t0.elapsed().as_millis();
    let arrived = leads
        .iter()
        .enumerate()
        .filter(|(i, (sf, _))| {
            stage
                .sf
                .record("Lead", sf)
                .is_some_and(|r| r["Title"] == json!(format!("华东销售 {i}")))
        })
        .count();
    report.jing_edits = arrived;
    print(&format!(
        "{arrived}/{} JING edits pushed by webhook reached Salesforce in {} ms.",
        leads.len(),
        report.jing_push_ms
    ));
    Ok(())
}

/// Both sides edit the same two-way field before either change is synced.
async fn conflict(stage: &mut Stage, lead: &(SfId, JingId), report: &mut LiveReport) -> Result<()> {
    let (sf, j) = lead;
    stage
        .jing
        .human()
        .update("lead", j, json!({"title": "JING 改的职位"}))?;
    stage
        .sf
        .human()
        .update("Lead", sf, json!({"Title": "Salesforce 改的职位"}))?;
    stage.sf.deliver_outbound().await;
    drain(&stage.local.edge, &mut stage.drained, None).await?;
    stage.jing.deliver_webhooks().await;
    drain(&stage.local.edge, &mut stage.drained, None).await?;
    report.conflicts_recorded = stage.drained.counts.conflicts;
    let sf_title = stage.sf.record("Lead", sf).map(|r| r["Title"].clone());
    let jing_title = stage
        .jing
        .record("lead", j)
        .and_then(|r| r.fields.get("title").cloned());
    print(&format!(
        "Conflict on Lead.Title: both sides edited it; the ledger recorded {} conflict(s); both now hold {} / {}.",
        report.conflicts_recorded,
        sf_title.unwrap_or_default(),
        jing_title.unwrap_or_default()
    ));
    Ok(())
}

/// Convert a bound lead in Salesforce; the poller binds the opportunity to the JING lead, and
/// the opportunity's stage changes reach the JING lead.
async fn conversion(
    stage: &mut Stage,
    lead: &(SfId, JingId),
    report: &mut LiveReport,
) -> Result<()> {
    let converted = stage.sf.convert_lead(&lead.0)?;
    poll_and_drain(stage).await?;
    let opp = converted.opportunity_id.clone();
    let bound =
        BindingStore::by_sf(stage.store(), &stage.app, ObjectKind::Opportunity, &opp).await?;
    report.conversion_bound_opportunity = bound.as_ref().is_some_and(|b| b.jing_id == lead.1);
    stage.sf.human().update(
        "Opportunity",
        &opp,
        json!({"StageName": "Negotiation/Review"}),
    )?;
    poll_and_drain(stage).await?;
    let stage_in_jing = stage
        .jing
        .record("lead", &lead.1)
        .and_then(|r| r.fields.get("opportunity_stage").cloned());
    report.opportunity_stage_in_jing = stage_in_jing.and_then(|v| v.as_str().map(str::to_owned));
    print(&format!(
        "Lead converted in Salesforce: opportunity {} bound to the JING lead: {}; its stage in JING: {}.",
        opp,
        report.conversion_bound_opportunity,
        report
            .opportunity_stage_in_jing
            .as_deref()
            .unwrap_or("(not synced)")
    ));
    Ok(())
}

pub async fn poll_and_drain(stage: &mut Stage) -> Result<()> {
    let edge = &stage.local.edge;
    let settings = SettingsStore::get(stage.store(), &stage.app)
        .await?
        .ok_or("the demo app is gone")?;
    let clients = edge.clients(&settings).await?;
    app::capture::poll(&edge.poll_deps(&clients), &settings).await?;
    drain(edge, &mut stage.drained, None).await
}

/// Spend the allocation, watch changes park, jump to the next day, watch them finish.
async fn quota(stage: &mut Stage, report: &mut LiveReport) -> Result<()> {
    let day = domain::quota::quota_day(stage.clock_now(), domain::datetime::JING_OFFSET);
    let used = app::ports::QuotaStore::used(stage.store(), &stage.app, day).await?;
    let allocation = format!("/apps/{}/allocation", stage.app);
    stage
        .admin
        .put(&allocation, json!({ "daily": used + 1 }))
        .await?;
    let leads = BindingStore::list(stage.store(), &stage.app, ObjectKind::Lead, None, 700).await?;
    for b in leads
        .iter()
        .filter(|b| b.converted_to.is_none())
        .skip(100)
        .take(300)
    {
        stage
            .jing
            .human()
            .update("lead", &b.jing_id, json!({"title": "批量更新"}))?;
    }
    stage.jing.deliver_webhooks().await;
    drain(&stage.local.edge, &mut stage.drained, None).await?;
    report.parked_when_allocation_spent = ParkedStore::count(stage.store(), &stage.app).await?;
    print(&format!(
        "Allocation set to {} calls: spent, {} changes parked (cached), nothing failed.",
        used + 1,
        report.parked_when_allocation_spent
    ));
    // The next day: a fresh allocation, the parked changes go first.
    stage.clock.shift(time::Duration::days(1));
    let calls = stage.sf.calls();
    stage.sf_calls_carried = calls.by_kind.iter().map(|(k, v)| (k.clone(), *v)).collect();
    stage.sf.reset_usage();
    stage
        .admin
        .put(&allocation, json!({ "daily": 15_000 }))
        .await?;
    let before = stage.drained.counts.updated;
    let reset = edge::jobs::daily_reset(&stage.local.edge).await?;
    drain(&stage.local.edge, &mut stage.drained, None).await?;
    report.applied_after_reset = stage.drained.counts.updated - before;
    let still = ParkedStore::count(stage.store(), &stage.app).await?;
    let errors = ErrorStore::count_by_category(stage.store(), &stage.app).await?;
    let quota_errors: u64 = errors
        .iter()
        .filter(|(c, _)| *c == domain::Category::Quota)
        .map(|(_, n)| n)
        .sum();
    print(&format!(
        "Next day (fast clock): {} parked changes re-queued, {} records updated, {} still parked, {} quota errors.",
        reset.requeued, report.applied_after_reset, still, quota_errors
    ));
    Ok(())
}
