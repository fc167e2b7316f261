//! Apps: list, install, read, change (on/off, environment, admin e-mail, notifications), delete.

use crate::admin::extract::{Body, app_id, load, save_config, save_revision_checked};
use crate::{AdminError, Edge};
use app::ports::SecretKind;
use app::settings::{AppSettings, Environment};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::AppId;
use domain::describe::is_valid_email;
use rand::RngCore;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// One line of the app picker.
#[derive(Debug, Serialize)]
pub(crate) struct AppSummary {
    app: AppId,
    name: String,
    enabled: bool,
    environment: Environment,
    authorized: Option<app::settings::AuthorizedAccount>,
    init: app::settings::InitState,
    revision: u64,
}

impl From<&AppSettings> for AppSummary {
    fn from(s: &AppSettings) -> Self {
        Self {
            app: s.app.clone(),
            name: s.name.clone(),
            enabled: s.enabled,
            environment: s.environment.clone(),
            authorized: s.authorized.clone(),
            init: s.init.clone(),
            revision: s.revision,
        }
    }
}

pub(crate) async fn list(State(st): State<Edge>) -> Result<Json<serde_json::Value>, AdminError> {
    let mut apps = st.settings.list().await?;
    apps.sort_by(|a, b| a.name.cmp(&b.name));
    let apps: Vec<AppSummary> = apps.iter().map(AppSummary::from).collect();
    Ok(Json(serde_json::json!({ "apps": apps })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewApp {
    /// Optional id (letters, digits, `-`, `_`); generated when absent.
    id: Option<String>,
    name: String,
    #[serde(default)]
    department: Option<String>,
    environment: Environment,
    jing_app_id: String,
    jing_tenant: String,
    #[serde(default)]
    jing_app_secret: Option<String>,
    #[serde(default)]
    admin_email: Option<String>,
}

fn new_app_id() -> String {
    let mut buf = [0u8; 5];
    rand::rng().fill_bytes(&mut buf);
    let hex: String = buf.iter().map(|b| format!("{b:02x}")).collect();
    format!("app-{hex}")
}

fn required(value: &str, what: &str) -> Result<(), AdminError> {
    if value.trim().is_empty() {
        return Err(AdminError::InvalidInput(format!("{what} is required")));
    }
    Ok(())
}

fn check_email(email: &Option<String>) -> Result<(), AdminError> {
    match email {
        Some(e) if !is_valid_email(e) => Err(AdminError::InvalidInput(format!(
            "admin_email {e:?} is not a valid e-mail address"
        ))),
        _ => Ok(()),
    }
}

/// The environment may be used in this deployment (allow-listed login hosts), else 400.
pub(crate) fn check_environment(st: &Edge, env: &Environment) -> Result<(), AdminError> {
    match env.refusal(st.options.allow_custom_login_host) {
        Some(why) => Err(AdminError::InvalidInput(why)),
        None => Ok(()),
    }
}

pub(crate) async fn create(
    State(st): State<Edge>,
    Body(req): Body<NewApp>,
) -> Result<(StatusCode, Json<AppSettings>), AdminError> {
    required(&req.name, "name")?;
    required(&req.jing_app_id, "jing_app_id")?;
    required(&req.jing_tenant, "jing_tenant")?;
    check_email(&req.admin_email)?;
    check_environment(&st, &req.environment)?;
    let raw = req.id.unwrap_or_else(new_app_id);
    let app = AppId::parse(&raw).map_err(|_| {
        AdminError::InvalidInput(format!("app id {raw:?}: use letters, digits, - or _"))
    })?;
    if st.settings.get(&app).await?.is_some() {
        return Err(AdminError::Conflict(format!("app {app} already exists")));
    }
    let mut s = AppSettings::new(
        app.clone(),
        req.name.trim(),
        req.environment,
        &req.jing_app_id,
        &req.jing_tenant,
    );
    s.department = req.department;
    s.admin_email = req.admin_email;
    s.revision = 1;
    if let Some(secret) = req.jing_app_secret.filter(|v| !v.trim().is_empty()) {
        st.vault
            .put(&app, SecretKind::JingAppSecret, &SecretString::from(secret))
            .await?;
    }
    // The push endpoints' credentials exist before anything can be registered with them.
    crate::setup::credentials::create(&st, &app).await?;
    st.settings.put(&s).await?;
    tracing::info!(app_id = %app, "App installed.");
    Ok((StatusCode::CREATED, Json(s)))
}

pub(crate) async fn get_one(
    State(st): State<Edge>,
    Path(app): Path<String>,
) -> Result<Json<AppSettings>, AdminError> {
    Ok(Json(load(&st, &app_id(&app)?).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AppPatch {
    revision: Option<u64>,
    enabled: Option<bool>,
    environment: Option<Environment>,
    name: Option<String>,
    /// `null` removes the address (no digests).
    #[serde(default, with = "double_option")]
    admin_email: Option<Option<String>>,
    notify_errors: Option<bool>,
    /// Set or replace the JING app secret (kept in the vault, never returned).
    jing_app_secret: Option<String>,
    member_sync: Option<app::settings::MemberSync>,
    /// Verify mode of outbound messages (read the records back instead of trusting the
    /// message's values; one Salesforce call per message).
    verify_outbound: Option<bool>,
    /// Where JING records open: `https://…/{object}/{id}`; `null` removes it (Salesforce
    /// links only).
    #[serde(default, with = "double_option")]
    jing_record_url: Option<Option<String>>,
    /// Initialization reads an object over Bulk API 2.0 above this estimated count.
    init_bulk_threshold: Option<u64>,
    /// Initialization creates in Salesforce go through Bulk API 2.0 ingest jobs from this many
    /// staged records (0: never; the embedded deployment only).
    init_ingest_threshold: Option<u64>,
}

/// Tell "absent" (keep) from `null` (clear).
mod double_option {
    use serde::{Deserialize, Deserializer};
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(d).map(Some)
    }
}

pub(crate) async fn patch(
    State(st): State<Edge>,
    Path(app): Path<String>,
    Body(p): Body<AppPatch>,
) -> Result<Json<AppSettings>, AdminError> {
    let mut s = load(&st, &app_id(&app)?).await?;
    let was_off = !s.enabled;
    // Changes that must wait for a running initialization to end.
    let configures = p.environment.is_some()
        || p.name.is_some()
        || p.member_sync.is_some()
        || p.init_bulk_threshold.is_some()
        || p.init_ingest_threshold.is_some();
    if let Some(env) = p.environment
        && env != s.environment
    {
        check_environment(&st, &env)?;
        if s.authorized.is_some() {
            return Err(AdminError::Conflict(
                "switching the environment of a connected app needs re-authorization: POST /api/apps/{app}/connect with the new environment".into(),
            ));
        }
        s.environment = env;
    }
    if let Some(name) = p.name {
        required(&name, "name")?;
        s.name = name.trim().to_owned();
    }
    if let Some(email) = p.admin_email {
        check_email(&email)?;
        s.admin_email = email;
    }
    s.enabled = p.enabled.unwrap_or(s.enabled);
    s.notify_errors = p.notify_errors.unwrap_or(s.notify_errors);
    s.member_sync = p.member_sync.unwrap_or(s.member_sync);
    s.verify_outbound = p.verify_outbound.unwrap_or(s.verify_outbound);
    s.init_bulk_threshold = p.init_bulk_threshold.unwrap_or(s.init_bulk_threshold);
    s.init_ingest_threshold = p.init_ingest_threshold.unwrap_or(s.init_ingest_threshold);
    if let Some(template) = p.jing_record_url {
        s.jing_record_url = template
            .filter(|t| !t.trim().is_empty())
            .map(|t| app::links::check_template(&t))
            .transpose()
            .map_err(AdminError::InvalidInput)?;
    }
    if let Some(secret) = p.jing_app_secret {
        required(&secret, "jing_app_secret")?;
        let secret = SecretString::from(secret.trim().to_owned());
        st.vault
            .put(&s.app, SecretKind::JingAppSecret, &secret)
            .await?;
        st.connections.forget(&s.app);
    }
    let saved = if configures {
        save_config(&st, s, p.revision).await?
    } else {
        save_revision_checked(&st, s, p.revision).await?
    };
    if was_off && saved.enabled {
        // Changes held while the app was off go back on the queue.
        app::quota_reset::reset(&st.quota_deps(), &saved).await?;
    }
    Ok(Json(saved))
}

/// Delete: revoke the Salesforce token (best effort), then remove everything of the app —
/// bindings, errors, sync log, ledger, parked and queued changes, cursors, counters — its
/// secrets, and last its settings (a delete that fails half-way can simply be repeated).
pub(crate) async fn delete(
    State(st): State<Edge>,
    Path(app): Path<String>,
) -> Result<Json<serde_json::Value>, AdminError> {
    let app = app_id(&app)?;
    let s = load(&st, &app).await?;
    if let Some(rt) = st.vault.get(&app, SecretKind::SfRefreshToken).await? {
        // A token that is already revoked or expired is as good as revoked.
        let _ = st.connections.auth().revoke(&s.environment, &rt).await;
    }
    let purged = st.app_data.purge(&app).await?;
    st.vault.purge(&app).await?;
    st.settings.delete(&app).await?;
    st.connections.forget(&app);
    st.marks.forget(&app);
    tracing::info!(app_id = %app, items = purged.total(), "App deleted.");
    Ok(Json(
        serde_json::json!({ "deleted": app, "purged": purged }),
    ))
}
