//! `jingsf.toml`: the embedded connector's configuration, validated at start with messages that
//! name the key and the fix. Secrets may come from the environment instead of the file.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The port of `listen` in `jingsf.example.toml`, where admin commands look for a local serve
/// when no URL is given.
pub const DEFAULT_PORT: u16 = 8080;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the SQLite store lives.
    pub data_dir: PathBuf,
    /// Address of the HTTP listener (OAuth callback, outbound messages, webhooks, admin API).
    pub listen: SocketAddr,
    /// The URL Salesforce and JING reach the listener at (used for the callback URL).
    pub public_url: String,
    /// Minutes between safety-net polls of Salesforce and JING (push paths carry the live
    /// changes).
    #[serde(default = "default_poll")]
    pub poll_minutes: u64,
    /// Seconds between polls instead of `poll_minutes` (tests and demos; at least 1).
    #[serde(default)]
    pub poll_seconds: Option<u64>,
    /// How often, at most, the org's API usage is read again while changes are parked because
    /// the app's share of the org is spent (one `/limits` call each time). Default 300.
    #[serde(default = "default_probe")]
    pub org_probe_seconds: u64,
    pub salesforce: SalesforceConfig,
    #[serde(default)]
    pub jing: JingConfig,
    /// Error digests by SMTP; without it they are written as .eml files to `data_dir/outbox`.
    #[serde(default)]
    pub smtp: Option<crate::smtp::SmtpConfig>,
    /// Let apps name a custom Salesforce login host (a simulator). Off in production: tokens
    /// and the consumer secret go only to Salesforce's own hosts. Also
    /// `JINGSF_ALLOW_CUSTOM_LOGIN_HOST=true`.
    #[serde(default)]
    pub allow_custom_login_host: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SalesforceConfig {
    pub client_id: String,
    /// Or the environment variable `JINGSF_SF_CLIENT_SECRET`.
    #[serde(default)]
    pub client_secret: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JingConfig {
    /// Defaults to `https://jingopenapi.jingsocial.com`.
    #[serde(default)]
    pub base_url: Option<String>,
}

fn default_poll() -> u64 {
    30
}

fn default_probe() -> u64 {
    300
}

/// A configuration problem: which key, what is wrong, how to fix it.
#[derive(Debug, thiserror::Error)]
#[error("{key}: {problem} — {fix}")]
pub struct ConfigError {
    pub key: String,
    pub problem: String,
    pub fix: String,
}

fn err(key: &str, problem: impl Into<String>, fix: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.into(),
        problem: problem.into(),
        fix: fix.into(),
    }
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, Vec<ConfigError>> {
        let raw = std::fs::read_to_string(path).map_err(|e| {
            vec![err(
                "(file)",
                format!("cannot read {}: {e}", path.display()),
                "pass --config with the path of jingsf.toml",
            )]
        })?;
        Self::parse(&raw)
    }

    /// The file's text, parsed and checked: what [`Config::load`] does after reading the file.
    pub fn parse(raw: &str) -> Result<Config, Vec<ConfigError>> {
        let cfg: Config = toml::from_str(raw).map_err(|e| {
            vec![err(
                "(syntax)",
                e.message().to_owned(),
                "fix the TOML syntax or remove unknown keys (see jingsf.example.toml)",
            )]
        })?;
        let problems = cfg.problems();
        if problems.is_empty() {
            Ok(cfg)
        } else {
            Err(problems)
        }
    }

    /// Every problem at once, so one run tells the operator everything to fix.
    pub fn problems(&self) -> Vec<ConfigError> {
        let mut out = Vec::new();
        if !(self.public_url.starts_with("https://")
            || self.public_url.starts_with("http://127.0.0.1")
            || self.public_url.starts_with("http://localhost"))
        {
            out.push(err(
                "public_url",
                format!("{:?} is not https", self.public_url),
                "use the https URL Salesforce and JING can reach (http only for localhost)",
            ));
        }
        if !(1..=1440).contains(&self.poll_minutes) {
            out.push(err(
                "poll_minutes",
                format!("{} is out of range", self.poll_minutes),
                "use 1 to 1440 (30 keeps idle cost near 200 calls a day)",
            ));
        }
        if self.poll_seconds == Some(0) {
            out.push(err(
                "poll_seconds",
                "is 0",
                "use at least 1, or remove it to poll every poll_minutes",
            ));
        }
        if self.org_probe_seconds == 0 {
            out.push(err(
                "org_probe_seconds",
                "is 0",
                "use at least 1 (300 reads /limits at most every 5 minutes while parked)",
            ));
        }
        if self.salesforce.client_id.trim().is_empty() {
            out.push(err(
                "salesforce.client_id",
                "is empty",
                "copy the consumer key of the connected/external client app",
            ));
        }
        if self.sf_client_secret().is_none() {
            out.push(err(
                "salesforce.client_secret",
                "is missing",
                "set it in the file or in JINGSF_SF_CLIENT_SECRET",
            ));
        }
        if let Some(url) = &self.jing.base_url
            && !url.starts_with("http")
        {
            out.push(err(
                "jing.base_url",
                format!("{url:?} is not a URL"),
                "remove it to use https://jingopenapi.jingsocial.com",
            ));
        }
        if let Some(smtp) = &self.smtp
            && let Err(e) = crate::smtp::SmtpMailer::new(smtp)
        {
            out.push(err(
                "smtp",
                e,
                "use host, port, security = starttls | tls | plain, and a valid from address",
            ));
        }
        out
    }

    pub fn sf_client_secret(&self) -> Option<String> {
        self.salesforce
            .client_secret
            .clone()
            .or_else(|| std::env::var("JINGSF_SF_CLIENT_SECRET").ok())
            .filter(|s| !s.trim().is_empty())
    }

    /// Whether custom login hosts are allowed (the key or the environment says so).
    pub fn custom_login_hosts(&self) -> bool {
        self.allow_custom_login_host
            || std::env::var("JINGSF_ALLOW_CUSTOM_LOGIN_HOST")
                .is_ok_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }

    /// Time between safety-net polls.
    pub fn poll_every(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.poll_seconds.unwrap_or(self.poll_minutes * 60))
    }

    pub fn callback_url(&self) -> String {
        format!("{}/oauth/callback", self.public_url.trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(body: &str) -> PathBuf {
        let p = std::env::temp_dir().join(format!(
            "jingsf-cfg-{}-{}.toml",
            std::process::id(),
            body.len()
        ));
        std::fs::write(&p, body).unwrap();
        p
    }

    #[test]
    fn a_good_file_loads() {
        let p = write(
            "data_dir = \"/tmp/x\"\nlisten = \"127.0.0.1:8080\"\npublic_url = \"https://c.example.com\"\n[salesforce]\nclient_id = \"3MVG\"\nclient_secret = \"s\"\n",
        );
        let cfg = Config::load(&p).unwrap();
        assert_eq!(cfg.poll_minutes, 30);
        assert_eq!(cfg.callback_url(), "https://c.example.com/oauth/callback");
    }

    #[test]
    fn every_problem_names_its_key_and_fix() {
        let p = write(
            "data_dir = \"/tmp/x\"\nlisten = \"127.0.0.1:8080\"\npublic_url = \"http://c.example.com\"\npoll_minutes = 0\n[salesforce]\nclient_id = \" \"\n",
        );
        let problems = Config::load(&p).unwrap_err();
        let keys: Vec<&str> = problems.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "public_url",
                "poll_minutes",
                "salesforce.client_id",
                "salesforce.client_secret"
            ]
        );
        assert!(problems.iter().all(|e| !e.fix.is_empty()));
    }

    #[test]
    fn unknown_keys_are_refused() {
        let p = write(
            "data_dir = \"/tmp/x\"\nlisten = \"127.0.0.1:8080\"\npublic_url = \"https://c\"\npoll_minute = 3\n[salesforce]\nclient_id = \"a\"\nclient_secret = \"b\"\n",
        );
        let problems = Config::load(&p).unwrap_err();
        assert_eq!(problems[0].key, "(syntax)");
        assert!(problems[0].problem.contains("poll_minute"));
    }
}
