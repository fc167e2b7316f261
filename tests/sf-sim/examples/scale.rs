//! Per-request cost of the simulator as the org grows: the same requests against orgs of 10k,
//! 100k and 1M leads, side by side. Flat rows mean a benchmark at 1M measures the connector,
//! not the simulator.
//!
//! Run: `cargo run --release -p sf-sim --example scale [-- 10000 100000 1000000]`
//!
//! Each figure is the median (and 90th percentile) wall time of one HTTP request over loopback,
//! client included, after a warm-up request. A slow request stops its series early (at least 3
//! samples), so the old linear code still finishes at 1M.

use serde_json::{Value, json};
use sf_sim::{SfSim, SimConfig};
use std::time::{Duration, Instant};

const REPS: usize = 60;
const BUDGET: Duration = Duration::from_secs(6);

struct Org {
    sim: SfSim,
    http: reqwest::Client,
    base: String,
    token: String,
    n: usize,
    fresh: std::cell::Cell<usize>,
}

impl Org {
    async fn seeded(n: usize) -> Org {
        let sim = SfSim::start(SimConfig {
            daily_api_limit: u64::MAX / 2,
            ..SimConfig::default()
        })
        .await
        .expect("sim starts");
        let human = sim.human();
        for i in 0..n {
            human
                .create(
                    "Lead",
                    json!({"LastName": format!("Seed {i}"), "Company": "Acme",
                                       "Email": format!("seed{i}@scale.example")}),
                )
                .expect("seed lead");
        }
        let (base, token) = (
            format!("{}/services/data/v62.0", sim.base_url()),
            sim.access_token(),
        );
        Org {
            sim,
            http: reqwest::Client::new(),
            base,
            token,
            n,
            fresh: std::cell::Cell::new(0),
        }
    }

    async fn get(&self, path: &str, query: &[(&str, &str)]) -> reqwest::Response {
        let url = if path.starts_with("/services") {
            format!("{}{path}", self.sim.base_url())
        } else {
            format!("{}{path}", self.base)
        };
        let r = self.http.get(url).query(query).bearer_auth(&self.token);
        let r = r.header("Sforce-Query-Options", "batchSize=2000");
        r.send().await.expect("sent")
    }

    async fn json(&self, req: reqwest::RequestBuilder, want: u16) -> Value {
        let r = req.bearer_auth(&self.token).send().await.expect("sent");
        assert_eq!(r.status().as_u16(), want);
        r.json().await.unwrap_or(Value::Null)
    }

    async fn query(&self, soql: &str) -> Value {
        let r = self.get("/query", &[("q", soql)]).await;
        assert_eq!(r.status(), 200, "{soql}");
        r.json().await.expect("json")
    }

    /// 50 seeded e-mails spread over the whole org.
    fn emails(&self, k: usize) -> String {
        let step = (self.n / 50).max(1);
        let list: Vec<String> = (0..50)
            .map(|j| format!("'seed{}@scale.example'", (j * step + k) % self.n))
            .collect();
        list.join(",")
    }

    fn fresh_lead(&self) -> Value {
        self.fresh.set(self.fresh.get() + 1);
        json!({"attributes": {"type": "Lead"}, "LastName": "Fresh", "Company": "Acme",
               "Email": format!("fresh{}@scale.example", self.fresh.get())})
    }
}

/// Median and 90th percentile in microseconds, and how many samples.
type Stats = (f64, f64, usize);

async fn sample<F, Fut>(mut once: F) -> Stats
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Option<Duration>>,
{
    once(0).await; // warm-up
    let (started, mut times) = (Instant::now(), Vec::new());
    while times.len() < REPS && (times.len() < 3 || started.elapsed() < BUDGET) {
        let t = Instant::now();
        // A probe that times only part of its work says so; otherwise the whole call counts.
        let took = once(times.len() + 1).await.unwrap_or_else(|| t.elapsed());
        times.push(took.as_secs_f64() * 1e6);
    }
    times.sort_by(f64::total_cmp);
    let pick = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    (pick(0.5), pick(0.9), times.len())
}

