//! Which deployment an admin command talks to: `--url`/`--token`/`--app` (or `JINGSF_URL`,
//! `JINGSF_ADMIN_TOKEN`, `JINGSF_APP`), else a profile of the profiles file, else a local
//! `jingsf serve` on the default port. The profiles file holds admin tokens, so it is read only
//! when nobody else can read it (mode 0600), like an SSH key.

use crate::cmd::error::{Result, usage};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The options every admin command shares (given before or after the command).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Global {
    /// The deployment's URL (serve: its `public_url`; AWS: the stack's `ApiBaseUrl` output).
    /// Default: the profile's, else a local `jingsf serve` on the default port.
    #[arg(long, global = true, env = "JINGSF_URL", help_heading = "Connection")]
    pub url: Option<String>,
    /// The admin token (serve: printed on start; AWS: the `AdminToken` secret).
    #[arg(
        long,
        global = true,
        env = "JINGSF_ADMIN_TOKEN",
        hide_env_values = true,
        help_heading = "Connection"
    )]
    pub token: Option<String>,
    /// A profile of the profiles file ($JINGSF_PROFILES, else ~/.config/jingsf/profiles.toml):
    /// `[NAME]` with `url`, `token` and optionally `app`. Without it, `[default]` when present.
    #[arg(
        long,
        global = true,
        env = "JINGSF_PROFILE",
        help_heading = "Connection"
    )]
    pub profile: Option<String>,
    /// The app a command works on (default: the profile's `app`, else the deployment's only app).
    #[arg(long, global = true, env = "JINGSF_APP", help_heading = "Connection")]
    pub app: Option<String>,
    /// Print the API's JSON answer as it came (for scripts).
    #[arg(long, global = true, help_heading = "Output")]
    pub json: bool,
}

/// Where to connect, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub url: String,
    pub token: String,
    /// `--app` or `JINGSF_APP`, else the profile's.
    pub app: Option<String>,
    /// Only `--app` or `JINGSF_APP` (filters that must not come from a default).
    pub explicit_app: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Profile {
    url: Option<String>,
    token: Option<String>,
    app: Option<String>,
}

/// The local serve the CLI talks to when nothing else is said.
pub fn default_url() -> String {
    format!("http://127.0.0.1:{}", crate::config::DEFAULT_PORT)
}

/// The profiles file: `$JINGSF_PROFILES`, else `$XDG_CONFIG_HOME/jingsf/profiles.toml`, else
/// `~/.config/jingsf/profiles.toml`.
pub fn profiles_path() -> Option<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(p) = var("JINGSF_PROFILES") {
        return Some(PathBuf::from(p));
    }
    let config = var("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(config.join("jingsf").join("profiles.toml"))
}

/// Resolve the target. The profiles file is read when `--profile` names one, or when the URL
/// or the token is not given otherwise.
pub fn resolve(g: &Global) -> Result<Target> {
    let needs_profile = g.profile.is_some() || g.url.is_none() || g.token.is_none();
    let profile = match (needs_profile, profiles_path()) {
        (true, Some(path)) => load(&path, g.profile.as_deref())?,
        (true, None) if g.profile.is_some() => {
            return Err(usage("no profiles file: set JINGSF_PROFILES or HOME"));
        }
        _ => Profile::default(),
    };
    let url = g.url.clone().or(profile.url).unwrap_or_else(default_url);
    check_url(&url)?;
    let token = g.token.clone().or(profile.token).ok_or_else(|| {
        usage(
            "no admin token: pass --token or set JINGSF_ADMIN_TOKEN (serve prints it on start; \
             AWS: the AdminToken secret), or put it in a profile (see --profile)",
        )
    })?;
    Ok(Target {
        url,
        token,
        app: g.app.clone().or(profile.app),
        explicit_app: g.app.clone(),
    })
}

fn check_url(url: &str) -> Result<()> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(usage(format!(
            "{url:?} is not an http(s) URL: pass the deployment's URL with --url"
        ))),
    }
}

/// The named profile (must exist), or `[default]` when no name is given (may be absent).
fn load(path: &Path, name: Option<&str>) -> Result<Profile> {
    if !path.exists() {
        return match name {
            Some(n) => Err(usage(format!(
                "profile {n:?}: no profiles file at {}",
                path.display()
            ))),
            None => Ok(Profile::default()),
        };
    }
    check_private(path)?;
    let raw = std::fs::read_to_string(path)
        .map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
    let mut all: BTreeMap<String, Profile> =
        toml::from_str(&raw).map_err(|e| usage(format!("{}: {}", path.display(), e.message())))?;
    match name {
        None => Ok(all.remove("default").unwrap_or_default()),
        Some(n) => all.remove(n).ok_or_else(|| {
            let known: Vec<&str> = all.keys().map(String::as_str).collect();
            usage(format!(
                "no profile {n:?} in {} (it has: {})",
                path.display(),
                known.join(", ")
            ))
        }),
    }
}

/// Refuse a profiles file others can read or write: it holds admin tokens.
#[cfg(unix)]
fn check_private(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(usage(format!(
            "{} is readable by other users (mode {:o}) and holds admin tokens: not read. \
             Fix: chmod 600 {}",
            path.display(),
            mode & 0o777,
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &Path) -> Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn file(name: &str, body: &str, mode: u32) -> PathBuf {
        let p = std::env::temp_dir().join(format!("jingsf-prof-{}-{name}", std::process::id()));
        std::fs::write(&p, body).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    }

    const BODY: &str = "[default]\nurl = \"https://a.example\"\ntoken = \"t-default\"\n\
                        [prod]\nurl = \"https://p.example\"\ntoken = \"t-prod\"\napp = \"acme\"\n";

    #[test]
    fn a_named_profile_and_the_default_are_read_from_a_private_file() {
        let p = file("ok", BODY, 0o600);
        let prod = load(&p, Some("prod")).unwrap();
        assert_eq!(prod.url.as_deref(), Some("https://p.example"));
        assert_eq!(prod.app.as_deref(), Some("acme"));
        assert_eq!(load(&p, None).unwrap().token.as_deref(), Some("t-default"));
        let missing = load(&p, Some("stage")).unwrap_err().to_string();
        assert!(missing.contains("default, prod"), "{missing}");
    }

    #[test]
    fn a_file_others_can_read_is_refused_with_the_fix() {
        let p = file("open", BODY, 0o644);
        let e = load(&p, None).unwrap_err();
        assert_eq!(e.exit_code(), 1);
        assert!(e.to_string().contains("chmod 600"), "{e}");
        assert!(e.to_string().contains("mode 644"), "{e}");
    }

    #[test]
    fn flags_win_and_a_bad_url_is_a_usage_error() {
        let g = Global {
            url: Some("ftp://x".into()),
            token: Some("t".into()),
            ..Global::default()
        };
        assert_eq!(resolve(&g).unwrap_err().exit_code(), 1);
        let g = Global {
            url: Some("http://127.0.0.1:9".into()),
            token: Some("t".into()),
            app: Some("a".into()),
            ..Global::default()
        };
        let t = resolve(&g).unwrap();
        assert_eq!(
            (t.url.as_str(), t.token.as_str(), t.app.as_deref()),
            ("http://127.0.0.1:9", "t", Some("a"))
        );
    }
}
