//! The record-claims contract: fresh, busy while leased, retried after a lease ends or is
//! released, forgotten when finished, one winner among racing claimers, apps kept apart.

use super::fixtures::*;
use crate::ports::{ClaimState, RecordClaims};
use time::Duration;

fn keys(names: &[&str]) -> Vec<String> {
    names.iter().map(|k| (*k).to_owned()).collect()
}

/// Every rule of [`RecordClaims`], on a fresh store.
pub async fn record_claims(c: &dyn RecordClaims) {
    let (a, b) = (app("claims-a"), app("claims-b"));
    let lease = Duration::minutes(2);
    let k = keys(&["lead#jing#1", "lead#jing#2"]);
    let got = c.claim_records(&a, &k, T0, T0 + lease).await.unwrap();
    assert_eq!(
        got,
        vec![ClaimState::Fresh, ClaimState::Fresh],
        "fresh keys"
    );

    let again = c
        .claim_records(&a, &k[..1], T0 + Duration::seconds(1), T0 + lease)
        .await
        .unwrap();
    assert_eq!(again, vec![ClaimState::Busy], "a live lease is busy");
    let other_app = c.claim_records(&b, &k[..1], T0, T0 + lease).await.unwrap();
    assert_eq!(other_app, vec![ClaimState::Fresh], "apps are kept apart");

    let later = T0 + lease + Duration::seconds(1);
    let expired = c
        .claim_records(&a, &k[..1], later, later + lease)
        .await
        .unwrap();
    assert_eq!(
        expired,
        vec![ClaimState::Retried { first_at: T0 }],
        "an ended lease is retried, first claim time kept"
    );

    c.release_records(&a, &k[1..], T0 + Duration::seconds(5))
        .await
        .unwrap();
    let released = c
        .claim_records(&a, &k[1..], T0 + Duration::seconds(6), T0 + lease)
        .await
        .unwrap();
    assert_eq!(
        released,
        vec![ClaimState::Retried { first_at: T0 }],
        "a released claim is retried at once"
    );

    c.finish_records(&a, &k).await.unwrap();
    let after = c.claim_records(&a, &k, later, later + lease).await.unwrap();
    assert_eq!(
        after,
        vec![ClaimState::Fresh, ClaimState::Fresh],
        "finished claims are forgotten"
    );
    c.finish_records(&a, &keys(&["never-claimed"]))
        .await
        .unwrap();
    c.finish_records(&a, &[]).await.unwrap();
    assert!(
        c.claim_records(&a, &[], T0, T0 + lease)
            .await
            .unwrap()
            .is_empty()
    );
    racing_claimers_one_wins(c).await;
}

async fn racing_claimers_one_wins(c: &dyn RecordClaims) {
    let a = app("claims-race");
    let k = keys(&["account#sf#001000000000001AAA"]);
    let lease = Duration::minutes(2);
    let racers: Vec<_> = (0..8)
        .map(|_| {
            Box::pin(c.claim_records(&a, &k, T0, T0 + lease))
                as std::pin::Pin<Box<dyn std::future::Future<Output = _> + Send + '_>>
        })
        .collect();
    let results = super::join_all(racers).await;
    let fresh = results
        .into_iter()
        .map(|r: crate::ports::StoreResult<Vec<ClaimState>>| r.unwrap()[0])
        .filter(|s| *s == ClaimState::Fresh)
        .count();
    assert_eq!(fresh, 1, "exactly one racing claimer wins");
}