async fn measure(o: &Org) -> Vec<(&'static str, Stats)> {
    let ids = o
        .query(&format!(
            "SELECT Id FROM Lead WHERE Email IN ({})",
            o.emails(7)
        ))
        .await["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| format!("'{}'", r["Id"].as_str().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(",");
    let by_email = |k| {
        format!(
            "SELECT Id, Email FROM Lead WHERE Email IN ({})",
            o.emails(k)
        )
    };
    let by_id = |_| format!("SELECT Id, Email FROM Lead WHERE Id IN ({ids})");
    let changed = |_| {
        "SELECT Id, Email, SystemModstamp FROM Lead WHERE SystemModstamp >= 2000-01-01T00:00:00Z ORDER BY SystemModstamp, Id LIMIT 200".to_owned()
    };
    let backfill = |_| {
        "SELECT Id, Email FROM Lead WHERE Id > '00Q000000000000EAA' ORDER BY Id LIMIT 200"
            .to_owned()
    };
    vec![
        ("Email IN (50 values)", queries(o, by_email, 50).await),
        ("Id IN (50 values)", queries(o, by_id, 50).await),
        (
            "changed page: SystemModstamp >= t ... LIMIT 200",
            queries(o, changed, 200).await,
        ),
        (
            "backfill page: Id > x ORDER BY Id LIMIT 200",
            queries(o, backfill, 200).await,
        ),
        ("queryMore page (2000 rows)", query_more(o).await),
        ("Bulk query results page (2000 rows)", bulk_page(o).await),
        ("create Lead (duplicate rule checked)", create_one(o).await),
        ("collections create 200, allOrNone", create_200(o).await),
    ]
}

/// One query per sample (`soql(k)` for sample k), expecting `rows` records.
async fn queries(o: &Org, soql: impl Fn(usize) -> String, rows: usize) -> Stats {
    sample(|k| {
        let soql = soql(k);
        async move {
            let body = o.query(&soql).await;
            assert_eq!(body["records"].as_array().map(Vec::len), Some(rows));
            None
        }
    })
    .await
}

async fn query_more(o: &Org) -> Stats {
    let soql = "SELECT Id, Email FROM Lead";
    let next = std::cell::RefCell::new(None::<String>);
    sample(|_| {
        let next = &next;
        async move {
            if next.borrow().is_none() {
                // Outside the timed part: a fresh locator once the previous one is used up.
                let first = o.query(soql).await;
                *next.borrow_mut() = first["nextRecordsUrl"].as_str().map(str::to_owned);
            }
            let url = next.borrow().clone().expect("more pages");
            let t = Instant::now();
            let r = o.get(&url, &[]).await;
            assert_eq!(r.status(), 200);
            let page: Value = r.json().await.expect("json");
            let took = t.elapsed();
            *next.borrow_mut() = page["nextRecordsUrl"].as_str().map(str::to_owned);
            Some(took)
        }
    })
    .await
}

/// A completed Bulk query job over every lead.
async fn bulk_job(o: &Org) -> String {
    let create = o.http.post(format!("{}/jobs/query", o.base));
    let body = json!({"operation": "query", "query": "SELECT Id, Email FROM Lead"});
    let job = o.json(create.json(&body), 200).await;
    let id = job["id"].as_str().expect("job id").to_owned();
    let status = || o.http.get(format!("{}/jobs/query/{id}", o.base));
    while o.json(status(), 200).await["state"] != "JobComplete" {}
    id
}

async fn bulk_page(o: &Org) -> Stats {
    // (job id, locator of the next page); a new job once the last page was read.
    let next = std::cell::RefCell::new(None::<(String, Option<String>)>);
    sample(|_| {
        let next = &next;
        async move {
            if next.borrow().is_none() {
                *next.borrow_mut() = Some((bulk_job(o).await, None));
            }
            let (id, locator) = next.borrow().clone().expect("a job");
            let mut q = vec![("maxRecords", "2000".to_owned())];
            q.extend(locator.map(|l| ("locator", l)));
            let t = Instant::now();
            let url = format!("{}/jobs/query/{id}/results", o.base);
            let r = o.http.get(url).query(&q).bearer_auth(&o.token).send().await;
            let r = r.expect("sent");
            assert_eq!(r.status(), 200);
            let locator = r
                .headers()
                .get("sforce-locator")
                .and_then(|v| v.to_str().ok());
            let locator = locator.filter(|l| *l != "null").map(str::to_owned);
            r.bytes().await.expect("body");
            let took = t.elapsed();
            *next.borrow_mut() = locator.map(|l| (id, Some(l)));
            Some(took)
        }
    })
    .await
}

async fn create_one(o: &Org) -> Stats {
    sample(|_| async move {
        let req = o.http.post(format!("{}/sobjects/Lead", o.base));
        o.json(req.json(&o.fresh_lead()), 201).await;
        None
    })
    .await
}

async fn create_200(o: &Org) -> Stats {
    sample(|_| async move {
        let records: Vec<Value> = (0..200).map(|_| o.fresh_lead()).collect();
        let req = o.http.post(format!("{}/composite/sobjects", o.base));
        let body = json!({"allOrNone": true, "records": records});
        let out = o.json(req.json(&body), 200).await;
        let all_ok = out
            .as_array()
            .map(|a| a.iter().all(|r| r["success"] == true));
        assert_eq!(all_ok, Some(true));
        None
    })
    .await
}

#[tokio::main]
async fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10_000, 100_000, 1_000_000]
    } else {
        sizes
    };
    let mut table: Vec<(&str, Vec<Stats>)> = Vec::new();
    for &n in &sizes {
        let t = Instant::now();
        let org = Org::seeded(n).await;
        eprintln!("seeded {n} leads in {:.1}s", t.elapsed().as_secs_f64());
        for (i, (name, stats)) in measure(&org).await.into_iter().enumerate() {
            eprintln!(
                "  {name}: median {:.0} µs, p90 {:.0} µs ({} samples)",
                stats.0, stats.1, stats.2
            );
            match table.get_mut(i) {
                Some((_, row)) => row.push(stats),
                None => table.push((name, vec![stats])),
            }
        }
    }
    print!("\n{:<48}", "median µs per request (p90)");
    sizes
        .iter()
        .for_each(|n| print!("{:>22}", format!("{n} leads")));
    println!();
    for (name, row) in table {
        print!("{name:<48}");
        row.iter()
            .for_each(|s| print!("{:>22}", format!("{:.0} ({:.0})", s.0, s.1)));
        println!();
    }
}
