//! Router tests over the in-memory fakes: auth, every endpoint's happy path and main error path.

mod common;

use axum::http::{Method, StatusCode, header};
use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn api_needs_the_token_but_the_page_does_not() {
    let w = world();
    seed(&w).await;
    let (s, v) = send(&w, Method::GET, "/api/apps", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_error(&v, "UNAUTHORIZED");
    let (s, _) = send(
        &w,
        Method::GET,
        "/api/apps",
        None,
        Some("t0ken-for-tests-7f3a9c1e5X"),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = send(&w, Method::GET, "/api/apps/acme/status", None, Some("")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = get(&w, "/api/apps").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["apps"][0]["app"], "acme");

    let (s, h, html) = send_raw(&w, Method::GET, "/", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        h[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(html.contains("id=\"usage-used\"") && html.contains("/static/app.js"));
    let (s, _, js) = send_raw(&w, Method::GET, "/static/app.js", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(js.contains("sessionStorage"));
    assert!(
        !js.contains("http://") && !js.contains("https://"),
        "the page must not load anything from another host"
    );
    let (s, _, i18n) = send_raw(&w, Method::GET, "/static/i18n.js", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(i18n.contains("zh:") && i18n.contains("en:"));
    let (s, _, _) = send_raw(&w, Method::GET, "/static/style.css", None, None).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn apps_create_read_patch_delete() {
    let w = world();
    let body = json!({"id": "beta", "name": "Beta 科技", "environment": {"kind": "sandbox"}, "jing_app_id": "j-2", "jing_tenant": "t-2", "jing_app_secret": "s3cret"});
    let (s, v) = post(&w, "/api/apps", body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["revision"], 1);
    assert!(!v.to_string().contains("s3cret"), "secrets never come back");
    let (s, v) = post(&w, "/api/apps", body).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_error(&v, "CONFLICT");
    let (s, v) = post(&w, "/api/apps", json!({"name": " ", "environment": {"kind": "production"}, "jing_app_id": "j", "jing_tenant": "t"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_error(&v, "INVALID_INPUT");
    let (s, v) = post(&w, "/api/apps", json!({"name": "x"})).await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "missing fields are a 400 in our shape: {v}"
    );
    assert_error(&v, "INVALID_INPUT");
    let (s, v) = post(&w, "/api/apps", json!({"name": "Gen", "environment": {"kind": "my_domain", "host": "gen.my.salesforce.com"}, "jing_app_id": "j", "jing_tenant": "t"})).await;
    assert_eq!(s, StatusCode::CREATED);
    assert!(v["app"].as_str().unwrap().starts_with("app-"));

    let (s, v) = send(&w, Method::PATCH, "/api/apps/beta", Some(json!({"revision": 1, "enabled": false, "admin_email": "ops@beta.example", "environment": {"kind": "production"}})), Some(TOKEN)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["enabled"].clone(), v["revision"].clone()),
        (json!(false), json!(2))
    );
    assert_eq!(v["environment"]["kind"], "production");
    let (s, v) = send(
        &w,
        Method::PATCH,
        "/api/apps/beta",
        Some(json!({"revision": 1, "enabled": true})),
        Some(TOKEN),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_error(&v, "STALE_REVISION");
    let (s, v) = send(
        &w,
        Method::PATCH,
        "/api/apps/beta",
        Some(json!({"admin_email": "not-an-email"})),
        Some(TOKEN),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = send(
        &w,
        Method::PATCH,
        "/api/apps/beta",
        Some(json!({"admin_email": null})),
        Some(TOKEN),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["admin_email"], Value::Null);

    let (s, v) = get(&w, "/api/apps/nope").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_error(&v, "UNKNOWN_APP");
    let (s, v) = send(&w, Method::DELETE, "/api/apps/beta", None, Some(TOKEN)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["deleted"], "beta");
    let (s, _) = get(&w, "/api/apps/beta").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let secret = app::ports::TokenVault::get(
        w.vault.as_ref(),
        &domain::AppId::parse("beta").unwrap(),
        app::ports::SecretKind::JingAppSecret,
    )
    .await
    .unwrap();
    assert!(secret.is_none(), "delete purges the secrets");
}

#[tokio::test]
async fn connected_app_cannot_switch_environment_by_patch() {
    let w = world();
    seed(&w).await;
    let (s, v) = send(
        &w,
        Method::PATCH,
        "/api/apps/acme",
        Some(json!({"environment": {"kind": "sandbox"}})),
        Some(TOKEN),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(v["error"]["message"].as_str().unwrap().contains("connect"));
}

#[tokio::test]
async fn connect_callback_and_disconnect() {
    let w = world();
    post(&w, "/api/apps", json!({"id": "c1", "name": "C", "environment": {"kind": "production"}, "jing_app_id": "j", "jing_tenant": "t"})).await;
    let (s, v) = send(&w, Method::POST, "/api/apps/c1/connect", None, Some(TOKEN)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let url = v["authorize_url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("https://login.salesforce.com/services/oauth2/authorize"));
    let state = url
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();

    let (s, _, html) = send_raw(
        &w,
        Method::GET,
        "/api/oauth/callback?code=wrong&state=c1.bogus",
        None,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(html.contains("授权失败") && html.contains("Authorization failed"));
    // The failed attempt consumed the pending authorization: start again.
    let (_, v) = send(&w, Method::POST, "/api/apps/c1/connect", None, Some(TOKEN)).await;
    let url = v["authorize_url"].as_str().unwrap().to_owned();
    let state2 = url
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    assert_ne!(state, state2);
    let q = serde_urlencoded::to_string([
        ("code", app::fake_remote::FakeAuth::CODE),
        ("state", &state2),
    ])
    .unwrap();
    let (s, h, _) = send_raw(
        &w,
        Method::GET,
        &format!("/api/oauth/callback?{q}"),
        None,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(h[header::LOCATION], "/?app=c1&connected=1");
    let (_, v) = get(&w, "/api/apps/c1").await;
    assert_eq!(v["authorized"]["username"], "integration@acme.example");

    let (s, _, html) = send_raw(
        &w,
        Method::GET,
        "/api/oauth/callback?error=access_denied&error_description=end-user+denied",
        None,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(html.contains("access_denied"));

    let (s, _) = send(
        &w,
        Method::DELETE,
        "/api/apps/c1/connection",
        None,
        Some(TOKEN),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, v) = get(&w, "/api/apps/c1").await;
    assert_eq!(v["authorized"], Value::Null);
    assert_eq!(w.auth.revoked.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn initialization_locks_configuration() {
    let w = world();
    seed(&w).await;
    let (s, v) = post(&w, "/api/apps/acme/init", json!({})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = post(
        &w,
        "/api/apps/acme/init",
        json!({"window_start": "2019-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "more than three years back: {v}"
    );
    let (s, v) = post(
        &w,
        "/api/apps/acme/init",
        json!({"window_start": "2024-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["init"]["state"], "running");
    let (s, v) = get(&w, "/api/apps/acme/init").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["locked"], true);

    let (_, rules) = get(&w, "/api/apps/acme/objects/lead/rules/sf_to_jing").await;
    assert_eq!(rules["locked"], true);
    let (s, v) = put(
        &w,
        "/api/apps/acme/objects/lead/rules/sf_to_jing",
        json!({"rules": rules["rules"]}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_error(&v, "CONFIG_LOCKED");
    let (_, m) = get(&w, "/api/apps/acme/objects/lead/mapping").await;
    let (s, v) = put(
        &w,
        "/api/apps/acme/objects/lead/mapping",
        json!({"mapping": m["mapping"]}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_error(&v, "CONFIG_LOCKED");
    // Validating saves nothing, so it is allowed while locked (to prepare the next change).
    let (s, v) = post(
        &w,
        "/api/apps/acme/objects/lead/mapping/validate",
        json!({"mapping": m["mapping"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["valid"], true);
    let (s, _) = post(
        &w,
        "/api/apps/acme/init",
        json!({"window_start": "2024-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "already running");
}

#[tokio::test]
async fn initialization_can_be_skipped() {
    let w = world();
    seed(&w).await;
    let (s, v) = post(&w, "/api/apps/acme/init", json!({"skip": true})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["init"]["state"], "skipped");
}

#[tokio::test]
async fn rules_are_saved_with_a_revision_check() {
    let w = world();
    seed(&w).await;
    let (s, v) = get(&w, "/api/apps/acme/objects/account/rules/jing_to_sf").await;
    assert_eq!(s, StatusCode::OK);
    let rev = v["revision"].as_u64().unwrap();
    let rules = json!({"on_upsert": true, "on_delete": "delete", "scope": {"groups": []}});
    let (s, v) = put(
        &w,
        "/api/apps/acme/objects/account/rules/jing_to_sf",
        json!({"revision": rev, "rules": rules, "business_type": "渠道客户"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["revision"], rev + 1);
    assert_eq!(v["rules"]["on_delete"], "delete");
    let (s, v) = put(
        &w,
        "/api/apps/acme/objects/account/rules/jing_to_sf",
        json!({"revision": rev, "rules": rules}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_error(&v, "STALE_REVISION");
    let (s, v) = put(
        &w,
        "/api/apps/acme/objects/opportunity/rules/jing_to_sf",
        json!({"rules": rules}),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "opportunities never come from JING: {v}"
    );
    let (s, _) = get(&w, "/api/apps/acme/objects/lead/rules/sideways").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = get(&w, "/api/apps/acme/objects/contact/rules/sf_to_jing").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn mapping_save_is_refused_with_the_mapping_errors() {
    let w = world();
    seed(&w).await;
    let (_, v) = get(&w, "/api/apps/acme/objects/lead/mapping").await;
    let mut mapping = v["mapping"].as_array().unwrap().clone();
    assert!(mapping.iter().all(|m| m["pinned"] == true));
    let removed = mapping.remove(0);
    // An option field mapped to a text field, and a field Salesforce does not have.
    mapping.push(json!({"sf_field": "Rating", "jing_field": "rating", "sf_type": {"type": "picklist"}, "jing_type": {"type": "text", "max_len": 40}, "rule": "two_way"}));
    let (s, v) = put(
        &w,
        "/api/apps/acme/objects/lead/mapping",
        json!({"mapping": mapping}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_error(&v, "MAPPING_INVALID");
    let codes: Vec<&str> = v["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"PINNED_MAPPING_CHANGED"), "{codes:?}");
    assert!(codes.contains(&"MAPPED_FIELD_MISSING"), "{codes:?}");
    assert!(
        v["issues"][0]["fix_zh"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    let pinned_issue = v["issues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "PINNED_MAPPING_CHANGED")
        .unwrap();
    assert_eq!(pinned_issue["field"], removed["sf_field"]);
    // Nothing was saved.
    let (_, after) = get(&w, "/api/apps/acme/objects/lead/mapping").await;
    assert_eq!(after["mapping"].as_array().unwrap().len(), mapping.len());
    // Validating answers what the save answered, and saves nothing either.
    let (s, checked) = post(
        &w,
        "/api/apps/acme/objects/lead/mapping/validate",
        json!({"mapping": mapping}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{checked}");
    assert_eq!(checked["issues"], v["issues"]);
    let (_, again) = get(&w, "/api/apps/acme/objects/lead/mapping").await;
    assert_eq!(again["revision"], after["revision"]);
    let (s, _) = post(
        &w,
        "/api/apps/nobody/objects/lead/mapping/validate",
        json!({"mapping": mapping}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "an unknown app");
}

#[tokio::test]
async fn mapping_warnings_come_back_with_200() {
    let w = world();
    seed(&w).await;
    // Not connected: without a Salesforce client the declared types stand in for describe.
    let mut s = app::ports::SettingsStore::get(w.settings.as_ref(), &app_id())
        .await
        .unwrap()
        .unwrap();
    s.authorized = None;
    s.revision += 1;
    app::ports::SettingsStore::put(w.settings.as_ref(), &s)
        .await
        .unwrap();
    let (_, v) = get(&w, "/api/apps/acme/objects/lead/mapping").await;
    let mut mapping = v["mapping"].as_array().unwrap().clone();
    mapping.push(json!({"sf_field": "Remarks__c", "jing_field": "remark", "sf_type": {"type": "text", "max_len": 255}, "jing_type": {"type": "text", "max_len": 2000}, "rule": "jing_preferred", "pinned": true}));
    let (s, v) = put(
        &w,
        "/api/apps/acme/objects/lead/mapping",
        json!({"revision": v["revision"], "mapping": mapping}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["warnings"][0]["code"], "MAPPING_TEXT_NARROWING");
    let custom = v["mapping"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["sf_field"] == "Remarks__c")
        .unwrap();
    assert_eq!(
        custom["pinned"], false,
        "a client cannot pin a custom mapping"
    );
}

#[tokio::test]
async fn allocation_is_validated() {
    let w = world();
    seed(&w).await;
    let (s, v) = put(&w, "/api/apps/acme/allocation", json!({"daily": 20000})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["allocation"]["daily"], 20000);
    let (_, o) = get(&w, "/api/apps/acme/status").await;
    assert_eq!(o["usage"]["allocated"], 20000);
    let (s, v) = put(&w, "/api/apps/acme/allocation", json!({"daily": 0})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_error(&v, "INVALID_INPUT");
    let (s, _) = put(
        &w,
        "/api/apps/acme/allocation",
        json!({"daily": 100, "max_org_share_pct": 101}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = put(&w, "/api/apps/nope/allocation", json!({"daily": 100})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn members_list_bind_rebind_create() {
    let w = world();
    let seeded = seed(&w).await;
    let (s, v) = get(&w, "/api/apps/acme/members").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let members = v["members"].as_array().unwrap();
    assert_eq!(members.len(), 3);
    assert_eq!(
        members
            .iter()
            .filter(|m| m["state"]["state"] == "bound")
            .count(),
        1
    );
    assert!(
        !v.to_string().contains("13911112222"),
        "employee contacts are masked"
    );
    let user = seeded.unbound_user.to_string();
    let (s, v) = post(
        &w,
        &format!("/api/apps/acme/members/{user}/bind"),
        json!({"employee": seeded.free_employee}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        member_bound(&w, &seeded.unbound_user).await,
        Some(seeded.free_employee.clone())
    );
    let (s, v) = post(
        &w,
        &format!("/api/apps/acme/members/{user}/bind"),
        json!({"employee": "emp-none"}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let other = w.jing.add_employee("新员工", None, None);
    let (s, v) = post(
        &w,
        &format!("/api/apps/acme/members/{user}/bind"),
        json!({"employee": other}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "already bound: use rebind: {v}");
    let (s, v) = post(
        &w,
        &format!("/api/apps/acme/members/{user}/rebind"),
        json!({"employee": other}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["released_employee"], json!(seeded.free_employee));
    let (s, _) = post(
        &w,
        "/api/apps/acme/members/not-an-id/bind",
        json!({"employee": other}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let (_, v) = get(&w, "/api/apps/acme/members").await;
    let sun = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "孙丽")
        .unwrap()["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, v) = post(
        &w,
        &format!("/api/apps/acme/members/{sun}/create"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = post(
        &w,
        &format!("/api/apps/acme/members/{sun}/create"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
}

#[tokio::test]
async fn status_overview_reports_usage_forecast_and_counts() {
    let w = world();
    let seeded = seed(&w).await;
    let (s, o) = get(&w, "/api/apps/acme/status").await;
    assert_eq!(s, StatusCode::OK, "{o}");
    assert_eq!(o["usage"]["used"], seeded.used);
    assert_eq!(o["usage"]["allocated"], 15000);
    assert_eq!(o["usage"]["pct"], 80.0);
    // 12,000 calls by 18:00 China time: the remaining 3,000 last 4.5 hours.
    assert_eq!(o["forecast_hhmm"], "22:30");
    assert_eq!(
        o["counts"]["lead"],
        json!({"ok": seeded.lead_ok, "failed": seeded.lead_failed})
    );
    assert_eq!(
        o["counts"]["account"],
        json!({"ok": seeded.account_ok, "failed": seeded.account_failed})
    );
    assert_eq!(
        o["counts"]["all"],
        json!({"ok": seeded.lead_ok + seeded.account_ok, "failed": seeded.lead_failed + seeded.account_failed})
    );
    let cats = o["categories"].as_array().unwrap();
    let cat = |c: &str| {
        cats.iter()
            .find(|x| x["category"] == c)
            .unwrap_or_else(|| panic!("{c} listed"))
    };
    assert_eq!(cat("value")["count"], 4);
    assert_eq!(cat("value")["label_zh"], "数值错误");
    assert_eq!(cat("association")["count"], 1);
    assert_eq!(
        cat("mapping")["count"],
        0,
        "the vendor guide's four categories are always listed"
    );
    assert_eq!(o["paused"][0]["code"], "CIRCUIT_OPEN");
}

#[tokio::test]
async fn lists_search_and_page() {
    let w = world();
    seed(&w).await;
    let (s, v) = get(&w, "/api/apps/acme/synced?object=lead&offset=10&limit=10").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 13);
    assert_eq!(v["items"].as_array().unwrap().len(), 3);
    assert!(
        v["items"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://acme.my.salesforce.com/lightning/r/Lead/00Q")
    );
    let (_, v) = get(&w, "/api/apps/acme/synced?search=%E6%9C%89%E9%99%90").await;
    assert_eq!(v["total"], 4, "search 有限 finds the accounts");
    let (_, v) = get(&w, "/api/apps/acme/synced?object=all&limit=200").await;
    assert_eq!(v["total"], 17);
    let (s, v) = get(&w, "/api/apps/acme/synced?limit=0").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_error(&v, "INVALID_INPUT");
    let (s, _) = get(&w, "/api/apps/acme/synced?limit=500").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = get(&w, "/api/apps/acme/synced?offset=-1").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let (s, v) = get(&w, "/api/apps/acme/failures?object=lead&limit=2").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["total"], 5);
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    let (_, v) = get(&w, "/api/apps/acme/failures?category=association").await;
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["name"], "陈静");
    assert_eq!(v["items"][0]["error"]["category_en"], "Association error");
    let (s, _) = get(&w, "/api/apps/acme/failures?category=bogus").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn one_failure_shows_cause_and_fix() {
    let w = world();
    seed(&w).await;
    let (s, v) = get(
        &w,
        &format!("/api/apps/acme/failures/lead/{}", key("00Q000000000092")),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["count"], 3);
    assert_eq!(v["error"]["code"], "VALUE_TOO_LONG");
    assert!(v["error"]["cause_zh"].as_str().unwrap().contains("Company"));
    assert!(v["error"]["fix_en"].as_str().unwrap().contains("retry"));
    let (s, v) = get(
        &w,
        &format!("/api/apps/acme/failures/lead/{}", key("00Q000000000099")),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_error(&v, "NOT_FOUND");
}

#[tokio::test]
async fn errors_are_grouped_by_root_cause() {
    let w = world();
    seed(&w).await;
    let (s, v) = get(&w, "/api/apps/acme/errors/grouped").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let first = &v["by_cause"][0];
    assert_eq!(first["code"], "VALUE_TOO_LONG");
    assert_eq!(first["count"], 3);
    assert_eq!(first["samples"].as_array().unwrap().len(), 3);
    assert_eq!(v["by_cause"].as_array().unwrap().len(), 4);
    assert_eq!(v["total"], 6);
    assert!(
        v["by_category"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["category"] == "api_permission" && c["label_en"] == "API permission error")
    );
}

#[tokio::test]
async fn retry_requeues_salesforce_records() {
    let w = world();
    let seeded = seed(&w).await;
    let calls_before = app::ports::SalesforcePort::calls_made(w.sf.as_ref());
    let (s, v) = post(
        &w,
        "/api/apps/acme/retry",
        json!({"records": [
            {"object": "lead", "record_key": seeded.failing_lead},
            {"object": "lead", "record_key": "jl-7781"},
            {"object": "lead", "record_key": "00Q000000000055"},
        ]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["requeued"], json!([seeded.failing_lead]));
    assert_eq!(v["no_change"], json!(["jl-7781"]));
    assert_eq!(v["not_failing"], json!(["00Q000000000055"]));
    assert_eq!(queue_depth(&w).await, 1);
    assert_eq!(
        app::ports::SalesforcePort::calls_made(w.sf.as_ref()) - calls_before,
        1,
        "one query per object"
    );
    let (s, _) = post(&w, "/api/apps/acme/retry", json!({"records": []})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn conflicts_and_resume() {
    let w = world();
    seed(&w).await;
    let (s, v) = get(&w, "/api/apps/acme/conflicts").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["field"], "Phone");
    assert_eq!(v["items"][0]["conflict"]["winner"], "jing");

    let (s, v) = post(
        &w,
        "/api/apps/acme/resume",
        json!({"object": "lead", "direction": "jing_to_sf"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["was_paused"], true);
    let (_, o) = get(&w, "/api/apps/acme/status").await;
    assert_eq!(o["paused"], json!([]));
    let (s, _) = post(
        &w,
        "/api/apps/acme/resume",
        json!({"object": "lead", "direction": "up"}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

/// A settings store that is down.
struct DownSettings;

#[async_trait::async_trait]
impl app::ports::SettingsStore for DownSettings {
    async fn get(
        &self,
        _: &domain::AppId,
    ) -> app::ports::StoreResult<Option<app::settings::AppSettings>> {
        Err(app::ports::StoreError::Unavailable(
            "connection refused".into(),
        ))
    }
    async fn put(&self, _: &app::settings::AppSettings) -> app::ports::StoreResult<()> {
        Err(app::ports::StoreError::Unavailable(
            "connection refused".into(),
        ))
    }
    async fn list(&self) -> app::ports::StoreResult<Vec<app::settings::AppSettings>> {
        Err(app::ports::StoreError::Unavailable(
            "connection refused".into(),
        ))
    }
    async fn delete(&self, _: &domain::AppId) -> app::ports::StoreResult<()> {
        Err(app::ports::StoreError::Unavailable(
            "connection refused".into(),
        ))
    }
}

#[tokio::test]
async fn store_outage_is_a_503() {
    let mut w = world();
    w.state.ports.settings = std::sync::Arc::new(DownSettings);
    for path in ["/api/apps", "/api/apps/acme/status", "/api/apps/acme/init"] {
        let (s, v) = get(&w, path).await;
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_error(&v, "STORE_UNAVAILABLE");
    }
}

/// Every app's clients fail as an app without its JING secret does.
struct NoJingSecret(std::sync::Arc<dyn app::ports::SfAuth>);

#[async_trait::async_trait]
impl app::ports::Connections for NoJingSecret {
    async fn clients(
        &self,
        s: &app::settings::AppSettings,
    ) -> Result<app::ports::AppClients, app::ports::ClientsError> {
        Err(app::ports::ClientsError::NoJingSecret(s.app.clone()))
    }
    fn forget(&self, _: &domain::AppId) {}
    fn auth(&self) -> std::sync::Arc<dyn app::ports::SfAuth> {
        self.0.clone()
    }
}

#[tokio::test]
async fn an_app_without_its_clients_answers_409_not_connected() {
    let mut w = world();
    seed(&w).await;
    w.state.connections = std::sync::Arc::new(NoJingSecret(w.auth.clone()));
    let (s, v) = get(&w, "/api/apps/acme/members").await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_error(&v, "NOT_CONNECTED");
}

#[tokio::test]
async fn unknown_api_paths_answer_json() {
    let w = world();
    let (s, v) = get(&w, "/api/nothing/here").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_error(&v, "NOT_FOUND");
}

#[tokio::test]
async fn the_status_page_costs_no_salesforce_calls() {
    let w = world();
    seed(&w).await;
    let before = app::ports::SalesforcePort::calls_made(w.sf.as_ref());
    for path in [
        "/api/apps",
        "/api/apps/acme/status",
        "/api/apps/acme/synced?limit=10",
        "/api/apps/acme/failures?limit=10",
        "/api/apps/acme/errors/grouped",
        "/api/apps/acme/conflicts?limit=20",
    ] {
        let (s, _) = get(&w, path).await;
        assert_eq!(s, StatusCode::OK, "{path}");
    }
    assert_eq!(
        app::ports::SalesforcePort::calls_made(w.sf.as_ref()),
        before,
        "status reads only the stores"
    );
    let (s, _) = get(&w, "/api/apps/acme/members").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        app::ports::SalesforcePort::calls_made(w.sf.as_ref()) - before,
        1,
        "the member list reads the users once"
    );
}

#[tokio::test]
async fn retry_every_record_of_one_root_cause() {
    let w = world();
    let seeded = seed(&w).await;
    let (_, grouped) = get(&w, "/api/apps/acme/errors/grouped").await;
    let cause = &grouped["by_cause"][0];
    assert_eq!(cause["count"], 3);
    let calls_before = app::ports::SalesforcePort::calls_made(w.sf.as_ref());
    let body = json!({"code": cause["code"], "field": cause["field"], "object": cause["object"]});
    let (s, v) = post(&w, "/api/apps/acme/errors/retry", body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Only the failing lead that still exists in Salesforce can be re-read and replayed.
    assert_eq!(v["requeued"], json!([seeded.failing_lead]));
    assert_eq!(v["no_change"].as_array().unwrap().len(), 2);
    assert_eq!(queue_depth(&w).await, 1);
    assert_eq!(
        app::ports::SalesforcePort::calls_made(w.sf.as_ref()) - calls_before,
        1,
        "one query for the three records"
    );
    let (s, v) = post(
        &w,
        "/api/apps/acme/errors/retry",
        json!({"code": "RECORD_LOCKED", "object": "Lead"}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, _) = post(
        &w,
        "/api/apps/acme/errors/retry",
        json!({"code": "NO_SUCH_CODE", "object": "Lead"}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

/// Drain one change through the writer, as serve's worker and the Lambda writer do.
async fn drain_one(w: &World, change: domain::Change) {
    let incoming = jingsf_edge::jobs::Incoming {
        id: "m1".into(),
        body: Ok(change),
        receive_count: 1,
    };
    jingsf_edge::jobs::drain(&w.state, vec![incoming]).await;
}

#[tokio::test]
async fn explain_lists_a_records_decisions_under_either_id() {
    let w = world();
    seed(&w).await;
    let app = domain::AppId::parse("acme").unwrap();
    let jing = domain::RecordRef::Jing(domain::JingId::parse("JL-77").unwrap());
    // The seeded app has JING → Salesforce leads paused: the change is parked, and says why.
    let change = app::contract::change(&app, jing, w.clock.now_at(), &[("name", "赵六")]);
    drain_one(&w, change).await;
    let (s, v) = get(&w, "/api/apps/acme/explain/lead/JL-77").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["binding"], Value::Null, "not bound");
    assert_eq!(v["kept"], json!({ "per_record": 20, "days": 30 }));
    let d = &v["decisions"][0];
    assert_eq!(d["decision"], "parked", "{v}");
    assert_eq!(d["cause"], "paused");
    assert_eq!(d["direction"], "jing_to_sf");
    assert_eq!(d["record_key"], "JL-77");
    assert_eq!(d["source"]["lane"], "live");
    assert!(d.get("app").is_none(), "the app is the path's");
    let (s, v) = get(&w, "/api/apps/acme/explain/lead/00Q0000000000ZZ").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["decisions"], json!([]), "nothing decided about it");
    let (s, v) = get(&w, "/api/apps/acme/explain/planet/JL-77").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_error(&v, "INVALID_INPUT");
    let (s, _) = get(&w, "/api/apps/nope/explain/lead/JL-77").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
