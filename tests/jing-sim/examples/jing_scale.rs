//! Per-request cost of the JING simulator as the tenant grows: the same requests against
//! tenants of 10k, 100k and 1M leads (and a hundredth as many employees), side by side.
//!
//! Run: `cargo run --release -p jing-sim --example jing_scale [-- 10000 100000 1000000]`
//!
//! Each figure is the median (and 90th percentile) wall time of one HTTP request over loopback,
//! client included, after a warm-up request. A slow request stops its series early (at least 3
//! samples).

use jing::contract::fields as f;
use jing::contract::{HEADER_ACCESS_TOKEN, HEADER_APP_ID, Paths};
use jing_sim::{JingSim, JingSimConfig};
use serde_json::{Value as Json, json};
use std::cell::{Cell, RefCell};
use std::time::{Duration, Instant};

const REPS: usize = 60;
const BUDGET: Duration = Duration::from_secs(6);

struct Tenant {
    sim: JingSim,
    http: reqwest::Client,
    paths: Paths,
    app: String,
    token: String,
    leads: Vec<String>,
    employees: usize,
    fresh: Cell<usize>,
}

impl Tenant {
    async fn seeded(n: usize) -> Tenant {
        let cfg = JingSimConfig::default();
        let app = cfg.app_id.clone();
        let body = json!({"app_id": cfg.app_id, "app_secret": cfg.app_secret});
        let sim = JingSim::start(cfg).await.expect("sim starts");
        let http = reqwest::Client::new();
        let paths = Paths::default();
        let url = format!("{}{}", sim.base_url(), paths.token);
        let answer = http.post(url).json(&body).send().await.expect("token");
        let answer: Json = answer.json().await.expect("json");
        let token = answer["data"]["access_token"].as_str().expect("token");
        let employees = (n / 100).max(1);
        for i in 0..employees {
            let (mobile, email) = (mobile(i), format!("staff{i}@scale.example"));
            sim.add_employee(&format!("Staff {i}"), Some(&mobile), Some(&email))
                .expect("employee");
        }
        let mut t = Tenant {
            token: token.to_owned(),
            sim,
            http,
            paths,
            app,
            leads: Vec::with_capacity(n),
            employees,
            fresh: Cell::new(0),
        };
        for start in (0..n).step_by(100) {
            let records: Vec<Json> = (start..(start + 100).min(n))
                .map(|i| json!({"fields": {"name": format!("Seed {i}"), "email": format!("seed{i}@scale.example")}}))
                .collect();
            let data = t
                .call(
                    &t.paths.object_batch_create.clone(),
                    json!({"object_name": "lead", "records": records}),
                )
                .await;
            let ids = data["success"].as_array().expect("created");
            t.leads.extend(
                ids.iter()
                    .filter_map(|s| s["entity_id"].as_str())
                    .map(str::to_owned),
            );
        }
        assert_eq!(t.leads.len(), n);
        t
    }

    /// One open-API call; the `data` of its success envelope.
    async fn call(&self, path: &str, body: Json) -> Json {
        let req = self.http.post(format!("{}{path}", self.sim.base_url()));
        let req = req
            .header(HEADER_APP_ID, &self.app)
            .header(HEADER_ACCESS_TOKEN, &self.token);
        let answer: Json = req
            .json(&body)
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
        assert_eq!(answer["code"], 0, "{answer}");
        answer["data"].clone()
    }

    fn fresh(&self) -> usize {
        self.fresh.set(self.fresh.get() + 1);
        self.fresh.get()
    }
}

fn mobile(i: usize) -> String {
    format!("139{:08}", i)
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

/// Pages of a list endpoint followed by cursor; a fresh walk (untimed) once one ends.
async fn pages(t: &Tenant, path: &str, body: Json, size: usize) -> Stats {
    let cursor = RefCell::new(None::<String>);
    sample(|_| {
        let (cursor, mut body) = (&cursor, body.clone());
        async move {
            if let Some(c) = cursor.borrow().clone() {
                body[f::CURSOR] = json!(c);
            }
            let start = Instant::now();
            let data = t.call(path, body).await;
            let took = start.elapsed();
            let rows = data["list"].as_array().map(Vec::len).unwrap_or(0);
            assert!((1..=size).contains(&rows), "{rows} rows");
            *cursor.borrow_mut() = data["next_cursor"].as_str().map(str::to_owned);
            Some(took)
        }
    })
    .await
}

async fn measure(t: &Tenant) -> Vec<(&'static str, Stats)> {
    let p = &t.paths;
    let spread = |k: usize, of: usize| (0..50).map(move |j| (j * (of / 50).max(1) + k) % of);
    let get = sample(|k| async move {
        let ids: Vec<&String> = spread(k, t.leads.len()).map(|i| &t.leads[i]).collect();
        let data = t
            .call(
                &p.object_get,
                json!({"object_name": "lead", "entity_ids": ids}),
            )
            .await;
        assert_eq!(data["records"].as_array().map(Vec::len), Some(50));
        None
    });
    let create = sample(|_| async move {
        let i = t.fresh();
        let fields =
            json!({"name": format!("Fresh {i}"), "email": format!("fresh{i}@scale.example")});
        let data = t
            .call(
                &p.object_batch_create,
                json!({"object_name": "lead", "records": [{"fields": fields}]}),
            )
            .await;
        assert_eq!(data["success"].as_array().map(Vec::len), Some(1));
        None
    });
    let query_staff = sample(|k| async move {
        let mobiles: Vec<String> = spread(k, t.employees).map(mobile).collect();
        let data = t.call(&p.employee_query, json!({"mobiles": mobiles})).await;
        assert!(data["list"].as_array().is_some_and(|l| !l.is_empty()));
        None
    });
    let add_staff = sample(|_| async move {
        let i = t.fresh();
        let body = json!({"name": format!("New {i}"), "mobile": format!("137{i:08}"), "email": format!("new{i}@scale.example")});
        t.call(&p.employee_create, body).await;
        None
    });
    vec![
        ("object get (50 lead ids)", get.await),
        ("lead create (duplicate rules checked)", create.await),
        (
            "object list page (200 leads, cursor)",
            pages(
                t,
                &p.object_list,
                json!({"object_name": "lead", "updated_since": 0, "page_size": 200}),
                200,
            )
            .await,
        ),
        ("employee query (50 mobiles)", query_staff.await),
        (
            "employee list page (200, cursor)",
            pages(t, &p.employee_list, json!({"page_size": 200}), 200).await,
        ),
        ("employee create (dedup checked)", add_staff.await),
    ]
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
        let started = Instant::now();
        let tenant = Tenant::seeded(n).await;
        eprintln!(
            "seeded {n} leads, {} employees in {:.1}s",
            tenant.employees,
            started.elapsed().as_secs_f64()
        );
        for (i, (name, stats)) in measure(&tenant).await.into_iter().enumerate() {
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
    print!("\n{:<44}", "median µs per request (p90)");
    sizes
        .iter()
        .for_each(|n| print!("{:>20}", format!("{n} leads")));
    println!();
    for (name, row) in table {
        print!("{name:<44}");
        row.iter()
            .for_each(|s| print!("{:>20}", format!("{:.0} ({:.0})", s.0, s.1)));
        println!();
    }
}
