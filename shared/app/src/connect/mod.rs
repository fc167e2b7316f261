//! Connect (oauth-callback): authorize with `state` + PKCE, store tokens in the vault, record
//! the authorized account, refuse a different org, pause on an org-id change, check
//! permissions; disconnect.

mod permissions;

pub use permissions::{PERMISSIONS_KEY, PermissionCheck, check_permissions, run_permission_check};

use crate::ports::{
    BindingStore, CursorStore, RemoteError, SecretKind, SettingsStore, SfAuth, SfTokens,
    StoreError, TokenVault,
};
use crate::settings::{AppSettings, AuthorizedAccount, Environment, Pause};
use base64::Engine;
use domain::{AppId, Direction, ErrorCode, ObjectKind, SfId, SyncError};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

/// Cursor key of the pending authorization (the hash of its `state`, never the state itself).
const PENDING_KEY: &str = "oauth-pending";

/// How long an authorization may take between start and callback.
pub const STATE_TTL: Duration = Duration::minutes(10);

#[derive(Clone, Copy)]
pub struct ConnectDeps<'a> {
    pub auth: &'a dyn SfAuth,
    pub settings: &'a dyn SettingsStore,
    pub vault: &'a dyn TokenVault,
    pub cursors: &'a dyn CursorStore,
    pub bindings: &'a dyn BindingStore,
    pub clock: &'a dyn crate::ports::Clock,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectError {
    #[error("unknown app {0}")]
    UnknownApp(String),
    /// Wrong, reused or expired `state`: restart the authorization (HTTP 400).
    #[error("the authorization request is unknown, used or expired; start again")]
    BadState,
    /// The org differs from the app's org and no environment switch was requested (HTTP 409).
    #[error(
        "this app is bound to org {expected}; refusing org {got} (switch the environment first)"
    )]
    DifferentOrg { expected: String, got: String },
    #[error("configuration is locked while initialization runs")]
    Locked,
    #[error("{0}")]
    Remote(SyncError),
    #[error("store: {0}")]
    Store(String),
}

impl From<StoreError> for ConnectError {
    fn from(e: StoreError) -> Self {
        Self::Store(e.to_string())
    }
}
impl From<RemoteError> for ConnectError {
    fn from(e: RemoteError) -> Self {
        Self::Remote(e.0)
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    state_sha256: String,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
    /// The admin asked to move the app to another org/environment.
    switching: bool,
}

fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

fn sha256_b64(s: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(s.as_bytes()))
}

/// The PKCE S256 challenge of a verifier.
pub fn pkce_challenge(verifier: &str) -> String {
    sha256_b64(verifier)
}

async fn load(deps: &ConnectDeps<'_>, app: &AppId) -> Result<AppSettings, ConnectError> {
    deps.settings
        .get(app)
        .await?
        .ok_or_else(|| ConnectError::UnknownApp(app.to_string()))
}

/// Start: the URL to send the admin's browser to. `switch_environment` allows a different org.
pub async fn start(
    deps: &ConnectDeps<'_>,
    app: &AppId,
    switch_environment: Option<Environment>,
) -> Result<String, ConnectError> {
    let mut settings = load(deps, app).await?;
    if settings.locked() {
        return Err(ConnectError::Locked);
    }
    let switching = switch_environment.is_some();
    if let Some(env) = switch_environment {
        settings.environment = env;
        settings.revision += 1;
        deps.settings.put(&settings).await?;
    }
    // `state` names the app (the callback has nothing else) and carries 256 random bits.
    let state = format!("{app}.{}", random_token(32));
    let verifier = random_token(48);
    let pending = Pending {
        state_sha256: sha256_b64(&state),
        expires_at: deps.clock.now() + STATE_TTL,
        switching,
    };
    let raw = serde_json::to_string(&pending).map_err(|e| ConnectError::Store(e.to_string()))?;
    deps.cursors.put(app, PENDING_KEY, &raw).await?;
    deps.vault
        .put(
            app,
            SecretKind::PkceVerifier,
            &SecretString::from(verifier.clone()),
        )
        .await?;
    Ok(deps
        .auth
        .authorize_url(&settings.environment, &state, &pkce_challenge(&verifier)))
}

