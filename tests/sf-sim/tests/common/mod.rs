//! Shared helpers: a running sim, an authenticated client, terse request helpers.
#![allow(dead_code)]

use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;
pub use sf_sim::{SfSim, SimConfig};

pub const V: &str = "v62.0";

pub struct Env {
    pub sim: SfSim,
    pub http: reqwest::Client,
    pub token: String,
}

impl Env {
    pub async fn new() -> Env {
        Env::with(SimConfig::default()).await
    }
    pub async fn with(cfg: SimConfig) -> Env {
        let sim = SfSim::start(cfg).await.expect("sim starts");
        let token = sim.access_token();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Env { sim, http, token }
    }
    pub fn url(&self, path: &str) -> String {
        format!("{}/services/data/{V}{path}", self.sim.base_url())
    }
    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(&self.token)
    }
    pub async fn get(&self, path: &str) -> (u16, Value) {
        send(self.req(Method::GET, path)).await
    }
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        send(self.req(Method::POST, path).json(body)).await
    }
    pub async fn patch(&self, path: &str, body: &Value) -> (u16, Value) {
        send(self.req(Method::PATCH, path).json(body)).await
    }
    pub async fn delete(&self, path: &str) -> (u16, Value) {
        send(self.req(Method::DELETE, path)).await
    }
    pub async fn query(&self, soql: &str) -> (u16, Value) {
        send(self.req(Method::GET, "/query").query(&[("q", soql)])).await
    }
    /// Create a Lead through REST (auto-assign off), returning its id.
    pub async fn lead(&self, last: &str, company: &str, email: Option<&str>) -> String {
        let mut body = serde_json::json!({"LastName": last, "Company": company});
        if let Some(e) = email {
            body["Email"] = e.into();
        }
        let (status, v) = send(
            self.req(Method::POST, "/sobjects/Lead")
                .header("Sforce-Auto-Assign", "FALSE")
                .json(&body),
        )
        .await;
        assert_eq!(status, 201, "{v}");
        v["id"].as_str().expect("id").to_owned()
    }
}

/// Status and JSON body (Null when empty or not JSON).
pub async fn send(rb: RequestBuilder) -> (u16, Value) {
    let resp = rb.send().await.expect("request reaches the sim");
    split(resp).await
}

pub async fn split(resp: Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The single error of a REST error array: (errorCode, message).
pub fn error_of(body: &Value) -> (String, String) {
    let e = &body[0];
    (
        e["errorCode"].as_str().unwrap_or_default().to_owned(),
        e["message"].as_str().unwrap_or_default().to_owned(),
    )
}
