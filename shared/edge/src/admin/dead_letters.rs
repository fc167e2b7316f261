//! Dead letters: changes that failed for a day of retries, or that do not decode. The admin
//! lists them (with why, and when they were first and last tried), inspects one, and sends
//! them back to the queue: chosen ones, every one of a cause, or all of them.
//!
//! The queue is one for every app, so the list is global with an `app` filter; a body that
//! does not decode belongs to no app and shows with `app: null`.

use crate::admin::extract::{Body, Params, app_id};
use crate::{AdminError, Edge};
use app::ports::DeadLetter;
use axum::Json;
use axum::extract::{Path, State};
use domain::Change;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// How many dead letters one request looks at (the SQS DLQ is read by peeking, 10 at a time).
pub(crate) const SCAN_MAX: usize = 1000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListParams {
    #[serde(default)]
    app: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

/// One dead letter, without its values.
#[derive(Debug, Serialize)]
pub(crate) struct Summary {
    id: String,
    app: Option<String>,
    object: Option<String>,
    record: Option<String>,
    op: Option<String>,
    lane: Option<String>,
    reason: String,
    receive_count: u32,
    #[serde(with = "time::serde::rfc3339::option")]
    first_try: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    last_try: Option<OffsetDateTime>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Cause {
    reason: String,
    count: usize,
}

#[derive(Debug, Serialize)]
pub(crate) struct Listing {
    items: Vec<Summary>,
    /// The listed letters grouped by reason, largest group first.
    causes: Vec<Cause>,
    /// More than [`SCAN_MAX`] letters exist: the list shows the oldest.
    truncated: bool,
}

fn reason(l: &DeadLetter) -> String {
    l.reason
        .clone()
        .unwrap_or_else(|| "no reason recorded".into())
}

fn decode(l: &DeadLetter) -> Option<Change> {
    serde_json::from_str(&l.body).ok()
}

fn summary(l: &DeadLetter) -> Summary {
    let change = decode(l);
    // The wire names (`upsert`, `backfill`, ...), as the change's JSON spells them.
    let op = change.as_ref().and_then(|c| {
        let v = serde_json::to_value(&c.op).ok()?;
        Some(v.get("op")?.as_str()?.to_owned())
    });
    let lane = change.as_ref().and_then(|c| {
        let v = serde_json::to_value(c.lane).ok()?;
        Some(v.as_str()?.to_owned())
    });
    Summary {
        id: l.id.clone(),
        app: change.as_ref().map(|c| c.app.to_string()),
        object: change.as_ref().map(|c| c.object.as_str().to_owned()),
        record: change.as_ref().map(|c| c.record.as_str().to_owned()),
        op,
        lane,
        reason: reason(l),
        receive_count: l.receive_count,
        first_try: l.first_try,
        last_try: l.last_try,
    }
}

/// The dead letters the filter keeps, and whether the scan stopped at its cap.
async fn matching(
    st: &Edge,
    app: Option<&str>,
    why: Option<&str>,
) -> Result<(Vec<DeadLetter>, bool), AdminError> {
    if let Some(app) = app {
        app_id(app)?;
    }
    let all = st.queue.dead_letters(SCAN_MAX + 1).await?;
    let truncated = all.len() > SCAN_MAX;
    let kept = all
        .into_iter()
        .take(SCAN_MAX)
        .filter(|l| app.is_none_or(|a| decode(l).is_some_and(|c| c.app.as_str() == a)))
        .filter(|l| why.is_none_or(|w| reason(l) == w))
        .collect();
    Ok((kept, truncated))
}

pub(crate) async fn list(
    State(st): State<Edge>,
    Params(p): Params<ListParams>,
) -> Result<Json<Listing>, AdminError> {
    let (letters, truncated) = matching(&st, p.app.as_deref(), p.reason.as_deref()).await?;
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    for l in &letters {
        *by_reason.entry(reason(l)).or_default() += 1;
    }
    let mut causes: Vec<Cause> = by_reason
        .into_iter()
        .map(|(reason, count)| Cause { reason, count })
        .collect();
    causes.sort_by_key(|c| std::cmp::Reverse(c.count));
    Ok(Json(Listing {
        items: letters.iter().map(summary).collect(),
        causes,
        truncated,
    }))
}

/// One dead letter in full: the change it carries, or the raw body when it does not decode.
#[derive(Debug, Serialize)]
pub(crate) struct Detail {
    #[serde(flatten)]
    summary: Summary,
    change: Option<Change>,
    /// Only when the body does not decode: kept verbatim for whoever repairs it.
    raw: Option<String>,
}

pub(crate) async fn inspect(
    State(st): State<Edge>,
    Path(id): Path<String>,
) -> Result<Json<Detail>, AdminError> {
    let (letters, _) = matching(&st, None, None).await?;
    let l = letters
        .into_iter()
        .find(|l| l.id == id)
        .ok_or_else(|| AdminError::NotFound(format!("no dead letter {id:?}")))?;
    let change = decode(&l);
    Ok(Json(Detail {
        summary: summary(&l),
        raw: change.is_none().then(|| l.body.clone()),
        change,
    }))
}

/// Which letters go back: chosen ids, or every letter of an app and/or a reason, or all.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RedriveRequest {
    #[serde(default)]
    ids: Option<Vec<String>>,
    #[serde(default)]
    app: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    /// Required to send back everything without a filter (no accidental "all").
    #[serde(default)]
    all: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct Redriven {
    /// How many went back on the queue (they are delivered again, counted afresh).
    redriven: u64,
    /// Chosen ids that are not dead letters (any more).
    unknown: Vec<String>,
}

pub(crate) async fn redrive(
    State(st): State<Edge>,
    Body(req): Body<RedriveRequest>,
) -> Result<Json<Redriven>, AdminError> {
    let filtered = req.app.is_some() || req.reason.is_some();
    let (letters, _) = matching(&st, req.app.as_deref(), req.reason.as_deref()).await?;
    let (ids, unknown) = match req.ids {
        Some(ids) if ids.is_empty() => {
            return Err(AdminError::InvalidInput("choose at least one id".into()));
        }
        Some(ids) => {
            let known: std::collections::HashSet<&str> =
                letters.iter().map(|l| l.id.as_str()).collect();
            let (ok, unknown): (Vec<String>, Vec<String>) =
                ids.into_iter().partition(|i| known.contains(i.as_str()));
            (ok, unknown)
        }
        None if filtered || req.all => (letters.iter().map(|l| l.id.clone()).collect(), Vec::new()),
        None => {
            return Err(AdminError::InvalidInput(
                "name ids, an app or a reason, or say all: true".into(),
            ));
        }
    };
    let redriven = if ids.is_empty() {
        0
    } else {
        st.queue.redrive(&ids).await?
    };
    tracing::info!(redriven, "Dead letters sent back to the queue.");
    if redriven > 0 {
        st.queued.notify_one();
    }
    Ok(Json(Redriven { redriven, unknown }))
}
