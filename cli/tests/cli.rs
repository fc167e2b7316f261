//! The `jingsf` admin commands as an operator runs them: the real binary against a running
//! `jingsf serve` process with both simulators, through the admin API only. Each command
//! group, the `--json` answers, and the exit codes scripts rely on.

mod process;

use jing_sim::{JingSim, JingSimConfig};
use process::{Result, Serve, free_port, start_serve, wait_for};
use serde_json::{Value, json};
use sf_sim::{SfSim, SimConfig};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

const TOKEN: &str = "cli-test-admin-token-0123456789abcdef";
const APP: &str = "cli";

/// What one run of `jingsf` left: its exit code and output.
#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }

    /// Exit 0, or the test fails showing what the CLI said.
    fn ok(self) -> Self {
        assert_eq!(self.code, 0, "{self:#?}");
        self
    }

    fn exits(self, code: i32) -> Self {
        assert_eq!(self.code, code, "{self:#?}");
        self
    }
}

struct World {
    sf: SfSim,
    jing: JingSim,
    serve: Serve,
    /// Files the operator writes (mapping, profiles); no profiles file unless a step writes one.
    home: PathBuf,
}

impl World {
    /// `jingsf ARGS` with the deployment in the environment (`JINGSF_URL`, the token), as an
    /// operator's shell would have it.
    async fn run(&self, args: &[&str]) -> Out {
        let env = [
            ("JINGSF_URL", self.serve.base.as_str()),
            ("JINGSF_ADMIN_TOKEN", TOKEN),
        ];
        self.run_with(args, &env).await
    }

