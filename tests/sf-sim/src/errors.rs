//! Salesforce error bodies: the top-level REST array (`errorCode`) and the per-record DML error
//! (`statusCode` inside collections).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// One DML failure of one record, rendered either way depending on the endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct DmlError {
    pub code: String,
    pub message: String,
    pub fields: Vec<String>,
    /// Only single-record duplicate errors carry the `duplicateResult` block.
    pub duplicate_result: Option<Value>,
}

impl DmlError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
            fields: vec![],
            duplicate_result: None,
        }
    }
    pub fn with_fields<S: ToString>(mut self, fields: &[S]) -> Self {
        self.fields = fields.iter().map(ToString::to_string).collect();
        self
    }
    /// Element of a top-level REST error array.
    pub fn rest_json(&self) -> Value {
        let mut v = json!({"message": self.message, "errorCode": self.code, "fields": self.fields});
        if let Some(d) = &self.duplicate_result {
            v["duplicateResult"] = d.clone();
        }
        v
    }
    /// Element of a SaveResult `errors` array (collections): `statusCode`, never `duplicateResult`.
    pub fn save_result_json(&self) -> Value {
        json!({"statusCode": self.code, "message": self.message, "fields": self.fields})
    }
}

/// A whole-request failure: HTTP status plus the error array.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub errors: Vec<DmlError>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            errors: vec![DmlError::new(code, message)],
        }
    }
    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn from_dml(status: StatusCode, errors: Vec<DmlError>) -> Self {
        Self { status, errors }
    }
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        )
    }
    pub fn malformed_query(message: impl Into<String>) -> Self {
        Self::bad_request("MALFORMED_QUERY", message)
    }
    pub fn invalid_session() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
        )
    }
    pub fn json_parse(message: impl Into<String>) -> Self {
        Self::bad_request("JSON_PARSER_ERROR", message)
    }
    pub fn body(&self) -> Value {
        Value::Array(self.errors.iter().map(DmlError::rest_json).collect())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(self.status, &self.body())
    }
}

/// JSON with Salesforce's content type.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    resp
}

pub type ApiResult = Result<Response, ApiError>;
