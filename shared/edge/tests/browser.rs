//! The browser test: the status page in headless Chromium over the router on 127.0.0.1:0 and
//! seeded fakes. It checks the page shows what the API reports (setup checklist included),
//! performs a manual member bind and a member search through the UI (DevTools protocol), sends
//! a dead letter again, settles a conflict ("keep JING's"), runs a dry run, checks each through
//! the API, and saves a screenshot to `target/status-page.png`. Needs Debian's `chromium` (`apt-get install -y chromium`).

mod common;

use common::*;
use futures::{SinkExt, StreamExt};
use jingsf_edge as admin;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tower::ServiceExt;

const CHROMIUM: &str = "/usr/bin/chromium";
const DEADLINE: Duration = Duration::from_secs(30);

fn chromium_or_fail() -> &'static str {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium); the browser test never passes without it"
    );
    CHROMIUM
}

fn base_flags(profile: &Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,800",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

/// A fresh profile directory under the target dir, removed when dropped.
struct Profile(PathBuf);
impl Profile {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("jingsf-admin-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}
impl Drop for Profile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn serve(w: &World) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = w.state.clone();
    tokio::spawn(async move { axum::serve(listener, admin::router(state)).await.unwrap() });
    format!("http://{addr}")
}

/// The text content of the element with `id` in a DOM dump (first text node).
fn text_of(dom: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let start = dom
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let after = &dom[start..];
    let open_end = after.find('>').unwrap() + 1;
    let inner = &after[open_end..];
    inner[..inner.find('<').unwrap_or(inner.len())]
        .trim()
        .to_owned()
}

async fn dump_dom(url: &str) -> String {
    let profile = Profile::new("dump");
    let mut cmd = Command::new(chromium_or_fail());
    cmd.args(base_flags(&profile.0))
        .args(["--virtual-time-budget=5000", "--dump-dom", url])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(90), cmd.output())
        .await
        .expect("chromium --dump-dom finishes")
        .unwrap();
    assert!(out.status.success(), "chromium failed: {:?}", out.status);
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_page_in_headless_chromium() {
    chromium_or_fail();
    let w = world();
    let seeded = seed(&w).await;
    // The org's own figures, as the Salesforce client's budget saves them (roomy: they do not
    // cap today's 15,000).
    let org = app::quota_reset::SavedOrgUsage {
        used: 40_000,
        max: 1_000_000,
        app_used: 12_000,
        at: None,
    };
    let app_id = domain::AppId::parse(APP).unwrap();
    app::quota_reset::save_org_usage(w.state.cursors.as_ref(), &app_id, &org)
        .await
        .unwrap();
    let dead = dead_letter(&w).await;
    let conflict_key = settle_ready_conflict(&w).await;
    let base = serve(&w).await;
    let page = admin::page_url(&base, &secrecy::SecretString::from(TOKEN.to_owned()));

    // 1. What the page shows after loading equals what the API reports.
    let api = api_get(&w, "/api/apps/acme/status").await;
    let dom = dump_dom(&page).await;
    assert!(
        dom.contains("data-ready=\"1\""),
        "the page finished loading"
    );
    assert_eq!(
        text_of(&dom, "usage-used"),
        api["usage"]["used"].to_string()
    );
    assert_eq!(
        text_of(&dom, "usage-allocated"),
        api["usage"]["allocated"].to_string()
    );
    assert_eq!(text_of(&dom, "usage-pct"), "80");
    assert_eq!(
        api["usage"]["org"],
        json!({"used": 40_000, "max": 1_000_000})
    );
    let org_line = text_of(&dom, "usage-org");
    assert!(
        org_line.contains("40000 / 1000000") && org_line.contains("960000"),
        "the org's figures are shown: {org_line:?}"
    );
    assert!(
        text_of(&dom, "usage-forecast").contains("22:30"),
        "forecast shown"
    );
    for (obj, ok, failed) in [
        (
            "all",
            seeded.lead_ok + seeded.account_ok,
            seeded.lead_failed + seeded.account_failed,
        ),
        ("lead", seeded.lead_ok, seeded.lead_failed),
        ("account", seeded.account_ok, seeded.account_failed),
    ] {
        assert_eq!(
            text_of(&dom, &format!("count-{obj}-ok")),
            ok.to_string(),
            "{obj} ok"
        );
        assert_eq!(
            text_of(&dom, &format!("count-{obj}-failed")),
            failed.to_string(),
            "{obj} failed"
        );
    }
    for shown in [
        "数值错误",
        "关联错误",
        "API 权限错误",
        "王芳",
        "陈静",
        "线索 00 张伟",
        "吴敏",
        "恢复同步",
        "021-5555 0101",
    ] {
        assert!(dom.contains(shown), "the page shows {shown}");
    }
    assert!(dom.contains("1–10 / 17"), "the success list pages 10 of 17");
    assert!(
        dom.contains(&format!("data-id=\"{dead}\""))
            && dom.contains("still failing after 105 deliveries"),
        "the dead letter is listed with its reason"
    );
    // The setup section: the URLs to register and the checklist, as the API gives them.
    let setup = api_get(&w, "/api/apps/acme/setup").await;
    assert_eq!(
        text_of(&dom, "setup-callback_url"),
        setup["callback_url"].as_str().unwrap()
    );
    assert_eq!(
        text_of(&dom, "setup-webhook_url"),
        setup["webhook_url"].as_str().unwrap()
    );
    assert!(
        dom.contains("class=\"done\" data-item=\"connected\""),
        "the checklist shows the app connected"
    );
    assert!(
        dom.contains("class=\"todo\" data-item=\"webhooks\""),
        "and the webhooks not yet received"
    );

    // 2. A manual member bind through the UI, checked through the API.
    let mut browser = Browser::launch().await;
    let session = browser.open(&page).await;
    browser
        .wait_for(&session, "document.body.dataset.ready === '1'")
        .await;
    let user = seeded.unbound_user.to_string();
    let row = format!("tr[data-user='{user}']");
    browser
        .eval(&session, &format!(
            "(() => {{ const s = document.querySelector(\"{row} select.employee-pick\"); s.value = '{}'; s.dispatchEvent(new Event('change')); return s.value; }})()",
            seeded.free_employee
        ))
        .await;
    browser
        .click(&session, &format!("{row} button.bind-btn"))
        .await;
    browser
        .wait_for(&session, &format!("(document.querySelector(\"{row} .member-state\")?.textContent || '').startsWith('已绑定')"))
        .await;
    let members = api_get(&w, "/api/apps/acme/members").await;
    let bound = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user_id"] == user.as_str())
        .unwrap();
    assert_eq!(bound["state"]["state"], "bound");
    assert_eq!(bound["state"]["jing_id"], json!(seeded.free_employee));
    assert_eq!(
        bound["state"]["employee_name"],
        seeded.free_employee_name.as_str()
    );

    // Member search: a mobile number in another spelling finds its one user.
    browser
        .eval(&session, "(() => { const s = document.getElementById('members-search'); s.value = '+86 137-0013-7000'; s.dispatchEvent(new Event('input')); return s.value; })()")
        .await;
    browser
        .wait_for(&session, "document.querySelectorAll('#members tr').length === 1 && document.querySelector('#members tr td').textContent === '孙丽'")
        .await;
    let pager = browser
        .eval(
            &session,
            "document.getElementById('members-page').textContent",
        )
        .await;
    assert_eq!(pager, "1–1 / 1", "paged over the one match");
    let found = api_get(&w, "/api/apps/acme/members?q=%2B86%20137-0013-7000").await;
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["members"][0]["name"], "孙丽");

    // The dead letter is sent again from the page.
    browser
        .click(&session, &format!("tr[data-id='{dead}'] button.redrive"))
        .await;
    browser
        .wait_for(
            &session,
            &format!("!document.querySelector(\"tr[data-id='{dead}']\")"),
        )
        .await;
    let letters = api_get(&w, "/api/dead-letters").await;
    assert_eq!(letters["items"], json!([]), "sent again: {letters}");
    assert_eq!(
        app::ports::ChangeQueue::depth(w.queue.as_ref())
            .await
            .unwrap(),
        1,
        "back on the queue"
    );

    // A conflict settled from the page: JING's value is kept.
    let conflict_row = format!("tr[data-key='{conflict_key}'][data-field='Title']");
    browser
        .click(&session, &format!("{conflict_row} button.keep-jing"))
        .await;
    browser
        .wait_for(
            &session,
            &format!("!!document.querySelector(\"{conflict_row} .settled\")"),
        )
        .await;
    let ledger = api_get(&w, "/api/apps/acme/conflicts").await;
    let settled = ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["record_key"] == conflict_key.as_str() && c["field"] == "Title")
        .unwrap();
    assert_eq!(settled["settled"]["keep"], "jing", "{settled}");
    assert_eq!(settled["settled"]["by"], "status page");
    assert_eq!(
        app::ports::ChangeQueue::depth(w.queue.as_ref())
            .await
            .unwrap(),
        2,
        "the kept value is queued for the writer"
    );

    // "Why didn't it sync?": the dead letter's last delivery failed in the writer (JING
    // down); its id typed in the box shows that decision, as the API reports it.
    browser
        .eval(
            &session,
            "document.getElementById('explain-record').value = '00Q000000000DLQ'",
        )
        .await;
    browser.click(&session, "#explain-go").await;
    browser
        .wait_for(
            &session,
            "!!document.querySelector('#explain-list tr.decision-failed')",
        )
        .await;
    let row = browser
        .eval(
            &session,
            "document.querySelector('#explain-list tr.decision-failed').textContent",
        )
        .await;
    let explained = api_get(&w, "/api/apps/acme/explain/lead/00Q000000000DLQ").await;
    let code = explained["decisions"][0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        row.as_str().unwrap().contains(&code) && row.as_str().unwrap().contains("稍后重试"),
        "the page shows the writer's decision ({code}, retrying): {row}"
    );

    // A dry run from the page: its counts per object are what the API keeps as the last one.
    browser.click(&session, "#dry-run-go").await;
    let lead_row = "#dry-run-report tr[data-object='lead'][data-direction='sf_to_jing']";
    browser
        .wait_for(
            &session,
            &format!("!!document.querySelector(\"{lead_row}\")"),
        )
        .await;
    let cells = browser
        .eval(
            &session,
            &format!(
                "[...document.querySelectorAll(\"{lead_row} td\")].map((c) => c.textContent).join('|')"
            ),
        )
        .await;
    let last = api_get(&w, "/api/apps/acme/dry-run").await;
    let lead = last["last"]["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["object"] == "lead" && o["direction"] == "sf_to_jing")
        .unwrap()
        .clone();
    let shown: Vec<&str> = cells.as_str().unwrap().split('|').collect();
    assert_eq!(
        shown[3..6],
        [
            lead["would_create"].to_string(),
            lead["would_bind"].to_string(),
            lead["would_update"].to_string()
        ],
        "{cells} vs {last}"
    );
    let when = browser
        .eval(
            &session,
            "document.getElementById('dry-run-when').textContent",
        )
        .await;
    assert!(when.as_str().unwrap().contains("运行于"), "{when}");

    // 3. The zh/en switch, a failure's detail, and screenshots (viewport and full page).
    browser.click(&session, "#lang-toggle").await;
    browser
        .wait_for(
            &session,
            "document.documentElement.lang === 'en' && document.body.dataset.ready === '1'",
        )
        .await;
    let label = browser
        .eval(
            &session,
            "document.querySelector('#usage-card h2').textContent",
        )
        .await;
    assert_eq!(label, "API usage (today)");
    browser.click(&session, "#lang-toggle").await;
    browser
        .wait_for(
            &session,
            "document.documentElement.lang === 'zh' && document.body.dataset.ready === '1'",
        )
        .await;
    browser.click(&session, "#failures-list tr").await;
    browser
        .wait_for(
            &session,
            "!document.getElementById('failure-detail').hidden",
        )
        .await;
    let detail = browser
        .eval(
            &session,
            "document.getElementById('failure-detail').textContent",
        )
        .await;
    assert!(
        detail.as_str().unwrap().contains("解决方法"),
        "detail shows the fix: {detail}"
    );
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
    std::fs::create_dir_all(&target).unwrap();
    for (file, full) in [("status-page.png", false), ("status-page-full.png", true)] {
        let png = browser.screenshot(&session, full).await;
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 10_000,
            "a real screenshot"
        );
        std::fs::write(target.join(file), &png).unwrap();
    }
    browser.close().await;
}