/// Finish (the OAuth callback): check `state` (single use, expiring), exchange the code with
/// the PKCE verifier, read the identity, refuse another org than the app's, store the tokens in
/// the vault and the account on the app. An unknown app is just a state we never issued.
pub async fn finish(
    deps: &ConnectDeps<'_>,
    state: &str,
    code: &str,
) -> Result<AuthorizedAccount, ConnectError> {
    let app = state
        .split_once('.')
        .and_then(|(a, _)| AppId::parse(a).ok())
        .ok_or(ConnectError::BadState)?;
    let settings = deps
        .settings
        .get(&app)
        .await?
        .ok_or(ConnectError::BadState)?;
    let pending = take_pending(deps, &app, state).await?;
    let verifier = deps
        .vault
        .get(&app, SecretKind::PkceVerifier)
        .await?
        .ok_or(ConnectError::BadState)?;
    // Single use, like the state it goes with: it does not outlive the flow.
    deps.vault.remove(&app, SecretKind::PkceVerifier).await?;
    let tokens = deps
        .auth
        .exchange(&settings.environment, code, verifier.expose_secret())
        .await?;
    let identity = deps.auth.identity(&tokens).await?;
    if let Err(e) = org_allowed(deps, &settings, &identity.org_id, pending.switching).await {
        let _ = deps
            .auth
            .revoke(&settings.environment, &tokens.access_token)
            .await;
        return Err(e);
    }
    store_tokens(deps, &app, &tokens).await?;
    let account = AuthorizedAccount {
        username: identity.username,
        user_id: identity.user_id,
        org_id: identity.org_id,
        instance_url: tokens.instance_url.clone(),
        at: deps.clock.now(),
    };
    save_account(deps, &app, &account).await?;
    tracing::info!(app_id = %app, "Salesforce connected.");
    Ok(account)
}

/// The pending authorization of `state`, consumed only once it matches: a forged callback
/// (wrong state) must not cancel the real one still on its way.
async fn take_pending(
    deps: &ConnectDeps<'_>,
    app: &AppId,
    state: &str,
) -> Result<Pending, ConnectError> {
    let pending: Pending = deps
        .cursors
        .get(app, PENDING_KEY)
        .await?
        .and_then(|raw| serde_json::from_str(&raw).ok())
        .ok_or(ConnectError::BadState)?;
    if pending.state_sha256 != sha256_b64(state) || deps.clock.now() > pending.expires_at {
        return Err(ConnectError::BadState);
    }
    deps.cursors.put(app, PENDING_KEY, "{}").await?;
    Ok(pending)
}

/// The app's org is kept from its first authorization on (disconnect keeps it). Another org
/// is refused, except on an explicit environment switch of an app that has synced nothing yet
/// (its member bindings name users of the old org and are dropped).
async fn org_allowed(
    deps: &ConnectDeps<'_>,
    settings: &AppSettings,
    org: &SfId,
    switching: bool,
) -> Result<(), ConnectError> {
    let Some(known) = settings.org().filter(|k| k.id15() != org.id15()) else {
        return Ok(());
    };
    let refused = || ConnectError::DifferentOrg {
        expected: known.to_string(),
        got: org.to_string(),
    };
    if !switching {
        return Err(refused());
    }
    for kind in [
        ObjectKind::Lead,
        ObjectKind::Account,
        ObjectKind::Opportunity,
    ] {
        if deps.bindings.count(&settings.app, kind).await? > 0 {
            return Err(refused());
        }
    }
    drop_member_bindings(deps, &settings.app).await
}

