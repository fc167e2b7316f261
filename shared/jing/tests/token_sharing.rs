//! Clients built with `JingClient::new` share one token per credentials for the whole process:
//! a client rebuilt (a reconnect, a settings change, another function's edge in the same
//! container) asks JING for no new token; a refused token is renewed once for all of them.

mod common;

use common::*;
use jing::JingClient;
use jingsf_jing as jing;

async fn touch(client: &JingClient) {
    client.field_metadata("lead").await.unwrap();
}

fn fetched(sim: &jing_sim::JingSim) -> (u64, u64) {
    (calls(sim, "token"), calls(sim, "token_refresh"))
}

#[tokio::test]
async fn clients_of_the_same_credentials_share_one_token() {
    let sim = sim().await;
    let first = JingClient::new(config(&sim, SECRET)).unwrap();
    touch(&first).await;
    for _ in 0..5 {
        let rebuilt = JingClient::new(config(&sim, SECRET)).unwrap();
        touch(&rebuilt).await;
    }
    // Many at once: the renewal is single-flight, whoever comes first fetches.
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let client = JingClient::new(config(&sim, SECRET)).unwrap();
        set.spawn(async move { touch(&client).await });
    }
    while let Some(done) = set.join_next().await {
        done.unwrap();
    }
    assert_eq!(fetched(&sim), (1, 0), "one token for every client");
    assert_eq!(calls(&sim, "object_fields"), 14);
}

#[tokio::test]
async fn a_refused_token_is_renewed_once_for_every_client() {
    let sim = sim().await;
    let a = JingClient::new(config(&sim, SECRET)).unwrap();
    let b = JingClient::new(config(&sim, SECRET)).unwrap();
    touch(&a).await;
    sim.faults().revoke_access_tokens();
    touch(&a).await;
    touch(&b).await;
    assert_eq!(fetched(&sim), (1, 1), "one refresh serves both clients");
}

#[tokio::test]
async fn another_secret_gets_its_own_token() {
    let sim = sim().await;
    let a = JingClient::new(config(&sim, SECRET)).unwrap();
    touch(&a).await;
    // The simulator knows one secret: a client with another one is refused, and must not
    // borrow the token of the first.
    let other = JingClient::new(config(&sim, "0123456789abcdef0123456789abcdef")).unwrap();
    assert!(other.field_metadata("lead").await.is_err());
    assert_eq!(
        calls(&sim, "token"),
        2,
        "the other secret asked for its own token"
    );
}
