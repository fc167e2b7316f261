//! One function, two event sources: an EventBridge schedule (the scheduled run over every app:
//! Salesforce and JING safety-net polls, member matching, parked changes released) and API
//! Gateway HTTP API requests (outbound messages, answered by the edge's router).

use aws_lambda_events::event::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use edge::jobs::{PollSummary, poll_all};
use serde::{Deserialize, Serialize};

/// What invokes the function. HTTP API events carry `requestContext`, scheduled events
/// `detail-type`; serde tries them in this order.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum PollerEvent {
    Http(Box<ApiGatewayV2httpRequest>),
    Schedule(Box<EventBridgeEvent>),
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum PollerResponse {
    Http(Box<ApiGatewayV2httpResponse>),
    Polled(PollSummary),
}

/// The function's state: the edge and its router, built once per container.
pub struct Poller {
    pub edge: edge::Edge,
    pub router: axum::Router,
}

impl Poller {
    pub fn new(edge: edge::Edge) -> Self {
        let router = edge::router(edge.clone());
        Self { edge, router }
    }
}

pub async fn handle(f: &Poller, event: PollerEvent) -> PollerResponse {
    match event {
        PollerEvent::Http(req) => {
            PollerResponse::Http(Box::new(kit::http::serve(&f.router, *req).await))
        }
        PollerEvent::Schedule(_) => PollerResponse::Polled(poll_all(&f.edge).await),
    }
}
