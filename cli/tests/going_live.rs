//! Going live with `jingsf serve` as its own process, from an empty data directory, through
//! public surfaces only: the admin API, the OAuth consent page of the simulated org, the setup
//! section registered in the simulators (their control APIs play the Salesforce admin and the
//! JING admin), and the push endpoints the simulators call on their own. Nothing is written
//! into the connector's store or vault by the test; the store is only read at the very end, to
//! prove that deleting the app left nothing behind.

use app::ports::*;
use domain::{AppId, ObjectKind};
use jing_sim::{JingSim, JingSimConfig};
use serde_json::{Value, json};
use sf_sim::{OutboundConfig, SfSim, SimConfig};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

mod process;

use process::{Result, start_serve, stop, wait_for};

const TOKEN: &str = "going-live-admin-token-0123456789abcdef";
const APP: &str = "golive";

/// What the two admins register: the outbound-message definitions (sent by the org's own
/// background sender) and the webhook URL with its signing secret.
fn register(setup: &Value, sf: &SfSim, jing: &JingSim) -> Result<()> {
    let url = setup["outbound_url"].as_str().ok_or("no outbound_url")?;
    let mut outbound = OutboundConfig::new(url);
    for def in setup["outbound"].as_array().into_iter().flatten() {
        if def["required"] == true {
            let fields: Vec<&str> = def["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            outbound = outbound.object(def["object"].as_str().ok_or("object")?, &fields);
        }
    }
    outbound.background = true;
    sf.set_outbound(Some(outbound));
    let webhook = setup["webhook_url"].as_str().ok_or("no webhook_url")?;
    let (base, token) = webhook.rsplit_once('/').ok_or("token")?;
    jing.set_webhook(
        &format!("{base}/{{token}}"),
        token,
        setup["webhook_signing_secret"].as_str(),
    );
    jing.deliver_webhooks_every(Duration::from_millis(200));
    Ok(())
}

fn checklist(setup: &Value, item: &str) -> bool {
    setup["checklist"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|i| i["item"] == item && i["done"] == true)
}

/// Leads on both sides (each with its own mobile), a few accounts, users and employees (two
/// of three users match an employee by mobile).
fn seed(sf: &SfSim, jing: &JingSim) -> Result<()> {
    for i in 0..12 {
        sf.human().create(
            "Lead",
            json!({"LastName": format!("王{i}"), "Company": format!("上海公司{i}"),
                   "MobilePhone": format!("1380000{i:04}")}),
        )?;
    }
    for i in 0..4 {
        sf.human()
            .create("Account", json!({"Name": format!("北京集团{i}有限公司")}))?;
    }
    for i in 0..8 {
        jing.human().create_lead(json!({
            "name": format!("李{i}"), "company_id": format!("杭州企业{i}"),
            "mobile": format!("1370000{i:04}"),
        }))?;
    }
    for i in 0..3 {
        sf.add_user(
            "用户",
            &format!("{i}"),
            &format!("u{i}@acme.example"),
            Some(&format!("1360000{i:04}")),
        );
    }
    for i in 0..2 {
        jing.add_employee(&format!("员工{i}"), Some(&format!("1360000{i:04}")), None)?;
    }
    Ok(())
}

/// The JING lead with this mobile, and the Salesforce lead with this mobile.
fn pair(sf: &SfSim, jing: &JingSim, mobile: &str) -> Option<(domain::SfId, domain::JingId)> {
    let sf_id = sf.find("Lead", "MobilePhone", mobile).into_iter().next()?;
    let j = jing.find("lead", "mobile", mobile).into_iter().next()?;
    Some((sf_id, domain::JingId::parse(&j.id).ok()?))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn going_live_with_serve_through_public_surfaces_only() -> Result<()> {
    let sf_cfg = SimConfig {
        daily_api_limit: 100_000,
        ..SimConfig::default()
    };
    let sf = SfSim::start(sf_cfg.clone()).await?;
    let jing = JingSim::start(JingSimConfig::default()).await?;
    seed(&sf, &jing)?;
    let (mut serve, admin) = start_serve("golive", TOKEN, &sf_cfg, &jing).await?;

    // 1. Install, connect (the callback checks permissions and matches members).
    process::create_app(&admin, APP, "上线测试 Go live", &sf, &jing).await?;
    process::consent(&admin, APP).await?;
    let setup = admin.get(&format!("/apps/{APP}/setup")).await?;
    for item in ["connected", "permissions", "members"] {
        assert!(checklist(&setup, item), "{item} not done: {setup}");
    }
    // The CLI shows the same setup section (a client of the admin API).
    let cli = Command::new(env!("CARGO_BIN_EXE_jingsf"))
        .args(["setup", "--url", admin.base(), "--app", APP])
        .env("JINGSF_ADMIN_TOKEN", TOKEN)
        .output()?;
    let shown = String::from_utf8_lossy(&cli.stdout);
    assert!(
        cli.status.success(),
        "jingsf setup: {}",
        String::from_utf8_lossy(&cli.stderr)
    );
    for key in [
        "webhook_url",
        "outbound_url",
        "callback_url",
        "webhook_signing_secret",
    ] {
        let value = setup[key].as_str().ok_or(key)?;
        assert!(shown.contains(value), "the CLI shows {key}: {shown}");
    }
    register(&setup, &sf, &jing)?;
    // The recommended external-ID field: the org offers Jing_Id__c, the admin picks it.
    for object in ["lead", "account"] {
        let path = format!("/apps/{APP}/objects/{object}/external-id");
        let offered = admin.get(&path).await?;
        assert!(
            offered["candidates"]
                .as_array()
                .is_some_and(|c| c.contains(&json!("Jing_Id__c"))),
            "{offered}"
        );
        admin.put(&path, json!({"field": "Jing_Id__c"})).await?;
    }
    let setup = admin.get(&format!("/apps/{APP}/setup")).await?;
    assert!(checklist(&setup, "external_ids"), "{setup}");
    admin
        .patch(
            &format!("/apps/{APP}"),
            json!({"member_sync": {"every_minutes": 0, "create_unmatched": false}}),
        )
        .await?;

    // 2. The initialization, started from the admin API, carried out by the served loop.
    let window = time::OffsetDateTime::now_utc() - time::Duration::days(30);
    let window = window.format(&time::format_description::well_known::Rfc3339)?;
    admin
        .post(
            &format!("/apps/{APP}/init"),
            json!({ "window_start": window }),
        )
        .await?;
    wait_for("the initialization", Duration::from_secs(60), async || {
        let init = admin.get(&format!("/apps/{APP}/init")).await?;
        Ok(init["init"]["state"] == "done" && sf.count("Lead") == 20 && jing.count("lead") == 20)
    })
    .await?;

    // 3. Live edits both ways, by push.
    let (sf_lead, jing_lead) = pair(&sf, &jing, "13800000001").ok_or("lead 1 not paired")?;
    sf.human()
        .update("Lead", &sf_lead, json!({"Title": "销售总监"}))?;
    let sf_to_jing = wait_for(
        "a Salesforce edit in JING",
        Duration::from_secs(20),
        async || {
            Ok(jing
                .record("lead", &jing_lead)
                .and_then(|r| r.fields.get("title").cloned())
                == Some(json!("销售总监")))
        },
    )
    .await?;
    let (sf2, jing2) = pair(&sf, &jing, "13700000002").ok_or("lead 2 not paired")?;
    assert_eq!(
        sf.record("Lead", &sf2).map(|r| r["Jing_Id__c"].clone()),
        Some(json!(jing2.as_str())),
        "a lead created from JING carries its JING id (created by upsert)"
    );
    jing.human()
        .update("lead", &jing2, json!({"title": "采购经理"}))?;
    let jing_to_sf = wait_for(
        "a JING edit in Salesforce",
        Duration::from_secs(20),
        async || {
            Ok(sf
                .record("Lead", &sf2)
                .is_some_and(|r| r["Title"] == json!("采购经理")))
        },
    )
    .await?;
    // The Salesforce admin checks each definition by editing one record of each object.
    let account = sf
        .find("Account", "Name", "北京集团1有限公司")
        .into_iter()
        .next()
        .ok_or("account")?;
    sf.human()
        .update("Account", &account, json!({"Phone": "010-8888 0001"}))?;
    wait_for(
        "the checklist's pushes",
        Duration::from_secs(20),
        async || {
            let setup = admin.get(&format!("/apps/{APP}/setup")).await?;
            Ok(checklist(&setup, "outbound_messages") && checklist(&setup, "webhooks"))
        },
    )
    .await?;

    // 4. A conversion: the JING lead converted, the opportunity's values with it, by push.
    let (sf3, jing3) = pair(&sf, &jing, "13800000003").ok_or("lead 3 not paired")?;
    let converted = sf.convert_lead(&sf3)?;
    let conversion = wait_for(
        "the conversion in JING",
        Duration::from_secs(20),
        async || {
            let rec = jing.record("lead", &jing3);
            Ok(rec.is_some_and(|r| {
                r.fields.get("life_status") == Some(&json!("converted"))
                    && r.fields
                        .get("opportunity_name")
                        .is_some_and(|v| !v.is_null())
            }))
        },
    )
    .await?;
    assert!(
        sf.record("Opportunity", &converted.opportunity_id)
            .is_some()
    );

    // 5. A Salesforce user added later is matched on the poll schedule.
    jing.add_employee("后来的员工", Some("13600000009"), None)?;
    let late = sf.add_user("后来", "用户", "late@acme.example", Some("13600000009"));
    wait_for("the late user bound", Duration::from_secs(30), async || {
        let members = admin.get(&format!("/apps/{APP}/members")).await?;
        Ok(members["members"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|m| m["user_id"] == json!(late.to_string()) && m["state"]["state"] == "bound"))
    })
    .await?;

    // 6. The org's quota exhausted: changes park (listed); restored: they go through.
    sf.set_daily_limit(sf.api_usage().used);
    let (sf4, jing4) = pair(&sf, &jing, "13700000004").ok_or("lead 4 not paired")?;
    jing.human()
        .update("lead", &jing4, json!({"title": "额度测试"}))?;
    wait_for(
        "the change parked and listed",
        Duration::from_secs(30),
        async || {
            let failures = admin
                .get(&format!("/apps/{APP}/failures?category=quota"))
                .await?;
            Ok(failures["total"].as_u64().unwrap_or(0) >= 1)
        },
    )
    .await?;
    sf.set_daily_limit(100_000);
    let unparked = wait_for(
        "the parked change applied",
        Duration::from_secs(30),
        async || {
            Ok(sf
                .record("Lead", &sf4)
                .is_some_and(|r| r["Title"] == json!("额度测试")))
        },
    )
    .await?;

    // "Why did it wait?": the lead's decisions, asked by its Salesforce id, show it parked
    // for the quota and then synced (our own write's echo may come back after it).
    let explained = admin
        .get(&format!("/apps/{APP}/explain/lead/{sf4}"))
        .await?;
    explain_parked_then_synced(&explained, &jing4.to_string())?;

    // 7. Disconnect: changes are held; reconnect to the same org: they go through.
    admin.delete(&format!("/apps/{APP}/connection")).await?;
    let (sf5, jing5) = pair(&sf, &jing, "13700000005").ok_or("lead 5 not paired")?;
    jing.human()
        .update("lead", &jing5, json!({"title": "断开期间"}))?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_ne!(
        sf.record("Lead", &sf5).map(|r| r["Title"].clone()),
        Some(json!("断开期间"))
    );
    process::consent(&admin, APP).await?;
    wait_for(
        "the held change after reconnecting",
        Duration::from_secs(30),
        async || {
            Ok(sf
                .record("Lead", &sf5)
                .is_some_and(|r| r["Title"] == json!("断开期间")))
        },
    )
    .await?;

    // One JING token served the whole run (connect, initialization, live traffic, disconnect
    // and reconnect): the process shares it per app secret until it expires.
    let calls = jing.calls();
    let fetched = ["token", "token_refresh"]
        .iter()
        .map(|k| calls.get(*k).copied().unwrap_or(0))
        .sum::<u64>();
    println!("going live (serve): {fetched} JING token fetches; JING calls {calls:?}");
    assert_eq!(fetched, 1, "one JING token per expiry: {calls:?}");

    // 8. Delete: nothing of the app is left.
    let deleted = admin.delete(&format!("/apps/{APP}")).await?;
    assert!(
        deleted["purged"]["bindings"].as_u64().unwrap_or(0) >= 20,
        "{deleted}"
    );
    let gone = admin.get(&format!("/apps/{APP}")).await.unwrap_err();
    assert_eq!(gone.status, 404);
    let db = serve.dir.join("data").join("jingsf.db");
    stop(&mut serve)?;
    assert_nothing_left(&db).await?;
    println!(
        "going live (serve): SF→JING {sf_to_jing:?}, JING→SF {jing_to_sf:?}, conversion {conversion:?}, parked→applied {unparked:?}"
    );
    Ok(())
}

/// The explain answer of a change that was parked for the quota, then synced.
fn explain_parked_then_synced(explained: &serde_json::Value, jing_id: &str) -> Result<()> {
    let decisions = explained["decisions"].as_array().ok_or("decisions")?;
    let latest = decisions
        .iter()
        .find(|d| d["decision"] != "echo")
        .ok_or("a decision")?;
    assert_eq!(latest["decision"], "synced", "{explained}");
    assert!(
        latest["fields"]
            .as_array()
            .is_some_and(|f| f.contains(&json!("Title"))),
        "{explained}"
    );
    assert!(
        decisions
            .iter()
            .any(|d| d["decision"] == "parked" && d["cause"] == "quota"),
        "{explained}"
    );
    assert_eq!(
        explained["binding"]["jing_id"],
        json!(jing_id),
        "{explained}"
    );
    Ok(())
}

/// Read the stopped connector's store: no item of the app in any table.
async fn assert_nothing_left(db: &Path) -> Result<()> {
    let store = local::LocalStore::open(db)?;
    let app = AppId::parse(APP)?;
    for object in ObjectKind::ALL {
        assert_eq!(
            BindingStore::count(&store, &app, object).await?,
            0,
            "{object} bindings"
        );
    }
    let all = ListQuery::default();
    assert_eq!(
        ErrorStore::list(&store, &app, &all).await?.total,
        0,
        "errors"
    );
    assert_eq!(
        SyncLog::list(&store, &app, &all).await?.total,
        0,
        "sync log"
    );
    assert_eq!(
        Ledger::conflicts(&store, &app, &all).await?.total,
        0,
        "conflicts"
    );
    assert_eq!(ParkedStore::count(&store, &app).await?, 0, "parked");
    assert!(
        CursorStore::get(&store, &app, "poll:Lead").await?.is_none(),
        "cursors"
    );
    assert!(
        SettingsStore::get(&store, &app).await?.is_none(),
        "settings"
    );
    for kind in [
        SecretKind::SfRefreshToken,
        SecretKind::JingAppSecret,
        SecretKind::WebhookToken,
        SecretKind::OutboundToken,
    ] {
        assert!(
            TokenVault::get(&store, &app, kind).await?.is_none(),
            "{kind:?}"
        );
    }
    Ok(())
}
