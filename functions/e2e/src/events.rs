//! Lambda events built from the fixtures in `fixtures/` (copies of what AWS sends), with only
//! the fields a test varies replaced.

use aws_lambda_events::event::apigw::ApiGatewayV2httpRequest;
use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use aws_lambda_events::event::sqs::SqsEvent;
use base64::Engine;
use serde_json::{Value, json};

pub fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// One HTTP request as API Gateway HTTP API (payload 2.0) hands it to a function.
pub struct HttpCall<'a> {
    pub route_key: &'a str,
    pub method: &'a str,
    pub raw_path: &'a str,
    pub path_params: Vec<(String, String)>,
    pub raw_query: &'a str,
    pub headers: Vec<(String, String)>,
    pub body: &'a [u8],
}

pub fn http_event(call: &HttpCall<'_>) -> ApiGatewayV2httpRequest {
    let mut ev = fixture("apigw-v2-request.json");
    ev["routeKey"] = json!(call.route_key);
    ev["requestContext"]["routeKey"] = json!(call.route_key);
    ev["rawPath"] = json!(call.raw_path);
    ev["requestContext"]["http"]["path"] = json!(call.raw_path);
    ev["requestContext"]["http"]["method"] = json!(call.method);
    ev["rawQueryString"] = json!(call.raw_query);
    if !call.raw_query.is_empty() {
        let mut q = serde_json::Map::new();
        for (k, v) in url::form_urlencoded::parse(call.raw_query.as_bytes()) {
            let (k, v) = (k.into_owned(), v.into_owned());
            // HTTP API joins repeated parameters with commas.
            let joined = match q.get(&k).and_then(Value::as_str) {
                Some(prev) => format!("{prev},{v}"),
                None => v,
            };
            q.insert(k, json!(joined));
        }
        ev["queryStringParameters"] = Value::Object(q);
    }
    let params: serde_json::Map<String, Value> = call
        .path_params
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    ev["pathParameters"] = Value::Object(params);
    let mut headers = serde_json::Map::new();
    for (k, v) in &call.headers {
        headers.insert(k.to_lowercase(), json!(v));
    }
    ev["headers"] = Value::Object(headers);
    match std::str::from_utf8(call.body) {
        Ok(text) => {
            ev["body"] = json!(text);
            ev["isBase64Encoded"] = json!(false);
        }
        Err(_) => {
            ev["body"] = json!(base64::engine::general_purpose::STANDARD.encode(call.body));
            ev["isBase64Encoded"] = json!(true);
        }
    }
    serde_json::from_value(ev).expect("API Gateway v2 event")
}

/// An SQS event from messages received from moto (what the event-source mapping hands over).
pub fn sqs_event(queue_arn: &str, messages: &[aws_sdk_sqs::types::Message]) -> SqsEvent {
    let template = fixture("sqs-event.json")["Records"][0].clone();
    let records: Vec<Value> = messages
        .iter()
        .map(|m| {
            let mut r = template.clone();
            r["messageId"] = json!(m.message_id());
            r["receiptHandle"] = json!(m.receipt_handle());
            r["body"] = json!(m.body());
            r["md5OfBody"] = json!(m.md5_of_body());
            r["eventSourceARN"] = json!(queue_arn);
            if let Some(attrs) = m.attributes() {
                for (k, v) in attrs {
                    r["attributes"][k.as_str()] = json!(v);
                }
            }
            r
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).expect("SQS event")
}

/// A scheduled EventBridge event naming `rule`.
pub fn scheduled_event(rule: &str) -> EventBridgeEvent {
    let mut ev = fixture("eventbridge-scheduled.json");
    ev["resources"] = json!([format!("arn:aws:events:us-east-1:123456789012:rule/{rule}")]);
    serde_json::from_value(ev).expect("EventBridge event")
}
