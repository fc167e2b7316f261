//! The dry run on `jingsf serve` (SQLite, its own process) against the strict simulators, through
//! the admin API and the CLI only: what it counts is what the initialization then does, record
//! by record (each record's decision, as `explain` shows it), and neither simulator sees a write
//! while it runs. Then, on the initialized app, a conflict made by editing both sides between
//! syncs, settled with `jingsf settle`.

mod process;

use domain::conditions::{CondValue, Condition, ConditionGroup, Op, Scope};
use jing_sim::{JingSim, JingSimConfig};
use jingsf::client::AdminClient;
use process::{Result, Serve, start_serve_polling, wait_for};
use serde_json::{Value, json};
use sf_sim::{SfSim, SimConfig};
use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

const TOKEN: &str = "dry-run-serve-admin-token-0123456789abcdef";
const APP: &str = "dry";

/// The records each side starts with, by object.
#[derive(Default)]
struct Seeded {
    sf: BTreeMap<&'static str, Vec<String>>,
    jing: BTreeMap<&'static str, Vec<String>>,
}

/// New leads on both sides, two Salesforce leads JING holds already (same e-mail, other case:
/// JING's duplicate rules bind them), one out of the Salesforce → JING scope that a JING lead
/// duplicates (Salesforce's duplicate key binds it), one JING lead Salesforce refuses (no
/// company), and an account both sides hold by name.
fn seed(sf: &SfSim, jing: &JingSim) -> Result<Seeded> {
    let mut s = Seeded::default();
    let mut sf_lead = |fields: Value| -> Result<()> {
        let id = sf.human().create("Lead", fields)?;
        s.sf.entry("lead").or_default().push(id.to_string());
        Ok(())
    };
    for i in 0..4 {
        sf_lead(
            json!({"LastName": format!("王{i}"), "Company": format!("上海公司{i}"),
                       "Email": format!("new{i}@acme.example")}),
        )?;
    }
    for i in 0..2 {
        sf_lead(json!({"LastName": format!("共{i}"), "Company": "共同公司",
                       "Email": format!("Shared{i}@ACME.example")}))?;
    }
    sf_lead(json!({"LastName": "旧", "Company": "Skip", "Email": "dup@acme.example"}))?;
    let mut jing_lead = |fields: Value| -> Result<()> {
        let id = jing.human().create_lead(fields)?;
        s.jing.entry("lead").or_default().push(id.to_string());
        Ok(())
    };
    for i in 0..3 {
        jing_lead(
            json!({"name": format!("李{i}"), "company_id": format!("杭州企业{i}"),
                         "mobile": format!("1370000{i:04}")}),
        )?;
    }
    for i in 0..2 {
        jing_lead(json!({"name": format!("共{i}"), "company_id": "共同公司",
                         "email": format!("shared{i}@acme.example")}))?;
    }
    jing_lead(json!({"name": "旧", "company_id": "乙", "email": "dup@acme.example"}))?;
    jing_lead(json!({"name": "无公司", "mobile": "13700009999"}))?;
    for name in ["北京集团有限公司", "共同客户有限公司"] {
        let id = sf.human().create("Account", json!({ "Name": name }))?;
        s.sf.entry("account").or_default().push(id.to_string());
    }
    let id = jing
        .human()
        .create_account(json!({"company_id": "共同客户有限公司"}))?;
    s.jing.entry("account").or_default().push(id.to_string());
    Ok(s)
}

async fn connect(admin: &AdminClient, sf: &SfSim, jing: &JingSim) -> Result<()> {
    process::create_app(admin, APP, "试运行 Dry run", sf, jing).await?;
    process::consent(admin, APP).await?;
    admin
        .patch(
            &format!("/apps/{APP}"),
            json!({"member_sync": {"every_minutes": 0, "create_unmatched": false}}),
        )
        .await?;
    // Salesforce → JING leads only when the company is not "Skip".
    let path = format!("/apps/{APP}/objects/lead/rules/sf_to_jing");
    let mut rules = admin.get(&path).await?;
    let scope = Scope::new(vec![ConditionGroup::new(vec![Condition::new(
        "Company",
        Op::NotEquals,
        CondValue::Text("Skip".into()),
    )])]);
    rules["rules"]["scope"] = serde_json::to_value(scope)?;
    admin
        .put(
            &path,
            json!({"revision": rules["revision"], "rules": rules["rules"]}),
        )
        .await?;
    Ok(())
}

