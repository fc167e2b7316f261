//! What an admin command can fail with, the exit code each failure means, and the API's error
//! body turned into what the operator reads (message, cause, fix in English and Chinese).

use crate::client::CallError;
use crate::table::{Table, cell, items};
use serde_json::Value;

/// The exit codes, as `jingsf --help` and the README list them.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  ok
  1  usage error (bad arguments, missing token or app, unreadable file; the API's 400)
  2  unauthorized (401/403: wrong or missing admin token)
  3  not found (404: unknown app, record or dead letter)
  4  conflict or refused (409: locked, stale revision, already exists, not connected;
     422: the mapping has errors)
  5  remote or unavailable (5xx, 429, or the deployment cannot be reached)
  6  partial (some of what was asked was not done: records not requeued, ids unknown)";

/// A failed admin command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The command line (or a file it names) is wrong: exit 1.
    #[error("{0}")]
    Usage(String),
    /// The admin API answered with an error, or could not be reached.
    #[error("{0}")]
    Api(#[from] CallError),
    /// Some of what was asked was done, some not (the answer says which): exit 6.
    #[error("{0}")]
    Partial(String),
}

pub type Result<T> = std::result::Result<T, CliError>;

pub fn usage(msg: impl Into<String>) -> CliError {
    CliError::Usage(msg.into())
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 1,
            CliError::Api(e) => match e.status {
                400 | 405 | 413 | 415 => 1,
                401 | 403 => 2,
                404 => 3,
                409 | 422 | 423 => 4,
                _ => 5,
            },
            CliError::Partial(_) => 6,
        }
    }

    /// The API's error body, when it answered one in JSON (printed verbatim under `--json`).
    pub fn api_body(&self) -> Option<&str> {
        match self {
            CliError::Api(e) if serde_json::from_str::<Value>(&e.body).is_ok() => Some(&e.body),
            _ => None,
        }
    }

    /// What the operator reads on stderr.
    pub fn render(&self) -> String {
        match self {
            CliError::Api(e) => render_call(e),
            CliError::Partial(msg) => format!("partial: {msg}\n"),
            other => format!("error: {other}\n"),
        }
    }
}

fn render_call(e: &CallError) -> String {
    if e.status == 0 {
        return format!(
            "error: cannot reach the admin API ({} {}): {}\n  fix: start `jingsf serve`, or check --url / JINGSF_URL and the network\n",
            e.method, e.path, e.body
        );
    }
    let Ok(body) = serde_json::from_str::<Value>(&e.body) else {
        let text: String = e.body.chars().take(300).collect();
        return format!(
            "error: {} {} answered {}: {text}\n",
            e.method, e.path, e.status
        );
    };
    let err = &body["error"];
    let text = |k: &str| err[k].as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    let mut out = format!(
        "error: {} ({}, HTTP {})\n",
        text("message").unwrap_or_else(|| e.body.clone()),
        text("code").unwrap_or_default(),
        e.status
    );
    for (label, key) in [("cause", "cause_en"), ("原因", "cause_zh")] {
        if let Some(t) = text(key) {
            out += &format!("  {label}: {t}\n");
        }
    }
    for (label, key) in [("fix", "fix_en"), ("处理", "fix_zh")] {
        if let Some(t) = text(key) {
            out += &format!("  {label}: {t}\n");
        }
    }
    out + &issues(&body["issues"])
}

/// Mapping issues (a 422 answer, or a save's warnings): one line each, then cause and fix.
pub fn issues(list: &Value) -> String {
    let list = items(list);
    if list.is_empty() {
        return String::new();
    }
    let mut t = Table::new(&["SEVERITY", "FIELD", "CODE", "FIX"]);
    for i in list {
        t.row([
            cell(&i["severity"]),
            cell(&i["field"]),
            cell(&i["code"]),
            format!("{} / {}", cell(&i["fix_en"]), cell(&i["fix_zh"])),
        ]);
    }
    let mut out = format!("\n{} mapping issue(s):\n", list.len());
    out += &t.render();
    for i in list {
        out += &format!(
            "  {}: {} / {}\n",
            cell(&i["field"]),
            cell(&i["cause_en"]),
            cell(&i["cause_zh"])
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn api(status: u16, body: Value) -> CliError {
        CliError::Api(CallError {
            method: "GET".into(),
            path: "/apps/x".into(),
            status,
            body: body.to_string(),
        })
    }

    #[test]
    fn each_answer_has_its_exit_code() {
        let codes: Vec<u8> = [400, 401, 403, 404, 409, 422, 500, 502, 503, 0, 429]
            .into_iter()
            .map(|s| api(s, json!({})).exit_code())
            .collect();
        assert_eq!(codes, [1, 2, 2, 3, 4, 4, 5, 5, 5, 5, 5]);
        assert_eq!(usage("x").exit_code(), 1);
        assert_eq!(CliError::Partial("x".into()).exit_code(), 6);
    }

    #[test]
    fn an_api_error_shows_message_cause_and_fix_in_both_languages() {
        let e = api(
            404,
            json!({"error": {"code": "UNKNOWN_APP", "message": "unknown app x",
                "cause_en": "This app does not exist.", "cause_zh": "该应用不存在。",
                "fix_en": "Reload the app list.", "fix_zh": "刷新应用列表。"}}),
        );
        let out = e.render();
        for want in [
            "error: unknown app x (UNKNOWN_APP, HTTP 404)",
            "fix: Reload the app list.",
            "处理: 刷新应用列表。",
            "cause: This app does not exist.",
        ] {
            assert!(out.contains(want), "{want} in\n{out}");
        }
        assert!(e.api_body().is_some());
    }

    #[test]
    fn mapping_issues_are_listed_with_their_fix() {
        let e = api(
            422,
            json!({"error": {"code": "MAPPING_INVALID", "message": "the mapping has 1 error(s)"},
                   "issues": [{"severity": "error", "code": "REQUIRED_FIELD_UNMAPPED", "field": "Company",
                               "cause_en": "Company is required", "cause_zh": "公司必填",
                               "fix_en": "map Company", "fix_zh": "映射公司"}]}),
        );
        let out = e.render();
        assert!(out.contains("1 mapping issue(s)"), "{out}");
        assert!(
            out.contains("error     Company  REQUIRED_FIELD_UNMAPPED  map Company / 映射公司"),
            "{out}"
        );
        assert!(
            out.contains("Company: Company is required / 公司必填"),
            "{out}"
        );
    }

    #[test]
    fn an_unreachable_deployment_says_how_to_fix_it() {
        let e = CliError::Api(CallError {
            method: "GET".into(),
            path: "/apps".into(),
            status: 0,
            body: "error sending request: Connection refused".into(),
        });
        assert!(e.render().contains("Connection refused"));
        assert!(e.render().contains("jingsf serve"));
        assert!(e.api_body().is_none());
    }
}
