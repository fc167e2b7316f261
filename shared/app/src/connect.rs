//! Connect (oauth-callback): authorize with `state` + PKCE, store tokens in the vault, record
//! the authorized account, refuse a different org, pause on an org-id change, check
//! permissions; disconnect.

use crate::ports::{
    CursorStore, RemoteError, SalesforcePort, SecretKind, SettingsStore, SfAuth, SfTokens,
    StoreError, TokenVault,
};
use crate::settings::{AppSettings, AuthorizedAccount, Environment, Pause};
use base64::Engine;
use domain::{AppId, Direction, ErrorCode, ObjectKind, ObjectSpec, SfId, SyncError};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

/// How long an authorization may take between start and callback.
pub const STATE_TTL: Duration = Duration::minutes(10);

#[derive(Clone, Copy)]
pub struct ConnectDeps<'a> {
    pub auth: &'a dyn SfAuth,
    pub settings: &'a dyn SettingsStore,
    pub vault: &'a dyn TokenVault,
    pub cursors: &'a dyn CursorStore,
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
    deps.cursors.put(app, "oauth-pending", &raw).await?;
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
/// the PKCE verifier, read the identity, store the tokens in the vault and the account on the app.
pub async fn finish(
    deps: &ConnectDeps<'_>,
    state: &str,
    code: &str,
) -> Result<AuthorizedAccount, ConnectError> {
    let app = state
        .split_once('.')
        .and_then(|(a, _)| AppId::parse(a).ok())
        .ok_or(ConnectError::BadState)?;
    let mut settings = load(deps, &app).await?;
    let pending: Pending = deps
        .cursors
        .get(&app, "oauth-pending")
        .await?
        .and_then(|raw| serde_json::from_str(&raw).ok())
        .ok_or(ConnectError::BadState)?;
    // Single use: consume before anything else can fail.
    deps.cursors.put(&app, "oauth-pending", "{}").await?;
    let now = deps.clock.now();
    if pending.state_sha256 != sha256_b64(state) || now > pending.expires_at {
        return Err(ConnectError::BadState);
    }
    let verifier = deps
        .vault
        .get(&app, SecretKind::PkceVerifier)
        .await?
        .ok_or(ConnectError::BadState)?;
    let tokens = deps
        .auth
        .exchange(&settings.environment, code, verifier.expose_secret())
        .await?;
    let identity = deps.auth.identity(&tokens).await?;
    if let Some(known) = &settings.authorized
        && known.org_id.id15() != identity.org_id.id15()
        && !pending.switching
    {
        let _ = deps
            .auth
            .revoke(&settings.environment, &tokens.access_token)
            .await;
        return Err(ConnectError::DifferentOrg {
            expected: known.org_id.to_string(),
            got: identity.org_id.to_string(),
        });
    }
    store_tokens(deps, &app, &tokens).await?;
    let account = AuthorizedAccount {
        username: identity.username,
        user_id: identity.user_id,
        org_id: identity.org_id,
        instance_url: tokens.instance_url.clone(),
        at: now,
    };
    settings.authorized = Some(account.clone());
    settings
        .paused
        .retain(|p| p.reason.code != ErrorCode::OrgChanged);
    settings.revision += 1;
    deps.settings.put(&settings).await?;
    tracing::info!(app_id = %app, "Salesforce connected.");
    Ok(account)
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
pub async fn check_org(
    deps: &ConnectDeps<'_>,
    app: &AppId,
    observed: &SfId,
) -> Result<bool, ConnectError> {
    let mut settings = load(deps, app).await?;
    let Some(known) = settings.authorized.as_ref() else {
        return Ok(false);
    };
    if known.org_id.id15() == observed.id15() {
        return Ok(false);
    }
    let reason =
        SyncError::new(ErrorCode::OrgChanged).detail(format!("{} to {observed}", known.org_id));
    for object in ObjectKind::ALL {
        for direction in Direction::BOTH {
            if !settings.is_paused(object, direction) {
                settings.paused.push(Pause {
                    object,
                    direction,
                    reason: reason.clone(),
                });
            }
        }
    }
    settings.revision += 1;
    deps.settings.put(&settings).await?;
    tracing::warn!(app_id = %app, "Salesforce org changed; app paused.");
    Ok(true)
}

/// Permission pre-check right after connecting: objects readable/writable and every mapped
/// field present and editable. Each gap is an API permission error with the fix.
pub async fn check_permissions(
    sf: &dyn SalesforcePort,
    settings: &AppSettings,
) -> Result<Vec<SyncError>, RemoteError> {
    let mut gaps = Vec::new();
    for kind in [
        ObjectKind::Lead,
        ObjectKind::Account,
        ObjectKind::Opportunity,
        ObjectKind::Member,
    ] {
        let spec = ObjectSpec::of(kind);
        let describe = sf.describe(spec.sf_object).await?;
        let writes_sf = settings.direction_open(kind, Direction::JingToSf);
        if writes_sf && (!describe.createable || !describe.updateable) {
            gaps.push(
                SyncError::new(ErrorCode::ObjectNotAccessible)
                    .object(spec.sf_object)
                    .detail("edit"),
            );
        }
        let Some(obj) = settings.object(kind) else {
            continue;
        };
        for m in &obj.mapping {
            let ok = match describe.field(&m.sf_field) {
                Some(f) => !writes_sf || f.updateable || f.createable || m.sf_field == "Id",
                None => false,
            };
            if !ok {
                gaps.push(
                    SyncError::new(ErrorCode::FieldNotAccessible)
                        .object(spec.sf_object)
                        .field(&m.sf_field),
                );
            }
        }
    }
    Ok(gaps)
}

/// Disconnect: revoke the refresh token, purge every secret, forget the authorized account.
pub async fn disconnect(deps: &ConnectDeps<'_>, app: &AppId) -> Result<(), ConnectError> {
    let mut settings = load(deps, app).await?;
    if let Some(rt) = deps.vault.get(app, SecretKind::SfRefreshToken).await? {
        // Best effort: a revoked or expired token is as good as revoked.
        let _ = deps.auth.revoke(&settings.environment, &rt).await;
    }
    deps.vault.purge(app).await?;
    settings.authorized = None;
    settings.enabled = false;
    settings.revision += 1;
    deps.settings.put(&settings).await?;
    Ok(())
}