async fn api_get(w: &World, path: &str) -> Value {
    let req = axum::http::Request::get(path)
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let res = admin::router(w.state.clone()).oneshot(req).await.unwrap();
    assert!(res.status().is_success(), "{path}: {}", res.status());
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// Headless Chromium driven over the DevTools protocol (one websocket, flattened sessions).
struct Browser {
    child: Child,
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    _profile: Profile,
}

impl Browser {
    async fn launch() -> Self {
        let profile = Profile::new("cdp");
        let mut child = Command::new(chromium_or_fail())
            .args(base_flags(&profile.0))
            .args(["--remote-debugging-port=0", "about:blank"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let ws_url = tokio::time::timeout(DEADLINE, async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    return url.trim().to_owned();
                }
            }
            panic!("chromium exited without a DevTools endpoint");
        })
        .await
        .expect("chromium prints its DevTools endpoint");
        // Keep draining stderr so chromium never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let (ws, _) = tokio_tungstenite::connect_async(ws_url.as_str())
            .await
            .unwrap();
        Self {
            child,
            ws,
            next_id: 0,
            _profile: profile,
        }
    }

    async fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        self.ws
            .send(Message::Text(msg.to_string().into()))
            .await
            .unwrap();
        let answer = tokio::time::timeout(DEADLINE, async {
            loop {
                let frame = self.ws.next().await.expect("devtools socket open").unwrap();
                let Message::Text(text) = frame else { continue };
                let v: Value = serde_json::from_str(text.as_str()).unwrap();
                if v["id"] == id {
                    return v;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{method} answered in time"));
        assert!(answer.get("error").is_none(), "{method}: {answer}");
        answer["result"].clone()
    }

    /// A new page at 1280×800 on `url`; returns its session id.
    async fn open(&mut self, url: &str) -> String {
        let target = self
            .call(None, "Target.createTarget", json!({ "url": "about:blank" }))
            .await;
        let attached = self
            .call(
                None,
                "Target.attachToTarget",
                json!({ "targetId": target["targetId"], "flatten": true }),
            )
            .await;
        let session = attached["sessionId"].as_str().unwrap().to_owned();
        let metrics =
            json!({ "width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": false });
        self.call(
            Some(&session),
            "Emulation.setDeviceMetricsOverride",
            metrics,
        )
        .await;
        self.call(Some(&session), "Page.enable", json!({})).await;
        self.call(Some(&session), "Page.navigate", json!({ "url": url }))
            .await;
        session
    }

    async fn eval(&mut self, session: &str, expr: &str) -> Value {
        let r = self
            .call(
                Some(session),
                "Runtime.evaluate",
                json!({ "expression": expr, "returnByValue": true, "awaitPromise": true }),
            )
            .await;
        assert!(r.get("exceptionDetails").is_none(), "{expr}: {r}");
        r["result"]["value"].clone()
    }

    /// Poll a condition until it holds (deadline), never a fixed sleep.
    async fn wait_for(&mut self, session: &str, cond: &str) {
        let start = tokio::time::Instant::now();
        loop {
            let expr = format!(
                "(() => {{ try {{ return !!({cond}); }} catch (e) {{ return false; }} }})()"
            );
            if self.eval(session, &expr).await == json!(true) {
                return;
            }
            assert!(start.elapsed() < DEADLINE, "timed out waiting for {cond}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A real mouse click in the middle of the element.
    async fn click(&mut self, session: &str, selector: &str) {
        let rect = self
            .eval(session, &format!(
                "(() => {{ const e = document.querySelector(\"{selector}\"); e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()"
            ))
            .await;
        let (x, y) = (rect[0].as_f64().unwrap(), rect[1].as_f64().unwrap());
        for kind in ["mousePressed", "mouseReleased"] {
            let ev = json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 });
            self.call(Some(session), "Input.dispatchMouseEvent", ev)
                .await;
        }
    }

    /// The viewport at 1280×800 from the top, or the whole page.
    async fn screenshot(&mut self, session: &str, full_page: bool) -> Vec<u8> {
        use base64::Engine;
        let height = self
            .eval(
                session,
                "window.scrollTo(0, 0); document.documentElement.scrollHeight",
            )
            .await;
        let mut params = json!({ "format": "png" });
        if full_page {
            let clip = json!({ "x": 0, "y": 0, "width": 1280, "height": height, "scale": 1 });
            params = json!({ "format": "png", "captureBeyondViewport": true, "clip": clip });
        }
        let shot = self
            .call(Some(session), "Page.captureScreenshot", params)
            .await;
        base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap()
    }

    async fn close(mut self) {
        // Chromium may drop the socket before answering: send and do not wait for the answer.
        let msg = json!({ "id": self.next_id + 1, "method": "Browser.close", "params": {} });
        let _ = self.ws.send(Message::Text(msg.to_string().into())).await;
        let _ = tokio::time::timeout(DEADLINE, self.child.wait()).await;
    }
}

/// A change that fails on its last delivery (JING down), dead-lettered as serve's worker
/// does it: the drain's verdict, then the queue. Returns the letter's id.
async fn dead_letter(w: &World) -> String {
    use app::ports::ChangeQueue;
    let change = app::contract::change(
        &domain::AppId::parse(APP).unwrap(),
        domain::RecordRef::Salesforce(domain::SfId::parse("00Q000000000DLQ").unwrap()),
        w.clock.now_at(),
        &[
            ("LastName", "死信"),
            ("Company", "死信公司"),
            ("MobilePhone", "13800009999"),
        ],
    );
    w.queue.send(std::slice::from_ref(&change)).await.unwrap();
    let mut d = w
        .queue
        .receive(1, Duration::from_secs(60))
        .await
        .unwrap()
        .remove(0);
    d.receive_count = admin::jobs::MAX_RECEIVES;
    w.jing
        .fail_next(domain::SyncError::new(domain::ErrorCode::RemoteUnavailable));
    let incoming = admin::jobs::Incoming {
        id: d.receipt.clone(),
        body: Ok(d.change.clone()),
        receive_count: d.receive_count,
    };
    let drained = admin::jobs::drain(&w.state, vec![incoming]).await;
    let admin::jobs::Verdict::Dead(why) = &drained.verdicts[0] else {
        panic!(
            "expected a dead letter, got {:?} {:?}",
            drained.verdicts, drained.counts
        );
    };
    w.queue.dead_letter(&d, why).await.unwrap();
    w.queue.dead_letters(10).await.unwrap()[0].id.clone()
}

/// A bound lead whose Title both sides changed (Salesforce's value won): ready to settle.
/// Returns its record key as the ledger lists it.
async fn settle_ready_conflict(w: &World) -> String {
    use app::ports::{BindingStore, ConflictEntry, Ledger};
    use domain::{ObjectKind, Side, Value};
    let title = |v: &str| [("Title".to_owned(), Value::text(v))];
    let sf = w.sf.insert("Lead", title("总监").into());
    let jing = w
        .jing
        .insert("lead", [("title".to_owned(), Value::text("总监"))].into());
    let app_id = domain::AppId::parse(APP).unwrap();
    let now = w.clock.now_at();
    let binding = app::ports::Binding::new(app_id.clone(), ObjectKind::Lead, sf.clone(), jing, now);
    w.bindings.put(&binding, None).await.unwrap();
    let entry = ConflictEntry {
        app: app_id,
        object: ObjectKind::Lead,
        record_key: sf.to_string(),
        field: "Title".into(),
        conflict: domain::rules::Conflict {
            incoming: Value::text("总监"),
            target: Value::text("经理"),
            winner: Side::Salesforce,
        },
        at: now,
        direction: Some(domain::Direction::SfToJing),
        settled: None,
    };
    w.ledger.add_conflict(&entry).await.unwrap();
    sf.to_string()
}
