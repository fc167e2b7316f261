//! The fixtures are what AWS sends: they deserialize into the events the handlers take, and
//! the builders keep their shape.

use aws_lambda_events::event::apigw::ApiGatewayV2httpRequest;
use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::sqs::SqsEvent;
use fn_e2e::events::{HttpCall, fixture, http_event};
use fn_sf_poller::handler::PollerEvent;

#[test]
fn http_api_fixture_is_a_payload_v2_request() {
    let ev: ApiGatewayV2httpRequest =
        serde_json::from_value(fixture("apigw-v2-request.json")).unwrap();
    assert_eq!(ev.version.as_deref(), Some("2.0"));
    assert_eq!(ev.request_context.http.method.as_str(), "POST");
    assert_eq!(
        ev.path_parameters.get("token").map(String::as_str),
        Some("wh-token")
    );
    assert_eq!(
        kit::apigw::header(&ev, "Content-Type"),
        Some("application/json")
    );
}

#[test]
fn sqs_and_scheduled_fixtures_deserialize() {
    let sqs: SqsEvent = serde_json::from_value(fixture("sqs-event.json")).unwrap();
    assert_eq!(sqs.records.len(), 1);
    assert_eq!(
        sqs.records[0]
            .attributes
            .get("ApproximateReceiveCount")
            .map(String::as_str),
        Some("1")
    );
    let ev: EventBridgeEvent =
        serde_json::from_value(fixture("eventbridge-scheduled.json")).unwrap();
    assert_eq!(ev.detail_type, "Scheduled Event");
    assert_eq!(ev.source, "aws.events");
}

#[test]
fn poller_tells_schedules_from_http_requests() {
    let http: PollerEvent = serde_json::from_value(fixture("apigw-v2-request.json")).unwrap();
    assert!(matches!(http, PollerEvent::Http(_)));
    let sched: PollerEvent = serde_json::from_value(fixture("eventbridge-scheduled.json")).unwrap();
    assert!(matches!(sched, PollerEvent::Schedule(_)));
}

#[test]
fn an_init_run_request_is_what_the_admin_api_sends() {
    let app = domain::AppId::parse("acme").unwrap();
    let body = aws::init_runs::body(&app);
    let req: fn_init_backfill::handler::RunRequest = serde_json::from_str(&body).unwrap();
    assert_eq!(req.app, app);
}

#[test]
fn binary_bodies_are_base64_encoded_and_decoded_back() {
    let body = [0xff_u8, 0x00, 0x41];
    let ev = http_event(&HttpCall {
        route_key: "POST /sf/outbound/{app}",
        method: "POST",
        raw_path: "/sf/outbound/acme",
        path_params: vec![("app".into(), "acme".into())],
        raw_query: "a=1&a=2&b=x%20y",
        headers: vec![("X-Test".into(), "1".into())],
        body: &body,
    });
    assert!(ev.is_base64_encoded);
    assert_eq!(kit::apigw::body(&ev).unwrap(), body);
    assert_eq!(kit::apigw::query(&ev, "b"), Some("x y"));
    assert_eq!(kit::apigw::header(&ev, "x-test"), Some("1"));
}
