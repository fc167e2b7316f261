//! Outages on the embedded connector, with every clock jumping instead of waiting: a change
//! survives a Salesforce outage of hours and lands once it ends; after a day of failing it
//! becomes a dead letter that says why, which the admin lists and sends back through the
//! admin API, and which then lands; JING down half an hour, or Salesforce answering 503 for
//! half an hour, while people edit the other side: every edit lands once afterwards, nothing
//! is a dead letter; and while the connector is unreachable for both, JING edits whose
//! webhooks JING gave up reach Salesforce once through the JING safety net, Salesforce edits
//! through its own, and the retried outbound messages add nothing.

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

/// Point JING's webhook at a port nobody listens on: the connector is down for JING.
async fn unreachable_for_jing(stage: &Stage) -> Result<()> {
    let setup = stage.sim.get(&format!("/apps/{}/setup", stage.app)).await?;
    let url = setup["webhook_url"].as_str().ok_or("no webhook_url")?;
    let (_, token) = url.rsplit_once('/').ok_or("no token")?;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    stage.jing.set_webhook(
        &format!(
            "http://127.0.0.1:{closed}/jing/webhook/{}/{{token}}",
            stage.app
        ),
        token,
        setup["webhook_signing_secret"].as_str(),
    );
    Ok(())
}

/// Point Salesforce's outbound messages at a port nobody listens on; the sender's counts
/// before.
fn unreachable_for_salesforce(stage: &Stage) -> Result<sf_sim::OutboundStats> {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut down = stage.outbound.clone();
    down.url = format!("http://127.0.0.1:{closed}/sf/outbound");
    stage.sf.set_outbound(Some(down));
    Ok(stage.sf.outbound_stats())
}

