//! One HTTP request to the REST API, described as data so it can be replayed: after a token
//! refresh, and after a transient failure.

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::SfError;

/// Where a request goes on the instance.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// Relative to `/services/data/vNN.N/` (e.g. `sobjects/Lead/describe`).
    Versioned(String),
    /// A server-provided path from the instance root (`nextRecordsUrl`); must start with `/`.
    InstancePath(String),
}

/// A request body: bytes, or the first `len` bytes of a (spooled) file, streamed as sent.
#[derive(Debug, Clone)]
pub(crate) enum Payload {
    Bytes(Vec<u8>),
    File {
        file: std::sync::Arc<std::fs::File>,
        len: u64,
    },
}

/// A replayable request.
#[derive(Debug, Clone)]
pub(crate) struct ApiRequest {
    pub method: Method,
    pub target: Target,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<(&'static str, Payload)>,
    pub accept: &'static str,
    /// Whether sending twice is harmless. POST creates are not: after a timeout they are not
    /// replayed automatically (see `SfError::may_have_been_applied`).
    pub replay_safe: bool,
    /// Sent without a budget reservation (see `SfClient::limits_unbudgeted`).
    pub unbudgeted: bool,
    /// The 2xx body is read by the caller as it arrives, between its own work: the timeout
    /// covers the answer's arrival and then each chunk, not the whole body.
    pub streamed: bool,
}

impl ApiRequest {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            target: Target::Versioned(path.into()),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            accept: "application/json",
            replay_safe: method != Method::POST,
            unbudgeted: false,
            streamed: false,
            method,
        }
    }

    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    pub fn at_instance_path(method: Method, path: &str) -> Result<Self, SfError> {
        // Only follow paths on the same instance: an absolute URL would carry our token elsewhere.
        if !path.starts_with('/') || path.starts_with("//") {
            return Err(SfError::Decode(format!(
                "refusing to follow non-path URL {path:?}"
            )));
        }
        let mut req = Self::new(method, String::new());
        req.target = Target::InstancePath(path.to_owned());
        Ok(req)
    }

    pub fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_owned(), value.into()));
        self
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Self, SfError> {
        let bytes = serde_json::to_vec(body).map_err(|e| SfError::InvalidInput(e.to_string()))?;
        self.body = Some(("application/json", Payload::Bytes(bytes)));
        Ok(self)
    }

    /// Mark a POST as harmless to repeat (e.g. creating a Bulk query job).
    pub fn unbudgeted(mut self) -> Self {
        self.unbudgeted = true;
        self
    }

    pub fn replay_safe(mut self) -> Self {
        self.replay_safe = true;
        self
    }

    pub fn accept(mut self, accept: &'static str) -> Self {
        self.accept = accept;
        self
    }

    /// The full URL on `instance_url`, with the query properly form-encoded (`+` → `%2B`).
    pub fn url(&self, instance_url: &str, api_version: &str) -> Result<url::Url, SfError> {
        let raw = match &self.target {
            Target::Versioned(path) => format!("{instance_url}/services/data/{api_version}/{path}"),
            Target::InstancePath(path) => format!("{instance_url}{path}"),
        };
        let mut url =
            url::Url::parse(&raw).map_err(|e| SfError::InvalidInput(format!("URL {raw}: {e}")))?;
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(self.query.iter());
        }
        Ok(url)
    }
}

/// A successful (2xx) response, fully read.
#[derive(Debug)]
pub(crate) struct ApiResponse {
    pub body: Vec<u8>,
}

impl ApiResponse {
    pub fn json<T: DeserializeOwned>(&self, what: &str) -> Result<T, SfError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            SfError::Decode(format!(
                "{what}: {}",
                domain::redact::quoted(&e.to_string())
            ))
        })
    }
}

/// A transport failure: the request may or may not have reached Salesforce.
pub(crate) fn network_error(e: reqwest::Error) -> SfError {
    // Headers (the bearer token) never appear in reqwest's Display, but the URL does, and a
    // SOQL query string can carry e-mail addresses: drop it before the text reaches any log.
    SfError::Network {
        timeout: e.is_timeout(),
        not_sent: e.is_connect(),
        detail: e.without_url().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soql_is_encoded_with_plus_as_percent_2b() {
        let req = ApiRequest::get("query").query(
            "q",
            "SELECT Id FROM Lead WHERE SystemModstamp > 2024-05-01T10:00:00+08:00",
        );
        let url = req.url("https://acme.my.salesforce.com", "v62.0").unwrap();
        assert_eq!(
            url.as_str(),
            "https://acme.my.salesforce.com/services/data/v62.0/query?q=SELECT+Id+FROM+Lead+WHERE+SystemModstamp+%3E+2024-05-01T10%3A00%3A00%2B08%3A00"
        );
    }

    #[test]
    fn instance_paths_must_be_paths() {
        let ok = ApiRequest::at_instance_path(Method::GET, "/services/data/v62.0/query/01g-2000")
            .unwrap();
        assert_eq!(
            ok.url("http://127.0.0.1:9", "v62.0").unwrap().as_str(),
            "http://127.0.0.1:9/services/data/v62.0/query/01g-2000"
        );
        assert!(ApiRequest::at_instance_path(Method::GET, "https://evil.example/x").is_err());
        assert!(ApiRequest::at_instance_path(Method::GET, "//evil.example/x").is_err());
    }
}
