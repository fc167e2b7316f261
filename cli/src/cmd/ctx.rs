//! What every admin command gets: the client of the chosen deployment, the app, and whether to
//! print JSON or a table. A command is one function: build the path, call, show.

use crate::client::AdminClient;
use crate::cmd::error::{Result, usage};
use crate::profile::Target;
use reqwest::Method;
use serde_json::Value;

/// One admin command's context.
pub struct Ctx {
    pub admin: AdminClient,
    target: Target,
    pub json: bool,
}

/// An answer: the body as it came (printed under `--json`) and parsed.
#[derive(Debug)]
pub struct Reply {
    pub raw: String,
    pub value: Value,
}

impl Ctx {
    pub fn new(target: Target, json: bool) -> Self {
        Self {
            admin: AdminClient::new(&target.url, &target.token),
            target,
            json,
        }
    }

    /// The app this command works on (`--app`, `JINGSF_APP`, the profile's, or the only one).
    pub fn app(&self) -> Result<&str> {
        self.target.app.as_deref().ok_or_else(|| {
            usage("this command needs an app: pass --app, set JINGSF_APP, or add app = \"...\" to the profile (`jingsf apps` lists them)")
        })
    }

    /// When no app was named and the deployment has exactly one, work on that one (the
    /// common case of one connector per company); with none or several, `app()` says what to do.
    pub async fn default_to_the_only_app(&mut self) -> Result<()> {
        if self.target.app.is_some() {
            return Ok(());
        }
        let listed = self.get("/apps").await?.value;
        if let [only] = crate::table::items(&listed["apps"]) {
            self.target.app = only["app"].as_str().map(str::to_owned);
        }
        Ok(())
    }

    /// The app only when given on the command line or in `JINGSF_APP` (never a default).
    pub fn explicit_app(&self) -> Option<&str> {
        self.target.explicit_app.as_deref()
    }

    /// `/apps/{app}{rest}` for the chosen app.
    pub fn app_path(&self, rest: &str) -> Result<String> {
        Ok(format!("/apps/{}{rest}", seg(self.app()?)))
    }

    pub async fn get(&self, path: &str) -> Result<Reply> {
        self.send(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Result<Reply> {
        self.send(Method::POST, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> Result<Reply> {
        self.send(Method::PUT, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Result<Reply> {
        self.send(Method::PATCH, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> Result<Reply> {
        self.send(Method::DELETE, path, None).await
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Result<Reply> {
        let raw = self.admin.call_raw(method, path, body).await?;
        let value = serde_json::from_str(&raw).unwrap_or(Value::Null);
        Ok(Reply { raw, value })
    }

    /// The answer verbatim under `--json`, else what `human` makes of it.
    pub fn show(&self, reply: &Reply, human: impl FnOnce(&Value) -> String) {
        if self.json {
            if !reply.raw.is_empty() {
                println!("{}", reply.raw.trim_end());
            }
        } else {
            print!("{}", human(&reply.value));
        }
    }
}

impl Ctx {
    /// A value the CLI put together from several answers: JSON under `--json`, else `human`.
    pub fn print_value(&self, value: &Value, human: impl FnOnce(&Value) -> String) {
        if self.json {
            println!("{value}");
        } else {
            print!("{}", human(value));
        }
    }
}

/// A path segment, percent-encoded (ids are plain, but a record key or a dead letter's id is
/// what the operator typed).
pub fn seg(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out += &format!("%{b:02X}");
        }
    }
    out
}

/// `?k=v&...` of the given pairs (absent ones left out), or nothing.
pub fn query(pairs: &[(&str, Option<String>)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (k, v) in pairs {
        if let Some(v) = v {
            q.append_pair(k, v);
            any = true;
        }
    }
    if any {
        format!("?{}", q.finish())
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_and_queries_are_encoded() {
        assert_eq!(seg("00Q5g00000abcDE"), "00Q5g00000abcDE");
        assert_eq!(seg("a/b c?"), "a%2Fb%20c%3F");
        assert_eq!(
            query(&[
                ("reason", Some("still failing: x&y".into())),
                ("app", None),
                ("limit", Some("5".into()))
            ]),
            "?reason=still+failing%3A+x%26y&limit=5"
        );
        assert_eq!(query(&[("app", None)]), "");
    }
}