/// Salesforce leads with this last name, as records.
fn leads_named(stage: &Stage, name: &str) -> Vec<serde_json::Value> {
    let ids = stage.sf.find("Lead", "LastName", name);
    ids.iter()
        .filter_map(|id| stage.sf.record("Lead", id))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_jing_gave_up_on_reach_salesforce_once_through_the_scheduled_poll() -> Result<()> {
    let mut stage = stage::start(0, |_| {}).await?;
    let known = new_jing_lead(&stage, "早已同步").await?;
    stage.drain().await?;
    assert_eq!(leads_named(&stage, "早已同步").len(), 1);

    unreachable_for_jing(&stage).await?;
    let human = stage.jing.human();
    human.update("lead", &known, json!({"title": "停机时改的"}))?;
    let fresh = human.create_lead(
        json!({"name": "停机时新建", "mobile": "13700000001", "company_id": "停机科技"}),
    )?;
    stage.advance(Duration::from_secs(60));
    human.update("lead", &fresh, json!({"title": "改了两次"}))?;
    human.create_lead(
        json!({"name": "停机时另一条", "email": "other@outage.example", "company_id": "停机科技"}),
    )?;
    human.create_account(json!({"company_id": "停机客户"}))?;
    // Salesforce cannot reach the connector either: its outbound messages fail and wait.
    let down = unreachable_for_salesforce(&stage)?;
    let sf_made = stage.sf.human().create(
        "Lead",
        json!({"LastName": "停机时销售建", "Company": "停机科技", "MobilePhone": "13700000009"}),
    )?;
    stage
        .sf
        .human()
        .update("Lead", &sf_made, json!({"Title": "停机时销售改"}))?;
    assert_eq!(
        stage.sf.deliver_outbound().await,
        0,
        "the connector is unreachable"
    );
    assert!(stage.sf.outbound_stats().attempts > down.attempts);
    let (sf_leads, sf_accounts) = (stage.sf.count("Lead"), stage.sf.count("Account"));
    for _ in 0..5 {
        let round = stage.jing.deliver_webhooks().await;
        assert_eq!(round.delivered, 0, "the connector is unreachable");
    }
    assert_eq!(
        stage.jing.pending_webhooks().len(),
        0,
        "JING gave every event up"
    );
    assert_eq!(stage.jing.dead_webhooks().len(), 5);
    stage.drain().await?;
    assert_eq!(stage.sf.count("Lead"), sf_leads, "nothing arrived by push");

    // The scheduled run, as serve's timer and the Lambda poller run it.
    stage.advance(Duration::from_secs(30 * 60));
    let summary = edge::jobs::poll_all(stage.edge()).await;
    assert!(summary.failed.is_empty(), "{summary:?}");
    assert_eq!(
        summary.jing_enqueued, 4,
        "three leads, one account: {summary:?}"
    );
    stage.drain().await?;
    assert_eq!(stage.drained.dead_letters, 0);
    let known_sf = leads_named(&stage, "早已同步");
    assert_eq!(known_sf.len(), 1);
    assert_eq!(known_sf[0]["Title"], json!("停机时改的"));
    let fresh_sf = leads_named(&stage, "停机时新建");
    assert_eq!(fresh_sf.len(), 1, "created once");
    assert_eq!(fresh_sf[0]["Title"], json!("改了两次"));
    assert_eq!(leads_named(&stage, "停机时另一条").len(), 1);
    assert_eq!(stage.sf.find("Account", "Name", "停机客户").len(), 1);
    assert_eq!(stage.sf.count("Lead"), sf_leads + 2, "no duplicate lead");
    // The Salesforce lead made meanwhile came through the Salesforce safety net; the retried
    // outbound message, once the connector is reachable again, adds nothing.
    let made = stage.jing.find("lead", "mobile", "13700000009");
    assert_eq!(made.len(), 1, "created in JING once");
    assert_eq!(made[0].fields["title"], json!("停机时销售改"));
    stage.sf.set_outbound(Some(stage.outbound.clone()));
    assert!(
        stage.sf.deliver_outbound().await >= 1,
        "the retried message arrived"
    );
    stage.drain().await?;
    assert_eq!(stage.jing.find("lead", "mobile", "13700000009").len(), 1);

    // A Salesforce person edits a lead and the push brings it to JING: we are its last writer.
    let fresh_id = stage.sf.find("Lead", "LastName", "停机时新建")[0].clone();
    stage
        .sf
        .human()
        .update("Lead", &fresh_id, json!({"Title": "销售改的"}))?;
    stage.sf.deliver_outbound().await;
    stage.drain().await?;
    let fresh_jing = stage.jing.record("lead", &fresh).ok_or("gone")?;
    assert_eq!(fresh_jing.fields["title"], json!("销售改的"));
    // Later runs re-read the overlap and list that write: nothing more reaches Salesforce.
    let mut echoes = 0;
    for _ in 0..2 {
        stage.advance(Duration::from_secs(30 * 60));
        let again = edge::jobs::poll_all(stage.edge()).await;
        assert!(again.failed.is_empty(), "{again:?}");
        echoes += again.jing_enqueued;
        let calls = stage.sf.calls().total;
        stage.drain().await?;
        assert_eq!(
            stage.sf.calls().total,
            calls,
            "echoes cost no Salesforce call"
        );
    }
    assert_eq!(
        echoes, 2,
        "our writes (the edit, and the lead made from Salesforce) came back once each"
    );
    assert_eq!(stage.sf.count("Lead"), sf_leads + 2);
    assert_eq!(stage.sf.count("Account"), sf_accounts + 1);
    Ok(())
}

/// Writer steps until nothing is visible now (what failed waits for its backoff).
async fn steps_until_idle(stage: &mut Stage) -> Result<()> {
    while jingsf::worker::step(&stage.local.edge, &mut stage.drained).await? > 0 {}
    Ok(())
}

/// Every five simulated minutes of a 30-minute outage, `edit` runs (people at work on the
/// live side, their pushes arriving), then the writer tries what is due; then `recover`.
async fn half_an_hour_down(
    stage: &mut Stage,
    mut edit: impl FnMut(&Stage, u64) -> Result<()>,
) -> Result<()> {
    for minute in (0..30).step_by(5) {
        edit(stage, minute)?;
        stage.sf.deliver_outbound().await;
        stage.jing.deliver_webhooks().await;
        steps_until_idle(stage).await?;
        stage.advance(Duration::from_secs(5 * 60));
    }
    // The scheduled run during the outage fails for the side that is down; nothing is lost.
    let _ = edge::jobs::poll_all(stage.edge()).await;
    steps_until_idle(stage).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jing_down_half_an_hour_while_salesforce_is_edited_loses_nothing() -> Result<()> {
    let mut stage = stage::start(0, |_| {}).await?;
    let known = stage.sf.human().create(
        "Lead",
        json!({"LastName": "鲸停前", "Company": "停鲸科技", "MobilePhone": "13500000000"}),
    )?;
    stage.sync().await?;
    assert_eq!(stage.jing.count("lead"), 1);
    stage.jing.faults().fail_next(1_000_000);
    let mut fresh = Vec::new();
    half_an_hour_down(&mut stage, |stage, minute| {
        let human = stage.sf.human();
        let id = human.create(
            "Lead",
            json!({"LastName": format!("鲸停{minute}"), "Company": "停鲸科技",
                   "MobilePhone": format!("135000001{minute:02}")}),
        )?;
        human.update("Lead", &known, json!({"Title": format!("第{minute}分钟")}))?;
        if let Some(earlier) = fresh.last() {
            human.update("Lead", earlier, json!({"Title": format!("改于{minute}")}))?;
        }
        fresh.push(id);
        Ok(())
    })
    .await?;
    assert_eq!(
        stage.jing.count("lead"),
        1,
        "nothing reached JING while it was down"
    );
    stage.jing.faults().fail_next(0);
    retry_for(&mut stage, Duration::from_secs(3600)).await?;

    assert_eq!(stage.drained.dead_letters, 0);
    assert!(stage.sim.get("/dead-letters").await?["items"] == json!([]));
    assert_eq!(
        stage.jing.count("lead"),
        7,
        "one JING lead per Salesforce lead"
    );
    let copy = |mobile: &str| stage.jing.find("lead", "mobile", mobile);
    let known_copy = copy("13500000000");
    assert_eq!(known_copy.len(), 1);
    assert_eq!(
        known_copy[0].fields["title"],
        json!("第25分钟"),
        "the last edit"
    );
    for (i, minute) in (0..30).step_by(5).enumerate() {
        let copies = copy(&format!("135000001{minute:02}"));
        assert_eq!(copies.len(), 1, "lead of minute {minute}");
        let want = if i + 1 < fresh.len() {
            json!(format!("改于{}", minute + 5))
        } else {
            serde_json::Value::Null
        };
        let title = copies[0].fields.get("title").cloned().unwrap_or_default();
        assert_eq!(title, want, "lead of minute {minute}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn salesforce_503_half_an_hour_while_jing_is_edited_loses_nothing() -> Result<()> {
    let mut stage = stage::start(0, |_| {}).await?;
    let known = new_jing_lead(&stage, "停销售前").await?;
    stage.drain().await?;
    assert_eq!(leads_named(&stage, "停销售前").len(), 1);
    stage
        .sf
        .faults()
        .fail_next(1_000_000, Fault::ServiceUnavailable);
    let mut fresh = Vec::new();
    half_an_hour_down(&mut stage, |stage, minute| {
        let human = stage.jing.human();
        let id = human.create_lead(json!({
            "name": format!("停销售{minute}"), "company_id": "停销售科技",
            "mobile": format!("134000001{minute:02}"),
        }))?;
        human.update("lead", &known, json!({"title": format!("第{minute}分钟")}))?;
        if let Some(earlier) = fresh.last() {
            human.update("lead", earlier, json!({"title": format!("改于{minute}")}))?;
        }
        fresh.push(id);
        Ok(())
    })
    .await?;
    stage.sf.faults().clear();
    assert_eq!(
        stage.sf.count("Lead"),
        1,
        "nothing reached Salesforce while it was down"
    );
    retry_for(&mut stage, Duration::from_secs(3600)).await?;

    assert_eq!(stage.drained.dead_letters, 0);
    assert!(stage.sim.get("/dead-letters").await?["items"] == json!([]));
    assert_eq!(
        stage.sf.count("Lead"),
        7,
        "one Salesforce lead per JING lead"
    );
    let known_sf = leads_named(&stage, "停销售前");
    assert_eq!(known_sf.len(), 1);
    assert_eq!(known_sf[0]["Title"], json!("第25分钟"), "the last edit");
    for (i, minute) in (0..30).step_by(5).enumerate() {
        let copies = leads_named(&stage, &format!("停销售{minute}"));
        assert_eq!(copies.len(), 1, "lead of minute {minute}");
        let want = if i + 1 < fresh.len() {
            json!(format!("改于{}", minute + 5))
        } else {
            serde_json::Value::Null
        };
        assert_eq!(copies[0]["Title"], want, "lead of minute {minute}");
    }
    Ok(())
}
