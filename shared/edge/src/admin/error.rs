//! One error type for every handler, rendered as
//! `{"error": {"code", "message", "cause_zh", "cause_en", "fix_zh", "fix_en"}}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::mapping::MappingIssue;
use domain::{Lang, SyncError};
use serde::Serialize;

/// What went wrong; the variant decides the status code and what the admin does next.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// No or wrong bearer token (401): open the page with the printed link again.
    #[error("missing or invalid admin token")]
    Unauthorized,
    /// No such app (404): reload the app list.
    #[error("unknown app {0}")]
    UnknownApp(String),
    /// No such record or route (404).
    #[error("not found: {0}")]
    NotFound(String),
    /// The request is malformed (400): correct it.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Configuration is locked while initialization runs (409): wait for it to finish.
    #[error("configuration is locked while initialization runs")]
    Locked,
    /// Another admin saved first (409): reload and redo the change.
    #[error("the settings changed since you loaded them (revision {current}, you had {sent})")]
    StaleRevision { sent: u64, current: u64 },
    /// The request conflicts with the current state (409), e.g. a user already bound.
    #[error("{0}")]
    Conflict(String),
    /// The mapping cannot be saved (422): fix the listed mapping errors.
    #[error("the mapping has {} error(s)", .0.len())]
    MappingRejected(Vec<MappingIssue>),
    /// Refused for a reason the catalogue explains (409), e.g. another org.
    #[error("{0}")]
    Refused(SyncError),
    /// A remote system refused or failed (502): follow the catalogue's fix.
    #[error("{0}")]
    Remote(SyncError),
    /// The app cannot reach Salesforce or JING yet (409): connect it, or give it its JING
    /// app secret.
    #[error("{0}")]
    NotConnected(String),
    /// This deployment has no client for that system (503).
    #[error("{0} is not configured in this deployment")]
    NotConfigured(&'static str),
    /// A store is unreachable (503): retry shortly.
    #[error("store unavailable: {0}")]
    StoreUnavailable(String),
    /// Stored data could not be read (500): a bug or a schema change.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The `error` object of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    pub cause_zh: String,
    pub cause_en: String,
    pub fix_zh: String,
    pub fix_en: String,
}

/// Causes and fixes of the API's own errors (the sync errors come from the catalogue).
fn texts(e: &AdminError) -> (&'static str, [&'static str; 4]) {
    use AdminError::*;
    match e {
        Unauthorized => (
            "UNAUTHORIZED",
            [
                "缺少或错误的管理令牌。",
                "The admin token is missing or wrong.",
                "请使用服务启动时打印的链接重新打开状态页。",
                "Open the status page again with the link the server printed on start.",
            ],
        ),
        UnknownApp(_) => (
            "UNKNOWN_APP",
            [
                "该应用不存在。",
                "This app does not exist.",
                "刷新应用列表后重新选择。",
                "Reload the app list and pick the app again.",
            ],
        ),
        NotFound(_) => (
            "NOT_FOUND",
            [
                "请求的对象不存在。",
                "The requested item does not exist.",
                "刷新页面后重试。",
                "Reload the page and try again.",
            ],
        ),
        InvalidInput(_) => (
            "INVALID_INPUT",
            [
                "请求内容不正确。",
                "The request is not valid.",
                "按提示修正输入后重试。",
                "Correct the input as the message says and try again.",
            ],
        ),
        Locked => (
            "CONFIG_LOCKED",
            [
                "初始化进行中，配置已锁定。",
                "Configuration is locked while initialization runs.",
                "等待初始化完成后再修改配置。",
                "Wait until initialization finishes, then change the configuration.",
            ],
        ),
        StaleRevision { .. } => (
            "STALE_REVISION",
            [
                "配置已被其他管理员修改。",
                "Another admin changed the settings since you loaded them.",
                "刷新后重新修改并保存。",
                "Reload, redo your change and save again.",
            ],
        ),
        Conflict(_) => (
            "CONFLICT",
            [
                "请求与当前状态冲突。",
                "The request conflicts with the current state.",
                "刷新后按提示操作。",
                "Reload and follow the message.",
            ],
        ),
        MappingRejected(_) => (
            "MAPPING_INVALID",
            [
                "字段映射存在错误，未保存。",
                "The field mapping has errors and was not saved.",
                "按列出的映射错误逐条修正后保存。",
                "Fix each listed mapping error, then save.",
            ],
        ),
        Remote(_) | Refused(_) => ("REMOTE_ERROR", ["", "", "", ""]),
        NotConnected(_) => (
            "NOT_CONNECTED",
            [
                "该应用尚未连接 Salesforce，或缺少 JING 应用密钥。",
                "The app is not connected to Salesforce, or has no JING app secret.",
                "在设置中完成 Salesforce 授权并填写 JING 应用密钥后重试。",
                "Authorize Salesforce and set the JING app secret in the setup section, then try again.",
            ],
        ),
        NotConfigured(_) => (
            "NOT_CONFIGURED",
            [
                "此部署未配置该系统的连接。",
                "This deployment has no connection to that system.",
                "在连接器配置中补充该系统的凭证后重启。",
                "Add that system's credentials to the connector configuration and restart.",
            ],
        ),
        StoreUnavailable(_) => (
            "STORE_UNAVAILABLE",
            [
                "存储暂时不可用。",
                "The store is temporarily unavailable.",
                "稍后重试。",
                "Try again shortly.",
            ],
        ),
        Internal(_) => (
            "INTERNAL",
            [
                "内部错误，存储的数据无法读取。",
                "Internal error: stored data could not be read.",
                "请联系运维人员并提供时间点。",
                "Contact the operator with the time it happened.",
            ],
        ),
    }
}

impl AdminError {
    pub fn status(&self) -> StatusCode {
        use AdminError::*;
        match self {
            Unauthorized => StatusCode::UNAUTHORIZED,
            UnknownApp(_) | NotFound(_) => StatusCode::NOT_FOUND,
            InvalidInput(_) => StatusCode::BAD_REQUEST,
            Locked | StaleRevision { .. } | Conflict(_) | NotConnected(_) | Refused(_) => {
                StatusCode::CONFLICT
            }
            MappingRejected(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Remote(_) => StatusCode::BAD_GATEWAY,
            NotConfigured(_) | StoreUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self) -> ErrorBody {
        if let AdminError::Remote(e) | AdminError::Refused(e) = self {
            return ErrorBody {
                code: serde_json::to_value(e.code)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                message: self.to_string(),
                cause_zh: e.cause(Lang::Zh),
                cause_en: e.cause(Lang::En),
                fix_zh: e.fix(Lang::Zh),
                fix_en: e.fix(Lang::En),
            };
        }
        let (code, [cause_zh, cause_en, fix_zh, fix_en]) = texts(self);
        ErrorBody {
            code: code.to_owned(),
            message: self.to_string(),
            cause_zh: cause_zh.to_owned(),
            cause_en: cause_en.to_owned(),
            fix_zh: fix_zh.to_owned(),
            fix_en: fix_en.to_owned(),
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::warn!(status = status.as_u16(), error = %self, "Admin API request failed.");
        }
        let mut body = serde_json::json!({ "error": self.body() });
        if let AdminError::MappingRejected(issues) = &self {
            body["issues"] = crate::admin::mapping_save::issues_json(issues);
        }
        (status, Json(body)).into_response()
    }
}

/// Unknown `/api/...` paths answer in the API's JSON shape.
pub(crate) async fn not_found(uri: axum::http::Uri) -> AdminError {
    AdminError::NotFound(uri.path().to_owned())
}