async fn drop_member_bindings(deps: &ConnectDeps<'_>, app: &AppId) -> Result<(), ConnectError> {
    loop {
        let page = deps
            .bindings
            .list(app, ObjectKind::Member, None, 500)
            .await?;
        if page.is_empty() {
            return Ok(());
        }
        for b in page {
            deps.bindings
                .remove(app, ObjectKind::Member, &b.sf_id)
                .await?;
        }
    }
}

/// Record the account on the app (re-read on a concurrent save of the settings).
async fn save_account(
    deps: &ConnectDeps<'_>,
    app: &AppId,
    account: &AuthorizedAccount,
) -> Result<(), ConnectError> {
    let mut tries = 0;
    loop {
        let mut settings = load(deps, app).await?;
        settings.authorized = Some(account.clone());
        settings.bound_org = Some(account.org_id.clone());
        settings
            .paused
            .retain(|p| p.reason.code != ErrorCode::OrgChanged);
        settings.revision += 1;
        match deps.settings.put(&settings).await {
            Err(StoreError::Conflict(_)) if tries < 3 => tries += 1,
            other => return Ok(other?),
        }
    }
}

async fn store_tokens(
    deps: &ConnectDeps<'_>,
    app: &AppId,
    tokens: &SfTokens,
) -> Result<(), ConnectError> {
    deps.vault
        .put(app, SecretKind::SfAccessToken, &tokens.access_token)
        .await?;
    if let Some(rt) = &tokens.refresh_token {
        deps.vault.put(app, SecretKind::SfRefreshToken, rt).await?;
    }
    Ok(())
}

/// A token refresh or identity check saw `observed` as the org: if it is not the app's org
/// (sandbox refresh, wrong org), pause every direction with a clear error. Returns whether paused.
/// Through [`SettingsStore::pause`]: the workers that refresh tokens may not rewrite settings.
pub async fn check_org(
    settings_store: &dyn SettingsStore,
    app: &AppId,
    observed: &SfId,
) -> Result<bool, ConnectError> {
    let settings = settings_store
        .get(app)
        .await?
        .ok_or_else(|| ConnectError::UnknownApp(app.to_string()))?;
    let Some(known) = settings.org().cloned() else {
        return Ok(false);
    };
    if known.id15() == observed.id15() {
        return Ok(false);
    }
    let reason = SyncError::new(ErrorCode::OrgChanged).detail(format!("{known} to {observed}"));
    let pauses: Vec<Pause> = ObjectKind::ALL
        .into_iter()
        .flat_map(|object| Direction::BOTH.map(|direction| (object, direction)))
        .map(|(object, direction)| Pause {
            object,
            direction,
            reason: reason.clone(),
        })
        .collect();
    settings_store.pause(app, &pauses).await?;
    tracing::warn!(app_id = %app, "Salesforce org changed; app paused.");
    Ok(true)
}

/// Disconnect: revoke the refresh token and forget the Salesforce tokens. The org, the
/// bindings and the JING credentials stay, so reconnecting to the same org just works and
/// another org is refused. Changes that arrive meanwhile wait (parked) for the reconnect.
pub async fn disconnect(deps: &ConnectDeps<'_>, app: &AppId) -> Result<(), ConnectError> {
    let mut settings = load(deps, app).await?;
    if let Some(rt) = deps.vault.get(app, SecretKind::SfRefreshToken).await? {
        // Best effort: a revoked or expired token is as good as revoked.
        let _ = deps.auth.revoke(&settings.environment, &rt).await;
    }
    for kind in [
        SecretKind::SfAccessToken,
        SecretKind::SfRefreshToken,
        SecretKind::PkceVerifier,
    ] {
        deps.vault.remove(app, kind).await?;
    }
    settings.bound_org = settings.org().cloned();
    settings.authorized = None;
    settings.revision += 1;
    deps.settings.put(&settings).await?;
    Ok(())
}
