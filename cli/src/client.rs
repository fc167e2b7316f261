//! A client of the admin API (any deployment: `jingsf serve`, or the AWS stack's HTTP API):
//! JSON in, JSON out, the bearer token on every call, and the API's error body turned into an
//! error that says what the server said.

use serde_json::Value;

/// The admin API of one deployment.
#[derive(Clone)]
pub struct AdminClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

/// A call that did not succeed: the status and the server's error body (or transport error).
#[derive(Debug, thiserror::Error)]
#[error("{method} {path}: {status} {body}")]
pub struct CallError {
    pub method: String,
    pub path: String,
    /// 0 when no answer came.
    pub status: u16,
    pub body: String,
}

impl CallError {
    /// The API's error code (`UNAUTHORIZED`, `NOT_CONNECTED`, …), when the body has one.
    pub fn code(&self) -> Option<String> {
        let v: Value = serde_json::from_str(&self.body).ok()?;
        Some(v["error"]["code"].as_str()?.to_owned())
    }
}

impl AdminClient {
    /// `base` is the deployment's public URL (the API is under `/api`).
    pub fn new(base: &str, token: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// One call to `/api{path}`; `Value::Null` for an empty answer.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, CallError> {
        let text = self.call_raw(method, path, body).await?;
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// One call to `/api{path}`, the answer's body as the server sent it (for `--json`).
    pub async fn call_raw(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<String, CallError> {
        let fail = |status: u16, body: String| CallError {
            method: method.to_string(),
            path: path.to_owned(),
            status,
            body,
        };
        let mut req = self
            .http
            .request(method.clone(), format!("{}/api{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.map_err(|e| fail(0, chain(&e)))?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| fail(0, chain(&e)))?;
        if !status.is_success() {
            return Err(fail(status.as_u16(), text));
        }
        Ok(text)
    }

    pub async fn get(&self, path: &str) -> Result<Value, CallError> {
        self.call(reqwest::Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Result<Value, CallError> {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> Result<Value, CallError> {
        self.call(reqwest::Method::PUT, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Result<Value, CallError> {
        self.call(reqwest::Method::PATCH, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> Result<Value, CallError> {
        self.call(reqwest::Method::DELETE, path, None).await
    }
}

/// A transport error with its causes ("error sending request …: Connection refused").
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out = format!("{out}: {text}");
        }
        source = s.source();
    }
    out
}
