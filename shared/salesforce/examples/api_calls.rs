//! Benchmark: Salesforce API calls per 10,000 records written and read, against `sf-sim`.
//! Goals: ≤ 50 calls to write 10,000 records, ≤ 5 to read them.
//!
//! `cargo run -p jingsf-salesforce --example api_calls [-- RECORDS]`

use std::time::{Duration, Instant};

use jingsf_salesforce as salesforce;
use salesforce::oauth::{authorize_url, generate_state};
use salesforce::{
    BulkQueryOptions, ClientOptions, Fields, OAuthClient, Pkce, QueryOptions, SfAppConfig,
    SfClient, SfEnvironment, WriteOptions,
};
use secrecy::SecretString;
use serde_json::json;
use sf_sim::{SfSim, SimConfig};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

async fn connect(sim: &SfSim, cfg: &SimConfig) -> Res<SfClient> {
    let env = SfEnvironment::Custom(sim.base_url().to_owned());
    let app = SfAppConfig::new(
        &cfg.client_id,
        SecretString::from(cfg.client_secret.clone()),
        "https://cb.example/cb",
    );
    let pkce = Pkce::generate();
    let url = authorize_url(
        &env,
        &app,
        &generate_state(),
        &pkce.challenge,
        &["api", "id", "refresh_token"],
    );
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let location = browser.get(url).send().await?.headers()["location"]
        .to_str()?
        .to_owned();
    let code = url::Url::parse(&location)?
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .ok_or("no code in the redirect")?;
    let oauth = OAuthClient::new(reqwest::Client::new(), &env, app);
    let tokens = oauth.exchange_code(&code, &pkce.verifier).await?;
    Ok(SfClient::builder(oauth, tokens)
        .options(ClientOptions::default())
        .build())
}

/// Run `f` and report the client's calls and the wall time it took.
async fn measure<T>(
    client: &SfClient,
    label: &str,
    n: usize,
    f: impl std::future::Future<Output = Res<T>>,
) -> Res<(T, u64)> {
    let before = client.usage().calls_made_by_this_client;
    let started = Instant::now();
    let out = f.await?;
    let calls = client.usage().calls_made_by_this_client - before;
    let took = started.elapsed();
    println!(
        "{label:<34} {n:>6} records  {calls:>4} calls  ({:.1} calls / 10k)  {:>8.1} ms  {:>8.0} records/s",
        calls as f64 * 10_000.0 / n as f64,
        took.as_secs_f64() * 1e3,
        n as f64 / took.as_secs_f64().max(f64::EPSILON),
    );
    Ok((out, calls))
}

async fn read_all_rest(client: &SfClient) -> Res<usize> {
    let opts = QueryOptions {
        include_deleted: false,
        batch_size: Some(2000),
    };
    let mut pager = client.query_with(
        "SELECT Id, LastName, Company, Email FROM Lead WHERE LastName LIKE 'Bench%'",
        opts,
    );
    let mut n = 0;
    while let Some(page) = pager.next_page().await? {
        n += page.len();
    }
    Ok(n)
}

async fn read_all_bulk(client: &SfClient) -> Res<usize> {
    let opts = BulkQueryOptions {
        poll_initial: Duration::from_millis(50),
        ..BulkQueryOptions::default()
    };
    let mut results = client
        .bulk_query(
            "SELECT Id, LastName, Company, Email FROM Lead WHERE LastName LIKE 'Bench%'",
            &opts,
        )
        .await?;
    let mut n = 0;
    while let Some(page) = results.next_page().await? {
        n += page.len();
    }
    Ok(n)
}

#[tokio::main]
async fn main() -> Res<()> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(10_000);
    let cfg = SimConfig {
        daily_api_limit: 1_000_000,
        ..SimConfig::default()
    };
    let sim = SfSim::start(cfg.clone()).await?;
    let client = connect(&sim, &cfg).await?;
    let records: Vec<Fields> = (0..n)
        .map(|i| {
            let mut f = Fields::new();
            f.insert("LastName".into(), json!(format!("Bench{i:06}")));
            f.insert("Company".into(), json!(format!("Company {}", i % 500)));
            f
        })
        .collect();

    let wopts = WriteOptions::default();
    let (created, write_calls) = measure(&client, "write: collections create", n, async {
        Ok(client.create("Lead", &records, &wopts).await?)
    })
    .await?;
    let ids: Vec<_> = created.iter().filter_map(|r| r.id.clone()).collect();
    assert_eq!(ids.len(), n, "every record created");

    let updates: Vec<_> = ids
        .iter()
        .map(|id| {
            (
                id.clone(),
                Fields::from_iter([("Title".to_owned(), json!("VP"))]),
            )
        })
        .collect();
    measure(&client, "write: collections update", n, async {
        Ok(client.update("Lead", &updates, &wopts).await?)
    })
    .await?;

    let (read, read_calls) = measure(
        &client,
        "read: REST query (batchSize=2000)",
        n,
        read_all_rest(&client),
    )
    .await?;
    assert_eq!(read, n);
    let (bulk_read, _) =
        measure(&client, "read: Bulk 2.0 query", n, read_all_bulk(&client)).await?;
    assert_eq!(bulk_read, n);

    let sim_total = sim.calls().total;
    let ours = client.usage();
    println!(
        "client counted {} calls; the simulated org charged {sim_total}",
        ours.calls_made_by_this_client
    );
    println!(
        "goal: write ≤ 50 / 10k → {}, read ≤ 5 / 10k → {}",
        verdict(write_calls, n, 50),
        verdict(read_calls, n, 5)
    );
    Ok(())
}

fn verdict(calls: u64, n: usize, goal: u64) -> &'static str {
    if calls * 10_000 <= goal * n as u64 {
        "met"
    } else {
        "MISSED"
    }
}