    /// `jingsf ARGS` with only these variables set (besides a private HOME).
    async fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Out {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_jingsf"));
        cmd.args(args)
            .env("HOME", &self.home)
            .env("JINGSF_PROFILES", self.home.join("profiles.toml"));
        for var in [
            "JINGSF_URL",
            "JINGSF_ADMIN_TOKEN",
            "JINGSF_APP",
            "JINGSF_PROFILE",
        ] {
            cmd.env_remove(var);
        }
        cmd.env_remove("XDG_CONFIG_HOME").env_remove("DISPLAY");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .expect("the CLI's thread")
            .expect("jingsf runs");
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// An admin command on the test's app.
    async fn app(&self, args: &[&str]) -> Out {
        let mut all = args.to_vec();
        all.extend(["--app", APP]);
        self.run(&all).await
    }

    fn file(&self, name: &str, body: &str) -> PathBuf {
        let path = self.home.join(name);
        std::fs::write(&path, body).expect("write a file");
        path
    }
}

/// Users and employees (two of three users match by mobile), leads on both sides, and one
/// JING lead without a company (Salesforce requires one: it fails until fixed).
fn seed(sf: &SfSim, jing: &JingSim) -> Result<()> {
    for i in 0..6 {
        sf.human().create(
            "Lead",
            json!({"LastName": format!("王{i}"), "Company": format!("上海公司{i}"),
                   "MobilePhone": format!("1380000{i:04}")}),
        )?;
    }
    for i in 0..4 {
        jing.human().create_lead(json!({
            "name": format!("李{i}"), "company_id": format!("杭州企业{i}"),
            "mobile": format!("1370000{i:04}"),
        }))?;
    }
    jing.human()
        .create_lead(json!({"name": "无公司", "mobile": "13700009999"}))?;
    for i in 0..3 {
        let mobile = format!("1360000{i:04}");
        sf.add_user(
            "用户",
            &format!("{i}"),
            &format!("u{i}@acme.example"),
            Some(&mobile),
        );
    }
    for i in 0..2 {
        jing.add_employee(&format!("员工{i}"), Some(&format!("1360000{i:04}")), None)?;
    }
    jing.add_employee("新来的", Some("13500000000"), None)?;
    Ok(())
}

async fn world() -> Result<World> {
    let sf_cfg = SimConfig {
        daily_api_limit: 100_000,
        ..SimConfig::default()
    };
    let sf = SfSim::start(sf_cfg.clone()).await?;
    let jing = JingSim::start(JingSimConfig::default()).await?;
    seed(&sf, &jing)?;
    let (serve, _) = start_serve("cli", TOKEN, &sf_cfg, &jing).await?;
    let home = serve.dir.join("home");
    std::fs::create_dir_all(&home)?;
    Ok(World {
        sf,
        jing,
        serve,
        home,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_steers_a_running_serve_through_the_admin_api() -> Result<()> {
    let w = world().await?;
    connection_errors(&w).await?;
    apps(&w).await?;
    connect_and_setup(&w).await?;
    members(&w).await?;
    configuration(&w).await?;
    initialization(&w).await?;
    status_and_failures(&w).await?;
    repairs(&w).await?;
    profiles(&w).await?;
    fixed_at_the_source(&w).await?;
    circuit_breaker(&w).await?;
    switch_off_and_delete(&w).await?;
    Ok(())
}

/// Wrong token: 2 with the API's reason; unknown app: 3; nobody listening: 5; no token: 1.
async fn connection_errors(w: &World) -> Result<()> {
    let denied = w.run(&["apps", "--token", "wrong-token"]).await.exits(2);
    assert!(denied.stderr.contains("HTTP 401"), "{denied:#?}");
    let as_json = w
        .run(&["apps", "--json", "--token", "wrong-token"])
        .await
        .exits(2);
    assert!(as_json.json()["error"]["code"].is_string(), "{as_json:#?}");
    let unknown = w.run(&["status", "--app", "nobody"]).await.exits(3);
    assert!(unknown.stderr.contains("HTTP 404"), "{unknown:#?}");
    let nowhere = format!("http://127.0.0.1:{}", free_port()?);
    let down = w.run(&["apps", "--url", &nowhere]).await.exits(5);
    assert!(down.stderr.contains("cannot reach"), "{down:#?}");
    assert!(
        down.stderr.contains("jingsf serve"),
        "says what to do: {down:#?}"
    );
    let no_token = w
        .run_with(&["apps"], &[("JINGSF_URL", &w.serve.base)])
        .await
        .exits(1);
    assert!(no_token.stderr.contains("--token"), "{no_token:#?}");
    w.run(&["status"]).await.exits(1); // no app given, and none to default to
    Ok(())
}

async fn apps(w: &World) -> Result<()> {
    let jcfg = w.jing.config();
    let env = format!("custom:{}", w.sf.base_url());
    let create = [
        "apps",
        "create",
        "--id",
        APP,
        "--name",
        "命令行 CLI",
        "--environment",
        &env,
        "--jing-app-id",
        &jcfg.app_id,
        "--jing-tenant",
        &jcfg.mid,
    ];
    let created = w
        .run_with(
            &create,
            &[
                ("JINGSF_URL", &w.serve.base),
                ("JINGSF_ADMIN_TOKEN", TOKEN),
                ("JINGSF_JING_APP_SECRET", &jcfg.app_secret),
            ],
        )
        .await
        .ok();
    assert!(created.stdout.contains("created app cli"), "{created:#?}");
    assert!(
        created.stdout.contains("jingsf connect --app cli"),
        "next step: {created:#?}"
    );
    w.run(&create).await.exits(4); // exists already
    let listed = w.run(&["apps"]).await.ok();
    let row = listed
        .stdout
        .lines()
        .find(|l| l.starts_with("cli "))
        .unwrap_or_default();
    assert!(
        row.contains("命令行 CLI") && row.contains("yes"),
        "{listed:#?}"
    );
    let listed = w.run(&["apps", "list", "--json"]).await.ok().json();
    assert_eq!(listed["apps"][0]["app"], APP, "the API's JSON as is");
    let shown = w.app(&["apps", "show"]).await.ok();
    assert!(shown.stdout.contains("enabled:"), "{shown:#?}");
    assert!(shown.stdout.contains("lead"), "objects listed: {shown:#?}");
    w.run(&["apps", "show", "--app", "nobody"]).await.exits(3);
    Ok(())
}

/// `connect` prints the consent URL (a script's stdout is no terminal: nothing is opened).
async fn connect_and_setup(w: &World) -> Result<()> {
    let shown = w.app(&["connect"]).await.ok();
    assert!(shown.stdout.contains("Open this URL"), "{shown:#?}");
    let url = w.app(&["connect", "--json"]).await.ok().json()["authorize_url"]
        .as_str()
        .ok_or("no authorize_url")?
        .to_owned();
    let back = jingsf::simulated::consent(&url).await?;
    assert!(
        back.status().is_redirection(),
        "callback: {}",
        back.status()
    );
    let setup = w.app(&["setup"]).await.ok();
    assert!(setup.stdout.contains("Go-live checklist"), "{setup:#?}");
    assert!(setup.stdout.contains("✓"), "something is done: {setup:#?}");
    let before = w.app(&["setup", "--json"]).await.ok().json();
    let rotated = w
        .app(&["setup", "rotate", "webhook", "--json"])
        .await
        .ok()
        .json();
    assert_ne!(
        before["webhook_url"], rotated["webhook_url"],
        "new credentials"
    );
    assert_eq!(
        before["outbound_url"], rotated["outbound_url"],
        "only the webhook's"
    );
    let checked = w.app(&["setup", "permissions"]).await.ok();
    assert!(
        checked.stdout.contains("permission check at"),
        "{checked:#?}"
    );
    Ok(())
}

async fn members(w: &World) -> Result<()> {
    let listed = w.app(&["members"]).await.ok();
    let bound = listed
        .stdout
        .lines()
        .filter(|l| l.contains(" bound "))
        .count();
    assert_eq!(bound, 2, "two users match by mobile: {listed:#?}");
    let found = w.app(&["members", "search", "用户 2"]).await.ok();
    let rows: Vec<&str> = found.stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{found:#?}");
    assert!(rows[0].contains("unbound"), "{found:#?}");
    let user = rows[0]
        .split_whitespace()
        .next()
        .ok_or("user id")?
        .to_owned();
    let list = w
        .app(&["members", "list", "--employees", "--json"])
        .await
        .ok()
        .json();
    let employee = |name: &str| {
        list["employees"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["name"] == name)
            .and_then(|e| e["id"].as_str())
            .map(str::to_owned)
            .ok_or(format!("employee {name}"))
    };
    let newcomer = employee("新来的")?;
    let bound = w.app(&["members", "bind", &user, &newcomer]).await.ok();
    assert!(bound.stdout.contains(&newcomer), "{bound:#?}");
    // Bound already (to someone else): refused, exit 4; `rebind` is the way.
    let taken = employee("员工0")?;
    let refused = w.app(&["members", "bind", &user, &taken]).await.exits(4);
    assert!(refused.stderr.contains("HTTP 409"), "{refused:#?}");
    let synced = w.app(&["members", "sync"]).await.ok();
    assert!(synced.stdout.contains("already bound"), "{synced:#?}");
    let bound = w.app(&["members", "list", "--state", "bound"]).await.ok();
    assert_eq!(
        bound.stdout.lines().count(),
        4,
        "header and three users: {bound:#?}"
    );
    Ok(())
}

async fn configuration(w: &World) -> Result<()> {
    let target = ["--object", "lead", "--direction", "sf_to_jing"];
    let set = [&["rules", "set", "--on-delete", "nothing"][..], &target[..]].concat();
    let saved = w.app(&set).await.ok();
    assert!(saved.stdout.contains("on delete:"), "{saved:#?}");
    let rules = w
        .app(&[&["rules", "get", "--json"][..], &target[..]].concat())
        .await
        .ok();
    assert_eq!(rules.json()["rules"]["on_delete"], "nothing");
    mapping(w).await?;
    let ext = w
        .app(&["external-id", "get", "--object", "lead"])
        .await
        .ok();
    assert!(ext.stdout.contains("Jing_Id__c"), "a candidate: {ext:#?}");
    w.app(&["external-id", "set", "--object", "lead", "Jing_Id__c"])
        .await
        .ok();
    let ext = w
        .app(&["external-id", "get", "--object", "lead", "--json"])
        .await
        .ok();
    assert_eq!(ext.json()["field"], "Jing_Id__c");
    w.app(&["allocation", "--daily", "20000"]).await.ok();
    w.app(&["allocation", "--live-reserve", "30"]).await.ok();
    let shown = w.app(&["allocation"]).await.ok();
    assert!(shown.stdout.contains("20000 calls"), "{shown:#?}");
    assert!(
        shown.stdout.contains("30% kept for live changes"),
        "{shown:#?}"
    );
    w.app(&["allocation", "--daily", "0"]).await.exits(1); // the API's 400
    Ok(())
}

/// `mapping get --json` to a file, validated and saved back; a broken one refused with exit 4.
async fn mapping(w: &World) -> Result<()> {
    let got = w
        .app(&["mapping", "get", "--object", "lead", "--json"])
        .await
        .ok();
    let mut current = got.json();
    let good = w.file("lead-mapping.json", &current.to_string());
    let path = good.to_str().ok_or("path")?;
    let valid = w
        .app(&["mapping", "validate", "--object", "lead", "--file", path])
        .await
        .ok();
    assert!(valid.stdout.contains("valid"), "{valid:#?}");
    let saved = w
        .app(&["mapping", "set", "--object", "lead", "--file", path])
        .await
        .ok();
    assert!(
        saved.stdout.contains("saved the lead mapping"),
        "{saved:#?}"
    );
    let stale = w
        .app(&["mapping", "set", "--object", "lead", "--file", path])
        .await;
    assert_eq!(stale.exits(4).code, 4, "the file's revision is stale now");
    current["mapping"]
        .as_array_mut()
        .ok_or("mapping")?
        .remove(0);
    let broken = w.file("broken.json", &current["mapping"].to_string());
    let broken = broken.to_str().ok_or("path")?;
    let refused = w
        .app(&["mapping", "validate", "--object", "lead", "--file", broken])
        .await
        .exits(4);
    assert!(
        refused.stderr.contains("PINNED_MAPPING_CHANGED"),
        "{refused:#?}"
    );
    assert!(
        refused.stderr.contains("fix:"),
        "says what to do: {refused:#?}"
    );
    w.app(&[
        "mapping",
        "set",
        "--object",
        "lead",
        "--file",
        "/nonexistent.json",
    ])
    .await
    .exits(1);
    Ok(())
}

/// Started with a progress bar that follows it to the end (the served loop does the work).
async fn initialization(w: &World) -> Result<()> {
    // First a dry run: what the initialization would do, writing nothing.
    let (sf_leads, jing_leads) = (w.sf.count("Lead"), w.jing.count("lead"));
    let dry = w.app(&["dry-run", "--json"]).await.ok().json();
    let creates: u64 = dry["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["would_create"].as_u64())
        .sum();
    assert!(
        creates >= 10,
        "both sides' new leads would be created: {dry}"
    );
    assert!(dry["salesforce"]["reads"].as_u64() >= Some(1), "{dry}");
    let told = w.app(&["dry-run"]).await.ok();
    assert!(told.stdout.contains("Nothing was written."), "{told:#?}");
    assert_eq!(
        (w.sf.count("Lead"), w.jing.count("lead")),
        (sf_leads, jing_leads),
        "a dry run writes nothing"
    );
    let done = w
        .app(&["init", "start", "--days", "30", "--wait"])
        .await
        .ok();
    assert!(done.stdout.contains("initialization: done"), "{done:#?}");
    let status = w.app(&["init", "status", "--json"]).await.ok().json();
    assert_eq!(status["init"]["state"], "done");
    assert_eq!(status["locked"], false);
    // Skipping a finished initialization would misstate what was pulled: refused (409, exit
    // 4) with what to do instead, and the state stays done.
    let refused = w.app(&["init", "skip"]).await.exits(4);
    assert!(
        refused.stderr.contains("HTTP 409")
            && refused.stderr.contains("already done")
            && refused.stderr.contains("start a new initialization"),
        "{refused:#?}"
    );
    let status = w.app(&["init", "status", "--json"]).await.ok().json();
    assert_eq!(status["init"]["state"], "done");
    w.app(&["init", "start"]).await.exits(1); // neither a window nor --skip
    Ok(())
}

/// The overview, the synced and failing records, one failure with its journal, the causes.
async fn status_and_failures(w: &World) -> Result<()> {
    wait_for(
        "the failing lead listed",
        Duration::from_secs(30),
        async || {
            let out = w.app(&["failures", "--json"]).await;
            Ok(out.code == 0 && out.json()["total"].as_u64() == Some(1))
        },
    )
    .await?;
    // Without --app, the deployment's only app.
    assert_eq!(w.run(&["status", "--json"]).await.ok().json()["app"], APP);
    let status = w.app(&["status"]).await.ok();
    assert!(status.stdout.contains("API today:"), "{status:#?}");
    assert!(
        status.stdout.contains("6000 kept for live changes (30%)"),
        "{status:#?}"
    );
    assert!(status.stdout.contains("SYNCED"), "{status:#?}");
    let synced = w.app(&["synced", "--limit", "3"]).await.ok();
    assert!(synced.stdout.contains("(1–3 of "), "{synced:#?}");
    let failures = w.app(&["failures", "--json"]).await.ok().json();
    let key = failures["items"][0]["record_key"]
        .as_str()
        .ok_or("key")?
        .to_owned();
    let listed = w.app(&["failures", "--object", "lead"]).await.ok();
    assert!(
        listed.stdout.contains(&key) && listed.stdout.contains("无公司"),
        "{listed:#?}"
    );
    let one = w.app(&["failures", "show", "lead", &key]).await.ok();
    for want in ["Company", "fix:", "处理:"] {
        assert!(one.stdout.contains(want), "{want}: {one:#?}");
    }
    w.app(&["failures", "show", "lead", "no-such-record"])
        .await
        .exits(3);
    let errors = w.app(&["errors"]).await.ok();
    assert!(errors.stdout.contains("1 failing record(s)"), "{errors:#?}");
    assert!(
        errors.stdout.contains("retry: jingsf retry --cause"),
        "{errors:#?}"
    );
    let grouped = w.app(&["errors", "--json"]).await.ok().json();
    assert_eq!(grouped["by_cause"][0]["field"], "Company", "{grouped}");
    Ok(())
}

/// Retry (a JING record has no change to replay: partial, exit 6), conflicts, resume, dead
/// letters.
async fn repairs(w: &World) -> Result<()> {
    let failures = w.app(&["failures", "--json"]).await.ok().json();
    let key = failures["items"][0]["record_key"]
        .as_str()
        .ok_or("key")?
        .to_owned();
    // One failing record and one that synced: the second is not requeued (partial, exit 6).
    let synced = w
        .app(&["synced", "--object", "lead", "--json"])
        .await
        .ok()
        .json();
    let fine = synced["items"][0]["record_key"]
        .as_str()
        .ok_or("synced key")?
        .to_owned();
    let partial = w
        .app(&["retry", "--object", "lead", &key, &fine])
        .await
        .exits(6);
    let requeued = format!("requeued:                        {key}\n");
    assert!(partial.stdout.contains(&requeued), "{partial:#?}");
    assert!(
        partial.stdout.contains(&format!("meanwhile):  {fine}")),
        "{partial:#?}"
    );
    assert!(
        partial.stderr.contains("1 of 2 record(s) requeued"),
        "{partial:#?}"
    );
    let as_json = w
        .app(&["retry", "--object", "lead", &fine, "--json"])
        .await
        .exits(6);
    assert_eq!(as_json.json()["not_failing"], json!([fine]));
    let cause = w.app(&["errors", "--json"]).await.ok().json()["by_cause"][0].clone();
    let code = cause["code"].as_str().ok_or("code")?;
    let object = cause["object"].as_str().ok_or("object")?;
    let by_cause = [
        "retry", "--cause", code, "--object", object, "--field", "Company",
    ];
    w.app(&by_cause).await.ok();
    w.app(&["retry", "--object", "lead"]).await.exits(1); // neither keys nor a cause
    let conflicts = w.app(&["conflicts"]).await.ok();
    assert!(conflicts.stdout.contains("(none of 0)"), "{conflicts:#?}");
    assert_eq!(
        w.app(&["conflicts", "--json"]).await.ok().json()["total"],
        0
    );
    let resumed = w
        .app(&["resume", "--object", "lead", "--direction", "sf_to_jing"])
        .await
        .ok();
    assert!(resumed.stdout.contains("was not paused"), "{resumed:#?}");
    let letters = w.app(&["dead-letters"]).await.ok();
    assert!(letters.stdout.contains("no dead letters"), "{letters:#?}");
    w.run(&["dead-letters", "show", "no-such-letter"])
        .await
        .exits(3);
    let unknown = w
        .run(&["dead-letters", "redrive", "no-such-letter", "--json"])
        .await
        .exits(6);
    assert_eq!(unknown.json()["unknown"], json!(["no-such-letter"]));
    w.run(&["dead-letters", "redrive"]).await.exits(1); // says which, or --all
    Ok(())
}

/// The missing company filled in JING: the next poll syncs the lead and its failure clears.
async fn fixed_at_the_source(w: &World) -> Result<()> {
    let failures = w.app(&["failures", "--json"]).await.ok().json();
    let key = failures["items"][0]["record_key"].as_str().ok_or("key")?;
    let id = domain::JingId::parse(key)?;
    w.jing
        .human()
        .update("lead", &id, json!({"company_id": "补上的公司"}))?;
    wait_for("the failure cleared", Duration::from_secs(30), async || {
        let out = w.app(&["failures", "--json"]).await;
        Ok(out.code == 0 && out.json()["total"] == 0)
    })
    .await?;
    let errors = w.app(&["errors"]).await.ok();
    assert_eq!(errors.stdout, "no failing records\n");
    assert!(w.sf.find("Lead", "Company", "补上的公司").len() == 1);
    // Why it waited, then went through: its decisions, newest first.
    let why = w.app(&["explain", "lead", key]).await.ok();
    assert!(why.stdout.contains("bound, Salesforce"), "{why:#?}");
    assert!(
        why.stdout.contains("REQUIRED_VALUE_MISSING on Company"),
        "{why:#?}"
    );
    let decisions = w.app(&["explain", "lead", key, "--json"]).await.ok().json();
    let first = decisions["decisions"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["decision"] != "echo"))
        .ok_or("a decision")?;
    assert_eq!(first["decision"], "synced", "{decisions}");
    Ok(())
}

/// Thresholds set so that one overwrite trips: the change is held, listed, then discarded.
async fn circuit_breaker(w: &World) -> Result<()> {
    let target = ["--object", "lead", "--direction", "sf_to_jing"];
    let open = w.app(&[&["held"][..], &target[..]].concat()).await.ok();
    assert!(
        open.stdout.contains("not paused, 0 change(s) held"),
        "{open:#?}"
    );
    let strict = [
        "breaker",
        "set",
        "--overwrite-share",
        "1",
        "--min-records",
        "1",
    ];
    let set = w.app(&strict).await.ok();
    assert!(set.stdout.contains("overwrites 1%"), "{set:#?}");
    assert!(set.stdout.contains("never below 1 changes"), "{set:#?}");
    let lead = w.sf.find("Lead", "Company", "上海公司3")[0].clone();
    w.sf.human()
        .update("Lead", &lead, json!({"Company": "改过的公司"}))?;
    wait_for("the breaker tripped", Duration::from_secs(30), async || {
        let out = w.app(&["breaker", "get", "--json"]).await;
        Ok(out.code == 0 && !out.json()["paused"].as_array().is_none_or(Vec::is_empty))
    })
    .await?;
    let paused = w.app(&["breaker"]).await.ok();
    assert!(
        paused.stdout.contains("PAUSED lead sf_to_jing"),
        "{paused:#?}"
    );
    let held = w.app(&[&["held"][..], &target[..]].concat()).await.ok();
    assert!(held.stdout.contains(lead.as_str()), "{held:#?}");
    assert!(held.stdout.contains("Company"), "{held:#?}");
    w.app(&[&["discard"][..], &target[..]].concat())
        .await
        .exits(1); // needs --yes
    let discard = [&["discard", "--yes"][..], &target[..]].concat();
    let dropped = w.app(&discard).await.ok();
    assert!(
        dropped
            .stdout
            .contains("1 held change(s) discarded; open again"),
        "{dropped:#?}"
    );
    assert!(w.jing.find("lead", "company_id", "改过的公司").is_empty());
    let defaults = [
        "breaker",
        "set",
        "--overwrite-share",
        "50",
        "--min-records",
        "50",
    ];
    w.app(&defaults).await.ok();
    Ok(())
}

/// A private profiles file names the deployment; one others can read is refused.
async fn profiles(w: &World) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let body = format!(
        "[ops]\nurl = {:?}\ntoken = {TOKEN:?}\napp = {APP:?}\n",
        w.serve.base
    );
    let path = w.file("profiles.toml", &body);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    let status = w
        .run_with(&["status", "--profile", "ops", "--json"], &[])
        .await
        .ok();
    assert_eq!(status.json()["app"], APP);
    w.run_with(&["status", "--profile", "staging"], &[])
        .await
        .exits(1);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))?;
    let open = w
        .run_with(&["status", "--profile", "ops"], &[])
        .await
        .exits(1);
    assert!(open.stderr.contains("chmod 600"), "{open:#?}");
    std::fs::remove_file(path)?;
    Ok(())
}

async fn switch_off_and_delete(w: &World) -> Result<()> {
    let off = w.app(&["apps", "disable"]).await.ok();
    assert!(off.stdout.contains("cli is off"), "{off:#?}");
    assert_eq!(
        w.app(&["apps", "show", "--json"]).await.ok().json()["enabled"],
        false
    );
    w.app(&["apps", "enable"]).await.ok();
    let renamed = w.app(&["apps", "patch", "--name", "改名"]).await.ok();
    assert!(renamed.stdout.contains("改名"), "{renamed:#?}");
    w.app(&["apps", "delete"]).await.exits(1); // needs --yes
    let deleted = w.app(&["apps", "delete", "--yes"]).await.ok();
    assert!(deleted.stdout.contains("deleted cli"), "{deleted:#?}");
    w.app(&["apps", "show"]).await.exits(3);
    Ok(())
}