/// Write requests both simulators received, and rows Salesforce wrote.
fn writes(sf: &SfSim, jing: &JingSim) -> [u64; 3] {
    [sf.calls().writes(), sf.row_writes(), jing.write_calls()]
}

/// The dry-run count a decision falls in (`decision` and `op` as `explain` answers them).
fn bucket(d: &Value) -> String {
    match (d["decision"].as_str(), d["op"].as_str()) {
        (Some("synced"), Some("created" | "staged")) => "would_create".into(),
        (Some("synced"), Some("bound")) => "would_bind".into(),
        (Some("synced"), Some(_)) => "would_update".into(),
        (Some("out_of_scope" | "trigger_off"), _) => "out_of_scope".into(),
        (Some("echo" | "unchanged"), _) => "unchanged".into(),
        (Some("parked"), _) => "parked".into(),
        (Some("failed"), _) => format!("error {}", d["code"].as_str().unwrap_or("?")),
        other => format!("{other:?}"),
    }
}

/// Per (object, direction): how many records fell in each count.
type Tally = BTreeMap<(String, String), BTreeMap<String, u64>>;

fn dry_tally(report: &Value) -> Tally {
    let mut out = Tally::new();
    for o in report["objects"].as_array().into_iter().flatten() {
        let key = (o["object"].to_string(), o["direction"].to_string());
        let mut counts = BTreeMap::new();
        for name in [
            "would_create",
            "would_bind",
            "would_update",
            "unchanged",
            "out_of_scope",
            "parked",
        ] {
            counts.insert(name.to_owned(), o[name].as_u64().unwrap_or(0));
        }
        for (code, g) in o["errors"].as_object().into_iter().flatten() {
            counts.insert(format!("error {code}"), g["count"].as_u64().unwrap_or(0));
        }
        counts.retain(|_, n| *n > 0);
        out.insert(key, counts);
    }
    out
}

