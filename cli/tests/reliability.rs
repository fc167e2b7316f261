//! Outages on the embedded connector, with every clock jumping instead of waiting: a change
//! survives a Salesforce outage of hours and lands once it ends; after a day of failing it
//! becomes a dead letter that says why, which the admin lists and sends back through the
//! admin API, and which then lands.

#[path = "convergence/stage.rs"]
mod stage;

use edge::jobs::{MAX_BACKOFF, MAX_RECEIVES};
use serde_json::json;
use sf_sim::Fault;
use stage::{Result, Stage};
use std::time::Duration;

/// Run writer steps, jumping every clock past the longest backoff whenever nothing is
/// visible, for at most `span` of simulated time. Returns the simulated time spent.
async fn retry_for(stage: &mut Stage, span: Duration) -> Result<Duration> {
    let mut spent = Duration::ZERO;
    while spent < span {
        let taken = jingsf::worker::step(&stage.local.edge, &mut stage.drained).await?;
        if taken == 0 {
            if stage.edge().queue.depth().await? == 0 {
                break;
            }
            stage.advance(MAX_BACKOFF + Duration::from_secs(1));
            spent += MAX_BACKOFF + Duration::from_secs(1);
        }
    }
    Ok(spent)
}

async fn new_jing_lead(stage: &Stage, name: &str) -> Result<domain::JingId> {
    let id = stage.jing.human().create_lead(json!({
        "name": name,
        "first_name": "可靠",
        "mobile": "13912345678",
        "company_id": "可靠科技",
    }))?;
    let delivered = stage.jing.deliver_webhooks().await;
    assert_eq!(delivered.delivered, 1, "the webhook reached the connector");
    Ok(id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_of_hours_delays_a_change_and_loses_nothing() -> Result<()> {
    let mut stage = stage::start(0, |_| {}).await?;
    stage
        .sf
        .faults()
        .fail_next(100_000, Fault::ServiceUnavailable);
    new_jing_lead(&stage, "停电六小时").await?;
    retry_for(&mut stage, Duration::from_secs(6 * 3600)).await?;
    assert_eq!(stage.sf.find("Lead", "LastName", "停电六小时").len(), 0);
    assert_eq!(
        stage.edge().queue.depth().await?,
        1,
        "still queued, not lost"
    );
    stage.sf.faults().clear();
    retry_for(&mut stage, Duration::from_secs(3600)).await?;
    assert_eq!(
        stage.sf.find("Lead", "LastName", "停电六小时").len(),
        1,
        "landed exactly once when Salesforce came back"
    );
    let letters = stage.sim.get("/dead-letters").await?;
    assert_eq!(letters["items"], json!([]), "no dead letter");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_of_failing_makes_a_dead_letter_the_admin_sends_back() -> Result<()> {
    let mut stage = stage::start(0, |_| {}).await?;
    stage
        .sf
        .faults()
        .fail_next(100_000, Fault::ServiceUnavailable);
    let jing_id = new_jing_lead(&stage, "停电一整天").await?;
    let spent = retry_for(&mut stage, Duration::from_secs(3 * 24 * 3600)).await?;
    assert_eq!(stage.edge().queue.depth().await?, 0, "no longer queued");
    assert_eq!(stage.drained.dead_letters, 1);
    assert!(
        spent >= Duration::from_secs(24 * 3600),
        "retried for a day first ({spent:?})"
    );

    let listed = stage
        .sim
        .get(&format!("/dead-letters?app={}", stage.app))
        .await?;
    let items = listed["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1, "{listed}");
    let letter = &items[0];
    assert_eq!(letter["record"], json!(jing_id.as_str()));
    assert_eq!(letter["object"], json!("lead"));
    assert_eq!(letter["receive_count"], json!(MAX_RECEIVES));
    let reason = letter["reason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with(&format!(
            "still failing after {MAX_RECEIVES} deliveries over 24 hours: "
        )),
        "{reason}"
    );
    assert!(!reason.contains("停电"), "no record values in the reason");
    let first = time::OffsetDateTime::parse(
        letter["first_try"].as_str().unwrap_or_default(),
        &time::format_description::well_known::Rfc3339,
    )?;
    let last = time::OffsetDateTime::parse(
        letter["last_try"].as_str().unwrap_or_default(),
        &time::format_description::well_known::Rfc3339,
    )?;
    assert!(
        last - first >= time::Duration::hours(24),
        "{first} → {last}"
    );
    assert_eq!(listed["causes"][0]["count"], json!(1));

    let id = letter["id"].as_str().unwrap_or_default();
    let detail = stage.sim.get(&format!("/dead-letters/{id}")).await?;
    assert_eq!(
        detail["change"]["fields"]["name"]["after"]["v"],
        json!("停电一整天")
    );
    let refused = stage.sim.post("/dead-letters/redrive", json!({})).await;
    assert!(refused.is_err(), "no accidental redrive of everything");

    stage.sf.faults().clear();
    let back = stage
        .sim
        .post("/dead-letters/redrive", json!({ "reason": reason }))
        .await?;
    assert_eq!(back["redriven"], json!(1));
    retry_for(&mut stage, Duration::from_secs(3600)).await?;
    assert_eq!(stage.sf.find("Lead", "LastName", "停电一整天").len(), 1);
    let after = stage.sim.get("/dead-letters").await?;
    assert_eq!(after["items"], json!([]));
    Ok(())
}
