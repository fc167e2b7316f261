//! Black-box security probes of `jingsf serve` as its own process (the same probes run on the
//! Lambda handlers in `functions/e2e/tests/e2e/security.rs`): forged outbound messages,
//! enumeration of app ids, a forged OAuth callback, custom login hosts; and, on serve's own
//! wiring in-process, that an unauthenticated admin call reads no store.

use jing_sim::{JingSim, JingSimConfig};
use jingsf::client::AdminClient;
use serde_json::{Value, json};
use sf_sim::{SfSim, SimConfig};
mod process;

use process::{Result, Serve, wait_for};
use std::process::Command;
use std::time::Duration;

const TOKEN: &str = "security-probe-admin-token-0123456789abcdef";
const APP: &str = "probed";

/// `jingsf serve` on a free port, custom login hosts allowed or not.
async fn serve(name: &str, sf: &SimConfig, jing: &JingSim, custom_hosts: bool) -> Result<Serve> {
    let mut s = Serve::new(&format!("sec-{name}"), TOKEN, sf, jing, 1)?
        .with_custom_login_hosts(custom_hosts)?;
    s.start().await?;
    Ok(s)
}

/// What a caller sees: status, content type and body.
#[derive(Debug, PartialEq, Eq)]
struct Answer {
    status: u16,
    content_type: String,
    body: String,
}

async fn answer(req: reqwest::RequestBuilder) -> Result<Answer> {
    let resp = req.send().await?;
    Ok(Answer {
        status: resp.status().as_u16(),
        content_type: resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        body: resp.text().await?,
    })
}

/// An outbound message as anyone who knows the (public) org id can write it.
fn forged_envelope(org: &str, lead: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>{org}</OrganizationId><ActionId>04k5g000000XyZaAAK</ActionId><SessionId xsi:nil="true"/><EnterpriseUrl>https://x/services/Soap/c/62.0</EnterpriseUrl><PartnerUrl>https://x/services/Soap/u/62.0</PartnerUrl><Notification><Id>04l5g00000Forg1AAA</Id><sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>{lead}</sf:Id><sf:LastName>Forged</sf:LastName><sf:Company>Forged Co</sf:Company><sf:SystemModstamp>2099-01-01T00:00:00.000Z</sf:SystemModstamp><sf:IsConverted>true</sf:IsConverted></sObject></Notification></notifications></soapenv:Body></soapenv:Envelope>"#
    )
}

