//! The OpenAPI document and the router agree: every route is documented with its method, every
//! documented operation is routed, and the bearer auth is declared.

mod common;

use jingsf_edge as admin;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;
use std::collections::BTreeSet;
use tower::ServiceExt;

const DOC: &str = include_str!("../../../docs/admin-api.yaml");
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// (METHOD, path) of every operation: a path is a two-space-indented key under `paths:`, its
/// operations four-space-indented method keys.
fn documented() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let mut in_paths = false;
    let mut path: Option<String> = None;
    for line in DOC.lines() {
        if !line.starts_with(' ') && !line.trim().is_empty() {
            in_paths = line.trim_end() == "paths:";
            path = None;
            continue;
        }
        if !in_paths {
            continue;
        }
        if let Some(p) = line.strip_prefix("  /").and_then(|l| l.strip_suffix(':')) {
            path = Some(format!("/{p}"));
        } else if let (Some(p), Some(key)) = (
            &path,
            line.strip_prefix("    ").and_then(|l| l.strip_suffix(':')),
        ) && METHODS.contains(&key)
        {
            out.insert((key.to_uppercase(), p.clone()));
        }
    }
    out
}

#[test]
fn every_route_is_documented_and_nothing_else() {
    let doc = documented();
    let routes: BTreeSet<(String, String)> = admin::ROUTES
        .iter()
        .chain(admin::INTAKE_ROUTES)
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let undocumented: Vec<_> = routes.difference(&doc).collect();
    let unrouted: Vec<_> = doc.difference(&routes).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from docs/admin-api.yaml: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented but not routed: {unrouted:?}"
    );
    assert_eq!(doc.len(), admin::ROUTES.len() + admin::INTAKE_ROUTES.len());
}

#[test]
fn the_document_declares_openapi_31_and_bearer_auth() {
    assert!(DOC.starts_with("openapi: 3.1.0"));
    assert!(DOC.contains("scheme: bearer"));
    assert!(DOC.contains("security:\n  - bearer: []"));
    for field in ["cause_zh", "cause_en", "fix_zh", "fix_en"] {
        assert!(DOC.contains(field), "{field}");
    }
    assert!(!DOC.contains('\t'), "YAML must not contain tabs");
}

fn concrete(path: &str, user: &str) -> String {
    path.replace("{app}", APP)
        .replace("{object}", "lead")
        .replace("{direction}", "sf_to_jing")
        .replace("{user}", user)
        .replace("{record}", &key("00Q000000000092"))
}

#[tokio::test]
async fn every_listed_route_is_served_by_the_router() {
    let w = world();
    let seeded = seed(&w).await;
    for (method, path) in admin::ROUTES {
        let uri = concrete(path, seeded.unbound_user.as_str());
        let body = if matches!(*method, "POST" | "PUT" | "PATCH") {
            Body::from("{}")
        } else {
            Body::empty()
        };
        let req = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(&uri)
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(body)
            .unwrap();
        let res = admin::router(w.state.clone()).oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
        assert!(
            !text.contains(&format!("not found: {uri}")),
            "{method} {uri} fell through to the fallback"
        );
    }
}
