//! Black-box security probes of the Lambda handlers through the API Gateway stand-in (the same
//! probes run on `jingsf serve` in `cli/tests/security.rs`): forged outbound messages, app id
//! enumeration, a forged OAuth callback, custom login hosts, verify mode; and, counted with the
//! SDK's own call counter, that an unauthenticated admin call reaches no store.

use fn_e2e::events::{HttpCall, http_event};
use fn_e2e::world::{ADMIN_TOKEN, CLIENT_ID, World};
use serde_json::json;

const WRONG_TOKEN: &str = "wrong-admin-token-of-forty-characters-000";

async fn queued(w: &World) -> usize {
    w.stack.receive(&w.stack.changes.changes, 0).await.len()
}

/// What a caller sees: status, content type and body.
async fn answer(req: reqwest::RequestBuilder) -> (u16, String, String) {
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, ct, resp.text().await.unwrap_or_default())
}

fn envelope(org: &str, notification: &str, lead: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>{org}</OrganizationId><ActionId>04k5g000000XyZaAAK</ActionId><SessionId xsi:nil="true"/><EnterpriseUrl>https://x/services/Soap/c/62.0</EnterpriseUrl><PartnerUrl>https://x/services/Soap/u/62.0</PartnerUrl><Notification><Id>{notification}</Id><sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>{lead}</sf:Id><sf:LastName>Forged</sf:LastName><sf:Company>Forged Co</sf:Company><sf:SystemModstamp>2099-01-01T00:00:00.000Z</sf:SystemModstamp><sf:IsConverted>true</sf:IsConverted></sObject></Notification></notifications></soapenv:Body></soapenv:Envelope>"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgeries_are_refused_and_strangers_answered_alike() {
    let w = World::new(5).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let (app, base) = (w.app.to_string(), w.gateway_url.clone());

    // A forged callback (unknown state, forged denial) does not stop the real authorization.
    for query in [
        format!("code=forged&state={app}.forged"),
        format!("error=access_denied&error_description=no&state={app}.forged"),
    ] {
        let (status, _, body) = answer(http.get(format!("{base}/oauth/callback?{query}"))).await;
        assert_eq!(status, 400, "{query}: {body}");
    }
    w.connect().await;
    assert!(w.settings().await.authorized.is_some(), "connected");

    // Forged outbound messages with the right org id but no or a wrong URL secret.
    let org = w.sf.org_id().to_string();
    let forged = envelope(&org, "04l5g00000Forg1AAA", "00Q5g00000Forg1AAA");
    let real_url = w.outbound.as_ref().expect("registered").url.clone();
    for url in [
        format!("{base}/sf/outbound/{app}/wrong-secret"),
        format!("{base}/sf/outbound/{app}/"),
        format!("{real_url}x"),
    ] {
        let (status, _, body) = answer(http.post(&url).body(forged.clone())).await;
        assert!(
            (400..500).contains(&status) && !body.contains("Ack>true"),
            "{url}: {status} {body}"
        );
    }
    assert_eq!(queued(&w).await, 0, "nothing queued by a forged message");

    // Enumeration: an unknown app and wrong credentials, one answer on every public endpoint.
    let pairs = [
        (
            http.post(format!("{base}/sf/outbound/nobody/wrong-secret"))
                .body(forged.clone()),
            http.post(format!("{base}/sf/outbound/{app}/wrong-secret"))
                .body(forged.clone()),
        ),
        (
            http.post(format!("{base}/jing/webhook/nobody/wrong"))
                .body("{}"),
            http.post(format!("{base}/jing/webhook/{app}/wrong"))
                .body("{}"),
        ),
        (
            http.get(format!("{base}/oauth/callback?code=c&state=nobody.s")),
            http.get(format!("{base}/oauth/callback?code=c&state={app}.s")),
        ),
        (
            http.get(format!("{base}/api/oauth/callback?code=c&state=nobody.s")),
            http.get(format!("{base}/api/oauth/callback?code=c&state={app}.s")),
        ),
        (
            http.get(format!("{base}/api/apps/nobody/setup"))
                .bearer_auth(WRONG_TOKEN),
            http.get(format!("{base}/api/apps/{app}/setup"))
                .bearer_auth(WRONG_TOKEN),
        ),
        (
            http.delete(format!("{base}/api/apps/nobody")),
            http.delete(format!("{base}/api/apps/{app}")),
        ),
    ];
    for (unknown, known) in pairs {
        let (u, k) = (answer(unknown).await, answer(known).await);
        assert_eq!(u, k, "unknown app vs wrong credentials");
        assert!(u.0 >= 400, "{u:?}");
    }
    assert_eq!(queued(&w).await, 0);
    assert!(w.settings().await.authorized.is_some(), "still there");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_mode_queues_what_salesforce_holds_not_what_the_message_says() {
    let w = World::connected(5).await;
    let (app, http) = (w.app.to_string(), reqwest::Client::new());
    w.ok(
        reqwest::Method::PATCH,
        &format!("/apps/{app}"),
        Some(json!({"verify_outbound": true})),
    )
    .await;
    assert!(w.settings().await.verify_outbound);
    // Someone who learned the URL secret sends made-up values for a made-up id: acknowledged
    // (Salesforce must not resend it), but nothing is queued.
    let url = w.outbound.as_ref().expect("registered").url.clone();
    let org = w.sf.org_id().to_string();
    let forged = envelope(&org, "04l5g00000Forg2AAA", "00Q5g00000Forg2AAA");
    let (status, _, body) = answer(http.post(&url).body(forged)).await;
    assert!(
        status == 200 && body.contains("Ack>true"),
        "{status} {body}"
    );
    assert_eq!(queued(&w).await, 0, "a made-up id queues nothing");
    // A real edit: the message is read back (one query) and its current values queued.
    let lead =
        w.sf.human()
            .create(
                "Lead",
                json!({"LastName": "核实", "Company": "核实公司", "MobilePhone": "13911113333"}),
            )
            .expect("lead");
    let calls = w.sf.calls().total;
    assert_eq!(w.sf.deliver_outbound().await, 1, "one message");
    assert_eq!(w.sf.calls().total - calls, 1, "one query per message");
    let messages = w.stack.receive(&w.stack.changes.changes, 0).await;
    assert_eq!(messages.len(), 1);
    let body = messages[0].body().unwrap_or_default();
    assert!(
        body.contains(lead.as_str()) && body.contains("核实公司"),
        "{body}"
    );
}

/// An admin-api container whose every AWS call is counted (`aws::calls::CallCounter`: every
/// DynamoDB, SQS and Secrets Manager request, retries included).
async fn counted_admin(w: &World, allow_custom: bool) -> (axum::Router, aws::calls::CallCounter) {
    let mut config = w
        .stack
        .config(CLIENT_ID, &w.gateway_url, &w.jing.base_url(), true);
    config.allow_custom_login_host = allow_custom;
    let counter = aws::calls::CallCounter::new();
    let ports =
        aws::Adapters::with_counter(&w.stack.sdk, &config.aws, &counter).ports(w.clock.clone());
    let edge = kit::build_edge_on(&w.stack.sdk, &config, ports)
        .await
        .expect("admin edge");
    (edge::router(edge), counter)
}

fn api_call<'a>(method: &'a str, path: &'a str, auth: Option<&str>) -> HttpCall<'a> {
    let mut headers = vec![("content-type".into(), "application/json".into())];
    if let Some(a) = auth {
        headers.push(("authorization".into(), a.to_owned()));
    }
    HttpCall {
        route_key: "$default",
        method,
        raw_path: path,
        path_params: vec![],
        raw_query: "",
        headers,
        body: b"{}",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unauthenticated_admin_call_reaches_no_store_and_custom_hosts_need_the_switch() {
    let w = World::new(5).await;
    let (router, counter) = counted_admin(&w, false).await;
    counter.reset();
    let mut probes = 0;
    for (method, path) in edge::ROUTES {
        if *path == "/api/oauth/callback" {
            continue; // protected by `state`, probed above
        }
        let path = path
            .replace("{app}", w.app.as_str())
            .replace("{object}", "lead")
            .replace("{direction}", "sf_to_jing")
            .replace("{record}", "00Q000000000001AAA")
            .replace("{user}", "005000000000001AAA");
        for auth in [None, Some(format!("Bearer {WRONG_TOKEN}"))] {
            let event = http_event(&api_call(method, &path, auth.as_deref()));
            let resp = kit::http::serve(&router, event).await;
            assert_eq!(resp.status_code, 401, "{method} {path}");
            probes += 1;
        }
    }
    assert_eq!(
        counter.snapshot(),
        Default::default(),
        "{probes} unauthenticated calls reached AWS"
    );
    println!("unauthenticated admin probes on admin-api: {probes}, AWS calls: 0");

    // The same container with the admin token: a custom login host is refused (the switch is
    // off), a My Domain host accepted; the count counts.
    let bearer = format!("Bearer {ADMIN_TOKEN}");
    let jcfg = w.jing.config();
    let custom = json!({"id": "hosts", "name": "h", "jing_app_id": jcfg.app_id,
                        "jing_tenant": jcfg.mid,
                        "environment": {"kind": "custom", "host": w.sf.base_url()}});
    let body = custom.to_string();
    let mut call = api_call("POST", "/api/apps", Some(&bearer));
    call.body = body.as_bytes();
    let resp = kit::http::serve(&router, http_event(&call)).await;
    assert_eq!(resp.status_code, 400, "custom host refused");
    let mut ok = custom.clone();
    ok["environment"] = json!({"kind": "my_domain", "host": "acme.my.salesforce.com"});
    let body = ok.to_string();
    call.body = body.as_bytes();
    let resp = kit::http::serve(&router, http_event(&call)).await;
    assert_eq!(resp.status_code, 201, "a My Domain host is fine");
    assert!(counter.total() > 0, "the count counts");
}
