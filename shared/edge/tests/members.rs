//! The members page over the admin API: the stored directory searched, filtered and paged,
//! links to both sides.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::{Value, json};

fn names(v: &Value) -> Vec<String> {
    v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn members_are_searched_filtered_and_paged_from_the_stored_directory() {
    let w = world();
    seed(&w).await;
    let (s, all) = get(&w, "/api/apps/acme/members").await;
    assert_eq!(s, StatusCode::OK, "{all}");
    assert_eq!(all["total"], 3);
    assert!(all["taken_at"].as_str().is_some(), "{all}");
    let (_, v) = get(&w, "/api/apps/acme/members?q=%2B86%20138%200013%208000").await;
    assert_eq!(names(&v), ["周杰"], "mobile in +86 form: {v}");
    let (_, v) = get(&w, "/api/apps/acme/members?q=SUN.LI%40").await;
    assert_eq!(names(&v), ["孙丽"], "e-mail, any case");
    let (_, v) = get(&w, "/api/apps/acme/members?q=%E5%90%B4").await;
    assert_eq!(names(&v), ["吴敏"], "name");
    let (_, v) = get(&w, "/api/apps/acme/members?status=bound").await;
    assert_eq!(names(&v), ["周杰"]);
    let (_, v) = get(&w, "/api/apps/acme/members?status=unbound&limit=1&offset=1").await;
    assert_eq!(
        (v["total"].clone(), v["members"].as_array().unwrap().len()),
        (json!(2), 1)
    );
    let (s, v) = get(&w, "/api/apps/acme/members?status=maybe").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_error(&v, "INVALID_INPUT");
    let (_, v) = get(&w, "/api/apps/acme/members/employees?status=unbound").await;
    assert_eq!(v["total"], 1, "one employee is free: {v}");

    // Someone new in Salesforce shows after the next sync, not before.
    w.sf.insert(
        "User",
        [
            ("Name".to_owned(), domain::Value::Text("郑新".into())),
            ("IsActive".to_owned(), domain::Value::Bool(true)),
        ]
        .into(),
    );
    let (_, v) = get(&w, "/api/apps/acme/members?q=%E9%83%91").await;
    assert_eq!(v["total"], 0);
    let (s, _) = post(&w, "/api/apps/acme/members/sync", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let (_, v) = get(&w, "/api/apps/acme/members?q=%E9%83%91").await;
    assert_eq!(names(&v), ["郑新"]);
}

#[tokio::test]
async fn records_link_to_salesforce_and_through_the_app_template_to_jing() {
    let w = world();
    seed(&w).await;
    let (_, v) = get(&w, "/api/apps/acme/members?status=bound").await;
    let m = &v["members"][0];
    let user = m["user_id"].as_str().unwrap();
    assert_eq!(
        m["links"]["salesforce"],
        format!("https://acme.my.salesforce.com/lightning/r/User/{user}/view")
    );
    assert_eq!(m["links"]["jing"], Value::Null, "no template: no JING link");

    let patch = |body: Value| send(&w, Method::PATCH, "/api/apps/acme", Some(body), Some(TOKEN));
    let (s, v) = patch(json!({"jing_record_url": "https://x.example/{tenant}/{id}"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = patch(json!({"jing_record_url": "https://app.jing.example/{object}/{id}"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = get(&w, "/api/apps/acme/members?status=bound").await;
    let m = &v["members"][0];
    let emp = m["state"]["jing_id"].as_str().unwrap();
    assert_eq!(
        m["links"]["jing"],
        format!("https://app.jing.example/employee/{emp}")
    );
    let (_, v) = get(&w, "/api/apps/acme/members/employees").await;
    assert!(v["employees"][0]["links"]["jing"].as_str().is_some(), "{v}");
    let (_, v) = get(&w, "/api/apps/acme/failures?limit=50").await;
    let jing_key = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["record_key"] == "jl-7781")
        .unwrap();
    assert_eq!(
        jing_key["jing_url"],
        "https://app.jing.example/lead/jl-7781"
    );

    let (s, v) = patch(json!({"jing_record_url": null})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v.get("jing_record_url").is_none(), "{v}");
}
