//! Contract of [`DecisionLog`]: a batch is kept as written, read back newest first under either
//! side's id, bounded per record and in time, and never shows another app's or object's.

use super::fixtures::*;
use crate::ports::*;
use domain::{Actor, Direction, ErrorCode, Lane, ObjectKind};

/// A decision about `key` at `secs`.
pub fn decision(app: &domain::AppId, key: &str, secs: i64, verdict: Verdict) -> Decision {
    Decision {
        app: app.clone(),
        object: ObjectKind::Lead,
        record_key: key.to_owned(),
        direction: Direction::JingToSf,
        at: at(secs),
        source: DecisionSource {
            lane: Lane::Live,
            actor: Actor::Human(Some("u1".into())),
            at: at(secs - 1),
        },
        verdict,
    }
}

fn synced_phone() -> Verdict {
    Verdict::Synced {
        op: SyncedOp::Updated,
        fields: vec!["Phone".into()],
    }
}

pub async fn decision_log(log: &dyn DecisionLog) {
    let (a, b) = (app("decide-a"), app("decide-b"));
    let scope = Verdict::OutOfScope {
        rules: vec!["Status equals Open".into()],
        fields: vec!["Status".into()],
    };
    let failed = Verdict::Failed {
        code: ErrorCode::ValueTooLong,
        field: Some("Phone".into()),
        retry: false,
    };
    log.record(&[
        decision(&a, "L1", 10, scope.clone()),
        decision(&a, "00Q000000000001AAA", 20, synced_phone()),
        decision(&a, "L1", 30, failed.clone()),
        decision(&b, "L1", 40, Verdict::Echo),
    ])
    .await
    .unwrap();
    let keys = ["L1".to_owned(), "00Q000000000001AAA".to_owned()];
    let now = at(100);
    let got = log
        .for_record(&a, ObjectKind::Lead, &keys, now)
        .await
        .unwrap();
    let verdicts: Vec<&Verdict> = got.iter().map(|d| &d.verdict).collect();
    assert_eq!(
        verdicts,
        [&failed, &synced_phone(), &scope],
        "both sides' decisions, newest first, none of another app"
    );
    assert_eq!(got[0].source.actor, Actor::Human(Some("u1".into())));
    assert_eq!(got[0].source.at, at(29), "the source time is kept");
    let other_object = log
        .for_record(&a, ObjectKind::Account, &keys, now)
        .await
        .unwrap();
    assert!(other_object.is_empty(), "decisions are per object");
    bounded(log, &a).await;
}

/// At most `KEEP_PER_RECORD` per record, none older than `KEEP_FOR`.
async fn bounded(log: &dyn DecisionLog, a: &domain::AppId) {
    let many: Vec<Decision> = (0..KEEP_PER_RECORD as i64 + 5)
        .map(|i| decision(a, "L2", 1_000 + i, Verdict::Echo))
        .collect();
    log.record(&many).await.unwrap();
    let now = at(2_000);
    let got = log
        .for_record(a, ObjectKind::Lead, &["L2".to_owned()], now)
        .await
        .unwrap();
    assert_eq!(
        got.len(),
        KEEP_PER_RECORD,
        "the newest {KEEP_PER_RECORD} only"
    );
    assert_eq!(got[0].at, at(1_000 + KEEP_PER_RECORD as i64 + 4));
    let month_later = at(1_000) + KEEP_FOR + time::Duration::days(1);
    log.record(&[decision(a, "L3", 5, Verdict::Echo)])
        .await
        .unwrap();
    let late = log
        .for_record(a, ObjectKind::Lead, &["L2".to_owned()], month_later)
        .await
        .unwrap();
    assert!(late.is_empty(), "nothing older than {KEEP_FOR}");
}
