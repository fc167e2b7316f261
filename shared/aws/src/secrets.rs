//! Secrets Manager vault: one secret per app and kind, named `{prefix}/{app}/{kind}`, cached
//! per container. One secret per kind (not one JSON map per app) because Secrets Manager has no
//! conditional write: two containers rotating different tokens of one app at once would
//! otherwise overwrite each other's map, and a lost rotated refresh token disconnects the app.

use crate::error::{code_of, store_error};
use app::ports::{SecretKind, StoreResult, TokenVault};
use async_trait::async_trait;
use aws_sdk_secretsmanager::Client;
use domain::AppId;
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Every kind, for purge. `exhaustive` below fails to compile when a kind is added and not here.
const ALL_KINDS: [SecretKind; 8] = [
    SecretKind::SfRefreshToken,
    SecretKind::SfAccessToken,
    SecretKind::JingAppSecret,
    SecretKind::JingTokens,
    SecretKind::WebhookToken,
    SecretKind::WebhookSigningSecret,
    SecretKind::OutboundToken,
    SecretKind::PkceVerifier,
];

#[allow(dead_code)]
fn exhaustive(kind: SecretKind) {
    match kind {
        SecretKind::SfRefreshToken
        | SecretKind::SfAccessToken
        | SecretKind::JingAppSecret
        | SecretKind::JingTokens
        | SecretKind::WebhookToken
        | SecretKind::WebhookSigningSecret
        | SecretKind::OutboundToken
        | SecretKind::PkceVerifier => {}
    }
}

type CacheKey = (AppId, SecretKind);

/// Only what hot paths read and what rarely changes is cached per container: the JING app
/// secret and the push endpoints' credentials. Salesforce tokens and the PKCE verifier are
/// written by one function and read by another (the admin API starts an authorization, the
/// callback function finishes it; a reconnect replaces the tokens the writer uses): they are
/// always read fresh. (Clients built from them are reused for a few minutes anyway.)
fn cacheable(kind: SecretKind) -> bool {
    matches!(
        kind,
        SecretKind::JingAppSecret
            | SecretKind::WebhookToken
            | SecretKind::WebhookSigningSecret
            | SecretKind::OutboundToken
    )
}

/// The value of a removed secret (no token, secret or verifier ever looks like this).
const TOMBSTONE: &str = "(removed)";

/// [`TokenVault`] on Secrets Manager with an in-process cache (entries live `ttl`; a put in this
/// container replaces its entry at once; `invalidate` drops one after an auth failure).
#[derive(Debug)]
pub struct SecretsVault {
    client: Client,
    prefix: String,
    ttl: Duration,
    cache: Mutex<HashMap<CacheKey, (SecretString, Instant)>>,
}

impl SecretsVault {
    pub fn new(client: Client, prefix: impl Into<String>, ttl: Duration) -> Self {
        Self {
            client,
            prefix: prefix.into(),
            ttl,
            cache: Mutex::new(HashMap::new()),
        }
    }

    pub fn secret_name(&self, app: &AppId, kind: SecretKind) -> String {
        format!("{}/{}/{}", self.prefix, app, kind.as_str())
    }

    /// Forget a cached value (e.g. the token was refused: another container may have rotated it).
    pub fn invalidate(&self, app: &AppId, kind: SecretKind) {
        self.cache_lock().remove(&(app.clone(), kind));
    }

    fn cache_lock(&self) -> std::sync::MutexGuard<'_, HashMap<CacheKey, (SecretString, Instant)>> {
        // A panic while holding the lock cannot leave the map half-written; keep using it.
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn cached(&self, app: &AppId, kind: SecretKind) -> Option<SecretString> {
        if !cacheable(kind) {
            return None;
        }
        let cache = self.cache_lock();
        let (value, at) = cache.get(&(app.clone(), kind))?;
        (at.elapsed() < self.ttl).then(|| value.clone())
    }

    fn remember(&self, app: &AppId, kind: SecretKind, value: &SecretString) {
        if !cacheable(kind) {
            return;
        }
        self.cache_lock()
            .insert((app.clone(), kind), (value.clone(), Instant::now()));
    }

    async fn create(&self, name: &str, value: &SecretString) -> StoreResult<bool> {
        let out = self
            .client
            .create_secret()
            .name(name)
            .secret_string(value.expose_secret())
            .send()
            .await;
        match out {
            Ok(_) => Ok(true),
            Err(e) if code_of(&e) == Some("ResourceExistsException") => Ok(false),
            Err(e) => Err(store_error("CreateSecret", e)),
        }
    }

    async fn put_value(&self, name: &str, value: &SecretString) -> StoreResult<bool> {
        let out = self
            .client
            .put_secret_value()
            .secret_id(name)
            .secret_string(value.expose_secret())
            .send()
            .await;
        match out {
            Ok(_) => Ok(true),
            Err(e) if code_of(&e) == Some("ResourceNotFoundException") => Ok(false),
            Err(e) => Err(store_error("PutSecretValue", e)),
        }
    }
}

#[async_trait]
impl TokenVault for SecretsVault {
    async fn put(&self, app: &AppId, kind: SecretKind, value: &SecretString) -> StoreResult<()> {
        let name = self.secret_name(app, kind);
        // Updates are the common case (rotation); create on first use; if another container
        // created it in between, put again.
        if !self.put_value(&name, value).await? && !self.create(&name, value).await? {
            self.put_value(&name, value).await?;
        }
        self.remember(app, kind, value);
        Ok(())
    }

    async fn get(&self, app: &AppId, kind: SecretKind) -> StoreResult<Option<SecretString>> {
        if let Some(value) = self.cached(app, kind) {
            return Ok(Some(value));
        }
        let out = self
            .client
            .get_secret_value()
            .secret_id(self.secret_name(app, kind))
            .send()
            .await;
        // The tombstone `remove` leaves reads as no secret.
        let value = match out {
            Ok(out) => out
                .secret_string
                .filter(|v| v != TOMBSTONE)
                .map(SecretString::from),
            Err(e) if code_of(&e) == Some("ResourceNotFoundException") => None,
            Err(e) => return Err(store_error("GetSecretValue", e)),
        };
        if let Some(v) = &value {
            self.remember(app, kind, v);
        }
        Ok(value)
    }

    /// Overwrites the value with a tombstone instead of deleting the secret: a secret deleted
    /// even without recovery keeps its name reserved for a while, and a reconnect right after a
    /// disconnect must be able to store the token again. (Secrets Manager refuses empty values.)
    async fn remove(&self, app: &AppId, kind: SecretKind) -> StoreResult<()> {
        let tombstone = SecretString::from(TOMBSTONE.to_owned());
        self.put_value(&self.secret_name(app, kind), &tombstone)
            .await?;
        self.invalidate(app, kind);
        Ok(())
    }

    async fn purge(&self, app: &AppId) -> StoreResult<()> {
        let deletes = ALL_KINDS.iter().map(|kind| {
            self.client
                .delete_secret()
                .secret_id(self.secret_name(app, *kind))
                .force_delete_without_recovery(true)
                .send()
        });
        for (kind, out) in ALL_KINDS
            .iter()
            .zip(futures::future::join_all(deletes).await)
        {
            self.invalidate(app, *kind);
            match out {
                Ok(_) => {}
                Err(e) if code_of(&e) == Some("ResourceNotFoundException") => {}
                Err(e) => return Err(store_error("DeleteSecret", e)),
            }
        }
        Ok(())
    }
}