/// The seeded records' initialization outcomes (each one's newest decision as the source);
/// records initialization did not read (out of its query's scope, or its own writes) have none.
async fn real_tally(admin: &AdminClient, seeded: &Seeded) -> Result<Tally> {
    let mut out = Tally::new();
    let sides = [(&seeded.sf, "sf_to_jing"), (&seeded.jing, "jing_to_sf")];
    for (records, direction) in sides {
        for (object, ids) in records {
            let key = (json!(object).to_string(), json!(direction).to_string());
            for id in ids {
                let path = format!("/apps/{APP}/explain/{object}/{id}");
                let found = admin.get(&path).await?;
                let newest = found["decisions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|d| d["record_key"] == json!(id) && d["direction"] == direction);
                let counts = out.entry(key.clone()).or_default();
                // A staged create is not done yet: its ingest job (or, below the threshold, the
                // live path, where Salesforce's duplicate rule may bind it) decides.
                if let Some(d) = newest.filter(|d| d["op"] != "staged") {
                    *counts.entry(bucket(d)).or_default() += 1;
                }
            }
        }
    }
    Ok(out)
}

struct World {
    sf: SfSim,
    jing: JingSim,
    serve: Serve,
    admin: AdminClient,
    seeded: Seeded,
}

async fn world() -> Result<World> {
    let sf_cfg = SimConfig {
        daily_api_limit: 100_000,
        ..SimConfig::default()
    };
    let sf = SfSim::start(sf_cfg.clone()).await?;
    let jing = JingSim::start(JingSimConfig::default()).await?;
    let seeded = seed(&sf, &jing)?;
    // No scheduled poll while the test runs: the seeded records are the initialization's,
    // and the live changes later arrive by push when the test delivers them.
    let (serve, admin) = start_serve_polling("dry-run", TOKEN, &sf_cfg, &jing, 3600).await?;
    connect(&admin, &sf, &jing).await?;
    Ok(World {
        sf,
        jing,
        serve,
        admin,
        seeded,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dry_run_counts_what_the_initialization_then_does_and_writes_nothing() -> Result<()> {
    let w = world().await?;
    let window = time::OffsetDateTime::now_utc() - time::Duration::days(30);
    let window = window.format(&time::format_description::well_known::Rfc3339)?;

    let before = writes(&w.sf, &w.jing);
    let (sf_leads, jing_leads) = (w.sf.count("Lead"), w.jing.count("lead"));
    let dry = w
        .admin
        .post(
            &format!("/apps/{APP}/dry-run"),
            json!({"kind": "init", "window_start": window}),
        )
        .await?;
    assert_eq!(
        writes(&w.sf, &w.jing),
        before,
        "no write request reached either simulator: {dry}"
    );
    assert_eq!(dry["complete"], true, "{dry}");
    let predicted = dry_tally(&dry);
    let binds: u64 = predicted.values().filter_map(|c| c.get("would_bind")).sum();
    assert_eq!(
        binds, 4,
        "2 by JING's rules, 1 by Salesforce's key, 1 account: {dry}"
    );

    w.admin
        .post(
            &format!("/apps/{APP}/init"),
            json!({ "window_start": window }),
        )
        .await?;
    // Decisions only accumulate: wait until they are what the dry run said (else show both).
    let mut real = Tally::new();
    let waited = wait_for(
        "the initialization's decisions",
        Duration::from_secs(60),
        async || {
            real = real_tally(&w.admin, &w.seeded).await?;
            Ok(real == predicted)
        },
    )
    .await;
    assert_eq!(real, predicted, "dry run: {dry}");
    waited?;
    // The records it said it would create are the records that appeared.
    let created = |o: &str, d: &str| {
        dry["objects"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|x| x["object"] == o && x["direction"] == d)
            .and_then(|x| x["would_create"].as_u64())
            .unwrap_or(0) as usize
    };
    assert_eq!(
        w.jing.count("lead"),
        jing_leads + created("lead", "sf_to_jing")
    );
    assert_eq!(w.sf.count("Lead"), sf_leads + created("lead", "jing_to_sf"));

    // The answer is kept for the status page.
    let last = w.admin.get(&format!("/apps/{APP}/dry-run")).await?;
    assert_eq!(last["last"]["ran_at"], dry["ran_at"], "{last}");

    // The CLI: the table (records read of the initialization's count), the promise, and a
    // budget larger than the deployment's refused (400: exit 1).
    let (code, out, err) = cli(&w, &["dry-run", "--max-seconds", "0"])?;
    assert_eq!(code, 0, "{out}{err}");
    let lead = out
        .lines()
        .find(|l| l.starts_with("lead") && l.contains("sf_to_jing"))
        .unwrap_or_default();
    // (The lead once out of scope took the company of the JING lead bound to it.)
    let total = w.sf.count("Lead") - w.sf.find("Lead", "Company", "Skip").len();
    assert!(lead.contains(&format!("{total}/{total}")), "{out}");
    assert!(out.contains("Nothing was written."), "{out}");
    let (code, _, err) = cli(&w, &["dry-run", "--max-seconds", "100000"])?;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("max_seconds is at most 120"), "{err}");

    settle_a_conflict_with_the_cli(&w).await
}

/// `jingsf ARGS --app dry` against the serve.
fn cli(w: &World, args: &[&str]) -> Result<(i32, String, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_jingsf"))
        .args(args)
        .args(["--app", APP])
        .env("JINGSF_URL", &w.serve.base)
        .env("JINGSF_ADMIN_TOKEN", TOKEN)
        .env("JINGSF_PROFILES", w.serve.dir.join("no-profiles.toml"))
        .env_remove("JINGSF_PROFILE")
        .output()?;
    Ok((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// Both sides edit a bound lead's title before either change is synced (pushes the test
/// delivers); one wins and the ledger keeps the conflict; `jingsf settle --keep <the other>`
/// puts the losing value on both sides and marks the entry settled.
async fn settle_a_conflict_with_the_cli(w: &World) -> Result<()> {
    let setup = w.admin.get(&format!("/apps/{APP}/setup")).await?;
    // What the two admins register; the test delivers the messages itself, after both edits.
    jingsf::simulated::register(&w.sf, &w.jing, &setup)?;
    let sf_id = w.seeded.sf["lead"][0].clone();
    let bound = w
        .admin
        .get(&format!("/apps/{APP}/explain/lead/{sf_id}"))
        .await?;
    let jing_id = domain::JingId::parse(bound["binding"]["jing_id"].as_str().ok_or("bound")?)?;
    let sf_ref = domain::SfId::parse(&sf_id)?;
    w.jing
        .human()
        .update("lead", &jing_id, json!({"title": "JING 改的职位"}))?;
    w.sf.human()
        .update("Lead", &sf_ref, json!({"Title": "Salesforce 改的职位"}))?;
    w.sf.deliver_outbound().await;
    w.jing.deliver_webhooks().await;
    let titles = || {
        let sf_title = w.sf.record("Lead", &sf_ref).map(|r| r["Title"].clone());
        let jing_title = w
            .jing
            .record("lead", &jing_id)
            .and_then(|r| r.fields.get("title").cloned());
        (sf_title.unwrap_or_default(), jing_title.unwrap_or_default())
    };
    // Whichever edit the rules let win reaches both sides, and the ledger keeps the conflict.
    let edited = [
        ("salesforce", json!("Salesforce 改的职位")),
        ("jing", json!("JING 改的职位")),
    ];
    let mut entry = Value::Null;
    wait_for(
        "the conflict in the ledger, the winning edit on both sides",
        Duration::from_secs(30),
        async || {
            let (code, out, _) = cli(w, &["conflicts", "--json"])?;
            let listed = serde_json::from_str::<Value>(&out).unwrap_or_default();
            entry = listed["items"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|e| e["field"] == "Title")
                .cloned()
                .unwrap_or_default();
            let won = edited
                .iter()
                .find(|(side, _)| entry["conflict"]["winner"] == *side);
            Ok(code == 0 && won.is_some_and(|(_, v)| titles() == (v.clone(), v.clone())))
        },
    )
    .await
    .map_err(|e| {
        let (_, out, _) = cli(w, &["conflicts", "--json"]).unwrap_or_default();
        format!("{e}: titles {:?}, conflicts {out}", titles())
    })?;
    // The admin keeps the losing side's value instead.
    let (keep, kept) = edited
        .iter()
        .find(|(side, _)| entry["conflict"]["winner"] != *side)
        .cloned()
        .ok_or("a loser")?;
    let record = entry["record_key"].as_str().ok_or("record_key")?.to_owned();
    let (code, out, err) = cli(
        w,
        &[
            "settle", "--object", "lead", "--record", &record, "--field", "Title", "--keep", keep,
        ],
    )?;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("settled 1 ledger entry") && out.contains("on its way to both sides"),
        "{out}"
    );
    wait_for(
        "the kept title on both sides",
        Duration::from_secs(30),
        async || Ok(titles() == (kept.clone(), kept.clone())),
    )
    .await?;
    let (_, out, _) = cli(w, &["conflicts", "--json"])?;
    let after: Value = serde_json::from_str(&out)?;
    let settled = after["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["field"] == "Title" && e["record_key"] == json!(record));
    assert_eq!(
        settled.map(|e| e["settled"]["keep"].clone()),
        Some(json!(keep)),
        "{after}"
    );
    // A conflict that is not in the ledger: refused, exit 3 (404) or 4 (409).
    let (code, _, err) = cli(
        w,
        &[
            "settle",
            "--object",
            "lead",
            "--record",
            "no-such-record",
            "--field",
            "Title",
            "--keep",
            keep,
        ],
    )?;
    assert!(code == 3 || code == 4, "{code}: {err}");
    Ok(())
}
