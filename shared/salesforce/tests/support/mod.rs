//! A programmable HTTP endpoint on 127.0.0.1:0 for the client-mechanics tests: each test
//! answers requests with a closure (literal Salesforce bodies from the reference) and inspects
//! what the client actually sent. Protocol behaviour is tested against `sf-sim` elsewhere.

#![allow(dead_code)]

use jingsf_salesforce as salesforce;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use salesforce::{OAuthClient, SfAppConfig, SfClient, SfEnvironment, TokenSet};
use secrecy::SecretString;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// This server's base URL (for bodies that point back at it, like `instance_url`).
    pub base: String,
    pub method: Method,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
    pub fn form(&self) -> std::collections::HashMap<String, String> {
        serde_urlencoded::from_bytes(&self.body).expect("form body")
    }
}

/// A canned answer.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.into(),
        }
    }
    pub fn with(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

type Handler = dyn Fn(&Seen) -> Reply + Send + Sync;

pub struct Scripted {
    pub base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Scripted {
    pub async fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Self {
        let handler: Arc<Handler> = Arc::new(handler);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let base_for_app = base.clone();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let handler = handler.clone();
                let log = log.clone();
                let base = base_for_app.clone();
                async move {
                    let req = Seen {
                        base,
                        method,
                        path: uri.path().to_owned(),
                        query: uri.query().unwrap_or_default().to_owned(),
                        headers,
                        body: body.to_vec(),
                    };
                    let reply = handler(&req);
                    log.lock().unwrap().push(req);
                    let mut resp: Response =
                        (StatusCode::from_u16(reply.status).unwrap(), reply.body).into_response();
                    for (k, v) in reply.headers {
                        resp.headers_mut().insert(k, v.parse().unwrap());
                    }
                    resp
                }
            },
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { base, seen }
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn seen_at(&self, path_prefix: &str) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| s.path.starts_with(path_prefix))
            .collect()
    }

    pub fn app(&self) -> SfAppConfig {
        SfAppConfig::new(
            "client-id",
            SecretString::from("client-secret"),
            "http://127.0.0.1/cb",
        )
    }

    pub fn oauth(&self) -> OAuthClient {
        OAuthClient::new(
            reqwest::Client::new(),
            &SfEnvironment::Custom(self.base.clone()),
            self.app(),
        )
    }

    /// Tokens as if an authorization had happened: instance and login host are this server.
    pub fn tokens(&self, access: &str, refresh: Option<&str>) -> TokenSet {
        let body = serde_json::json!({
            "access_token": access,
            "refresh_token": refresh,
            "instance_url": self.base,
            "id": format!("{}/id/00D5g000004ABCDEA4/0055g00000AbCdEAAV", self.base),
            "issued_at": "1714149392123",
            "token_type": "Bearer",
        });
        salesforce::oauth::parse_token_response(body.to_string().as_bytes()).unwrap()
    }

    pub fn client(&self, options: salesforce::ClientOptions) -> SfClient {
        SfClient::builder(self.oauth(), self.tokens("00D!old", Some("rt-1")))
            .options(options)
            .build()
    }
}

/// Options for fast tests: 1 ms base backoff.
pub fn fast_options() -> salesforce::ClientOptions {
    salesforce::ClientOptions {
        retry: salesforce::RetryPolicy {
            max_attempts: 4,
            base_delay: std::time::Duration::from_millis(1),
            max_delay: std::time::Duration::from_millis(5),
            request_timeout: std::time::Duration::from_secs(10),
        },
        ..salesforce::ClientOptions::default()
    }
}

/// A token response signed like Salesforce does (HMAC-SHA256 of id + issued_at, client secret).
pub fn token_body(access: &str, refresh: Option<&str>, base: &str) -> String {
    use base64::Engine;
    use hmac::Mac;
    let id = format!("{base}/id/00D5g000004ABCDEA4/0055g00000AbCdEAAV");
    let issued_at = "1714149392999";
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"client-secret").unwrap();
    mac.update(format!("{id}{issued_at}").as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    serde_json::json!({
        "access_token": access,
        "refresh_token": refresh,
        "instance_url": base,
        "id": id,
        "issued_at": issued_at,
        "signature": signature,
        "token_type": "Bearer",
        "scope": "api refresh_token",
    })
    .to_string()
}

pub const INVALID_SESSION: &str =
    r#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#;