fn setup_ok(setup: &Value, item: &str) -> bool {
    setup["checklist"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|i| i["item"] == item && i["done"] == true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_forgeries_and_answers_strangers_alike() -> Result<()> {
    let sf_cfg = SimConfig::default();
    let sf = SfSim::start(sf_cfg.clone()).await?;
    let jing = JingSim::start(JingSimConfig::default()).await?;
    let s = serve("probes", &sf_cfg, &jing, true).await?;
    let admin = AdminClient::new(&s.base, TOKEN);
    process::create_app(&admin, APP, "探测 Probed", &sf, &jing).await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;

    // A forged callback (an unknown state, a forged denial) before the admin's consent does
    // not stop the real authorization.
    for query in [
        format!("code=forged&state={APP}.forged-state"),
        format!("error=access_denied&error_description=no&state={APP}.forged-state"),
    ] {
        let a = answer(http.get(format!("{}/oauth/callback?{query}", s.base))).await?;
        assert_eq!(a.status, 400, "{query}: {a:?}");
    }
    // The real authorization still finishes (the callback redirects with `connected=1`).
    process::consent(&admin, APP).await?;
    let setup = admin.get(&format!("/apps/{APP}/setup")).await?;
    assert!(setup_ok(&setup, "connected"), "{setup}");

    // A forged outbound message with the right org id but no or a wrong URL secret.
    let org = sf.org_id().to_string();
    let lead = "00Q5g00000Forg1AAA";
    let envelope = forged_envelope(&org, lead);
    let outbound_url = setup["outbound_url"].as_str().ok_or("outbound_url")?;
    let mut refusals = Vec::new();
    for url in [
        format!("{}/sf/outbound/{APP}/wrong-secret", s.base),
        format!("{}/sf/outbound/{APP}/", s.base),
        format!("{}/sf/outbound/{APP}", s.base),
        format!("{outbound_url}x"),
    ] {
        let a = answer(http.post(&url).body(envelope.clone())).await?;
        assert!(
            (400..500).contains(&a.status) && !a.body.contains("Ack>true"),
            "{url}: {a:?}"
        );
        refusals.push(a.status);
    }
    // Nothing was queued: the intake marks a message as received only after queueing it, and
    // a real edit pushed afterwards arrives alone.
    let setup = admin.get(&format!("/apps/{APP}/setup")).await?;
    let marks: Vec<&Value> = setup["outbound"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| &d["last_received"])
        .collect();
    assert!(marks.iter().all(|m| m.is_null()), "{setup}");

    // Enumeration: an unknown app and wrong credentials get the same answer, on every public
    // endpoint (status, content type and body).
    let pairs = [
        (
            http.post(format!("{}/sf/outbound/nobody/wrong-secret", s.base))
                .body(envelope.clone()),
            http.post(format!("{}/sf/outbound/{APP}/wrong-secret", s.base))
                .body(envelope.clone()),
        ),
        (
            http.post(format!("{}/jing/webhook/nobody/wrong-token", s.base))
                .body("{}"),
            http.post(format!("{}/jing/webhook/{APP}/wrong-token", s.base))
                .body("{}"),
        ),
        (
            http.get(format!("{}/oauth/callback?code=c&state=nobody.s", s.base)),
            http.get(format!("{}/oauth/callback?code=c&state={APP}.s", s.base)),
        ),
        (
            http.get(format!(
                "{}/api/oauth/callback?code=c&state=nobody.s",
                s.base
            )),
            http.get(format!(
                "{}/api/oauth/callback?code=c&state={APP}.s",
                s.base
            )),
        ),
        (
            http.get(format!("{}/api/apps/nobody/setup", s.base))
                .bearer_auth("wrong"),
            http.get(format!("{}/api/apps/{APP}/setup", s.base))
                .bearer_auth("wrong"),
        ),
        (
            http.get(format!("{}/api/apps/nobody", s.base)),
            http.get(format!("{}/api/apps/{APP}", s.base)),
        ),
    ];
    let mut endpoints = 0;
    for (unknown, known) in pairs {
        let (u, k) = (answer(unknown).await?, answer(known).await?);
        assert_eq!(u, k, "unknown app vs wrong credentials");
        assert!(u.status >= 400, "{u:?}");
        endpoints += 1;
    }
    assert_eq!(endpoints, 6);

    // A real edit in Salesforce reaches JING by the registered outbound message; the forged
    // lead never does.
    let mut outbound = sf_sim::OutboundConfig::new(outbound_url);
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
    sf.human().create(
        "Lead",
        json!({"LastName": "真实", "Company": "真实公司", "MobilePhone": "13911112222"}),
    )?;
    wait_for("the real edit", Duration::from_secs(30), async || {
        Ok(!jing.find("lead", "mobile", "13911112222").is_empty())
    })
    .await?;
    assert!(
        jing.find("lead", "name", "Forged").is_empty(),
        "a forged message created a JING lead"
    );
    println!("forged outbound refusals: {refusals:?}; enumeration pairs identical: {endpoints}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_custom_login_hosts_unless_enabled() -> Result<()> {
    let sf_cfg = SimConfig::default();
    let jing = JingSim::start(JingSimConfig::default()).await?;
    let s = serve("hosts", &sf_cfg, &jing, false).await?;
    let admin = AdminClient::new(&s.base, TOKEN);
    let jcfg = jing.config();
    for env in [
        json!({"kind": "custom", "host": "http://127.0.0.1:9"}),
        json!({"kind": "my_domain", "host": "http://evil.example"}),
        json!({"kind": "my_domain", "host": "acme.my.salesforce.com.evil.example"}),
    ] {
        let err = admin
            .post(
                "/apps",
                json!({"id": "hosts", "name": "h", "environment": env,
                       "jing_app_id": jcfg.app_id, "jing_tenant": jcfg.mid}),
            )
            .await
            .expect_err("refused");
        assert_eq!(err.status, 400, "{env}: {err}");
    }
    let ok = admin
        .post(
            "/apps",
            json!({"id": "hosts", "name": "h",
                   "environment": {"kind": "my_domain", "host": "acme.my.salesforce.com"},
                   "jing_app_id": jcfg.app_id, "jing_tenant": jcfg.mid}),
        )
        .await?;
    assert_eq!(ok["app"], "hosts");
    let err = admin
        .patch(
            "/apps/hosts",
            json!({"environment": {"kind": "custom", "host": "http://127.0.0.1:9"}}),
        )
        .await
        .expect_err("refused");
    assert_eq!(err.status, 400, "{err}");
    Ok(())
}

#[tokio::test]
async fn serve_refuses_a_short_admin_token_at_start() -> Result<()> {
    let dir = std::env::temp_dir().join(format!("jingsf-sec-short-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("jingsf.toml");
    std::fs::write(
        &path,
        format!(
            "data_dir = {:?}\nlisten = \"127.0.0.1:0\"\npublic_url = \"http://127.0.0.1:1\"\n[salesforce]\nclient_id = \"id\"\nclient_secret = \"s\"\n",
            dir.join("data").display().to_string()
        ),
    )?;
    let out = Command::new(env!("CARGO_BIN_EXE_jingsf"))
        .args(["serve", "--config"])
        .arg(&path)
        .env("JINGSF_ADMIN_TOKEN", "short-token")
        .output()?;
    let _ = std::fs::remove_dir_all(&dir);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("JINGSF_ADMIN_TOKEN") && err.contains("at least 32"),
        "{err}"
    );
    Ok(())
}

/// Counts every call of the settings store and the vault (every admin handler's first read is
/// one of them: the app's settings, or a secret).
struct Counting<T> {
    inner: T,
    calls: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<T> Counting<T> {
    fn tick(&self) {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

type Shared<T> = std::sync::Arc<T>;

#[async_trait::async_trait]
impl app::ports::SettingsStore for Counting<Shared<dyn app::ports::SettingsStore>> {
    async fn get(
        &self,
        a: &domain::AppId,
    ) -> app::ports::StoreResult<Option<app::settings::AppSettings>> {
        self.tick();
        self.inner.get(a).await
    }
    async fn put(&self, s: &app::settings::AppSettings) -> app::ports::StoreResult<()> {
        self.tick();
        self.inner.put(s).await
    }
    async fn list(&self) -> app::ports::StoreResult<Vec<app::settings::AppSettings>> {
        self.tick();
        self.inner.list().await
    }
    async fn delete(&self, a: &domain::AppId) -> app::ports::StoreResult<()> {
        self.tick();
        self.inner.delete(a).await
    }
    async fn pause(
        &self,
        a: &domain::AppId,
        p: &[app::settings::Pause],
    ) -> app::ports::StoreResult<()> {
        self.tick();
        self.inner.pause(a, p).await
    }
}

#[async_trait::async_trait]
impl app::ports::TokenVault for Counting<Shared<dyn app::ports::TokenVault>> {
    async fn put(
        &self,
        a: &domain::AppId,
        k: app::ports::SecretKind,
        v: &secrecy::SecretString,
    ) -> app::ports::StoreResult<()> {
        self.tick();
        self.inner.put(a, k, v).await
    }
    async fn get(
        &self,
        a: &domain::AppId,
        k: app::ports::SecretKind,
    ) -> app::ports::StoreResult<Option<secrecy::SecretString>> {
        self.tick();
        self.inner.get(a, k).await
    }
    async fn remove(
        &self,
        a: &domain::AppId,
        k: app::ports::SecretKind,
    ) -> app::ports::StoreResult<()> {
        self.tick();
        self.inner.remove(a, k).await
    }
    async fn purge(&self, a: &domain::AppId) -> app::ports::StoreResult<()> {
        self.tick();
        self.inner.purge(a).await
    }
}

/// Every admin route, unauthenticated or with a wrong token, on serve's own wiring (SQLite
/// store): 401 with one body, and not one settings or vault read — the bearer check runs before
/// the handler. One authenticated call afterwards proves the count counts.
#[tokio::test]
async fn an_unauthenticated_admin_call_reads_no_store_on_serves_wiring() -> Result<()> {
    use std::sync::atomic::{AtomicU64, Ordering};
    use tower::ServiceExt;
    let dir = std::env::temp_dir().join(format!("jingsf-sec-count-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut local = jingsf::wiring::local(jingsf::wiring::LocalSetup {
        db: &dir.join("jingsf.db"),
        clock: std::sync::Arc::new(app::ports::SystemClock),
        mailer: std::sync::Arc::new(local::LocalMailer::new(dir.join("outbox"), "a@b.cn")?),
        sf_app: salesforce::SfAppConfig::new(
            "id",
            "s".to_owned().into(),
            "http://x/oauth/callback",
        ),
        jing_contract: jing::JingContract::default(),
        options: edge::EdgeOptions {
            public_url: "http://127.0.0.1:1".into(),
            allow_custom_login_host: false,
            org_probe_every: edge::ORG_PROBE_EVERY,
            dry_run_budget: edge::DRY_RUN_BUDGET_SERVE,
        },
        admin_token: TOKEN.to_owned().into(),
        http_timeout: Duration::from_secs(5),
        sf_retry: salesforce::RetryPolicy::default(),
    })?;
    let calls = std::sync::Arc::new(AtomicU64::new(0));
    let ports = &mut local.edge.ports;
    ports.settings = std::sync::Arc::new(Counting {
        inner: ports.settings.clone(),
        calls: calls.clone(),
    });
    ports.vault = std::sync::Arc::new(Counting {
        inner: ports.vault.clone(),
        calls: calls.clone(),
    });
    let router = edge::router(local.edge.clone());
    let mut bodies = std::collections::BTreeSet::new();
    let mut probes = 0;
    for (method, path) in edge::ROUTES {
        // The browser's return from Salesforce carries no token: `state` protects it (probed
        // above with forged states).
        if *path == "/api/oauth/callback" {
            continue;
        }
        let path = path
            .replace("{app}", APP)
            .replace("{object}", "lead")
            .replace("{direction}", "sf_to_jing")
            .replace("{record}", "00Q000000000001AAA")
            .replace("{user}", "005000000000001AAA");
        for auth in [None, Some("Bearer wrong"), Some("Basic x")] {
            let mut req = axum::http::Request::builder()
                .method(*method)
                .uri(&path)
                .header("content-type", "application/json");
            if let Some(a) = auth {
                req = req.header("authorization", a);
            }
            let resp = router
                .clone()
                .oneshot(req.body(axum::body::Body::from("{}"))?)
                .await?;
            assert_eq!(resp.status(), 401, "{method} {path} {auth:?}");
            let body = axum::body::to_bytes(resp.into_body(), 1 << 16).await?;
            bodies.insert(body.to_vec());
            probes += 1;
        }
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "a store was read before the token check"
    );
    assert_eq!(bodies.len(), 1, "one answer for every unauthenticated call");
    let req = axum::http::Request::builder()
        .uri("/api/apps")
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(axum::body::Body::empty())?;
    assert_eq!(router.oneshot(req).await?.status(), 200);
    assert!(calls.load(Ordering::SeqCst) > 0, "the count counts");
    println!("unauthenticated admin probes: {probes}, store calls: 0");
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
