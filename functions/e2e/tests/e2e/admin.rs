//! The admin API behind API Gateway: events through the axum router and back.

use fn_e2e::events::{HttpCall, http_event};
use fn_e2e::world::{ADMIN_TOKEN as TOKEN, World};

fn get(
    path: &str,
    bearer: Option<&str>,
) -> aws_lambda_events::event::apigw::ApiGatewayV2httpRequest {
    let mut headers = vec![("accept".to_owned(), "application/json".to_owned())];
    if let Some(t) = bearer {
        headers.push(("authorization".to_owned(), format!("Bearer {t}")));
    }
    http_event(&HttpCall {
        route_key: "$default",
        method: "GET",
        raw_path: path,
        path_params: vec![],
        raw_query: "",
        headers,
        body: b"",
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_api_answers_through_api_gateway_events() {
    let w = World::new(5).await;
    let router = edge::router(w.f.admin.clone());
    let listed = kit::http::serve(&router, get("/api/apps", Some(TOKEN))).await;
    assert_eq!(
        listed.status_code,
        200,
        "{}",
        kit::apigw::body_text(&listed)
    );
    let body: serde_json::Value =
        serde_json::from_str(kit::apigw::body_text(&listed)).expect("JSON");
    let ids: Vec<String> = body["apps"]
        .as_array()
        .expect("apps")
        .iter()
        .filter_map(|a| a["app"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(ids, vec![w.app.to_string()], "{body}");
    let refused = kit::http::serve(&router, get("/api/apps", Some("wrong"))).await;
    assert_eq!(refused.status_code, 401);
    let page = kit::http::serve(&router, get("/", None)).await;
    assert_eq!(page.status_code, 200);
    let ct = page
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok());
    assert_eq!(ct, Some("text/html; charset=utf-8"));
}
