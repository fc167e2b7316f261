//! The JING open-API client: configuration, the token lifecycle and the business call every
//! endpoint module goes through.

use crate::contract::{CodeClass, JingContract, classify, codes};
use crate::envelope::{Envelope, TokenData};
use crate::error::{JingError, sync_error_for};
use crate::ratelimit::{RateLimiter, RetryPolicy};
use crate::token::{Clock, Credentials, NoTokenSink, TokenSet, TokenSink, system_clock};
use crate::token_cache::{self, TokenSlot};
use crate::transport::{CallCounter, CallStats, PROTOCOL, Transport};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::{Value as Json, json};
use std::sync::Arc;
use std::time::Duration;

/// Everything needed to build a client.
#[derive(Debug, Clone)]
pub struct JingClientConfig {
    pub contract: JingContract,
    pub credentials: Credentials,
    /// Requests per second the client allows itself (conservative default: 10).
    pub rate_per_sec: f64,
    pub burst: u32,
    pub retry: RetryPolicy,
    pub timeout: Duration,
}

impl JingClientConfig {
    pub fn new(contract: JingContract, credentials: Credentials) -> Self {
        Self {
            contract,
            credentials,
            rate_per_sec: 10.0,
            burst: 10,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
        }
    }
}

/// A cheap-to-clone handle on one JING app.
#[derive(Clone)]
pub struct JingClient {
    inner: Arc<Inner>,
}

struct Inner {
    contract: JingContract,
    credentials: Credentials,
    transport: Transport,
    /// Shared by every client of the same credentials in the process (see `token_cache`).
    tokens: TokenSlot,
    sink: Arc<dyn TokenSink>,
    clock: Clock,
}

impl std::fmt::Debug for JingClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JingClient")
            .field("base_url", &self.inner.contract.base_url)
            .field("app_id", &self.inner.credentials.app_id)
            .finish_non_exhaustive()
    }
}

impl JingClient {
    /// A client whose token is the process's for these credentials: every client of the same
    /// base URL, app id and secret shares one token until it expires (or JING refuses it).
    pub fn new(config: JingClientConfig) -> Result<Self, JingError> {
        let slot = token_cache::shared_slot(&config.contract.base_url, &config.credentials);
        Self::with_slot(config, slot, Arc::new(NoTokenSink), system_clock())
    }

    /// Full control: tokens persisted earlier (reused until they expire), where new tokens go,
    /// and the clock used to judge expiry. The token is this client's own (not shared).
    pub fn build(
        config: JingClientConfig,
        saved: Option<TokenSet>,
        sink: Arc<dyn TokenSink>,
        clock: Clock,
    ) -> Result<Self, JingError> {
        Self::with_slot(config, token_cache::own_slot(saved), sink, clock)
    }

    fn with_slot(
        config: JingClientConfig,
        tokens: TokenSlot,
        sink: Arc<dyn TokenSink>,
        clock: Clock,
    ) -> Result<Self, JingError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| JingError::InvalidRequest(format!("HTTP client: {e}")))?;
        let transport = Transport {
            http,
            app_id: config.credentials.app_id.clone(),
            limiter: RateLimiter::new(config.rate_per_sec, config.burst),
            retry: config.retry,
            calls: CallCounter::default(),
        };
        let inner = Inner {
            contract: config.contract,
            credentials: config.credentials,
            transport,
            tokens,
            sink,
            clock,
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    pub fn contract(&self) -> &JingContract {
        &self.inner.contract
    }

    /// Calls made so far (every HTTP request, retries and token calls included).
    pub fn calls(&self) -> CallStats {
        self.inner.transport.calls.snapshot()
    }

    /// POST a business call and decode `data`; any non-zero code becomes a typed error.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        kind: &str,
        path: &str,
        body: &Json,
        object: &str,
    ) -> Result<T, JingError> {
        let env = self.call_envelope(kind, path, body).await?;
        if env.code != codes::SUCCESS {
            return Err(call_error(&env, object));
        }
        decode_data(env)
    }

    /// POST a business call; token renewals and retries are handled, other codes are returned.
    pub(crate) async fn call_envelope(
        &self,
        kind: &str,
        path: &str,
        body: &Json,
    ) -> Result<Envelope<Json>, JingError> {
        let url = self.inner.contract.url(path);
        let mut renewed = false;
        loop {
            let token = self.access_token().await?;
            let env = self
                .inner
                .transport
                .post(kind, &url, body, Some(&token))
                .await?;
            match classify(env.code) {
                CodeClass::RenewToken if !renewed => {
                    // Expired early or revoked: forget it and try once with a fresh one.
                    renewed = true;
                    self.forget_access_token(&token).await;
                }
                _ => return Ok(env),
            }
        }
    }

    /// The current access token, refreshing or re-getting it when needed.
    pub async fn access_token(&self) -> Result<SecretString, JingError> {
        let mut slot = self.inner.tokens.lock().await;
        let now = (self.inner.clock)();
        if let Some(t) = slot
            .as_ref()
            .filter(|t| t.access_usable(now, self.inner.contract.token_skew))
        {
            return Ok(t.access_token.clone());
        }
        let renewed = match slot.as_ref().filter(|t| t.refresh_usable(now)) {
            Some(old) => match self.refresh(&old.refresh_token).await {
                Err(JingError::Reauthorize(_)) | Err(JingError::Record(_)) => {
                    self.get_token().await?
                }
                other => other?,
            },
            None => self.get_token().await?,
        };
        self.inner.sink.tokens_issued(&renewed).await;
        let access = renewed.access_token.clone();
        *slot = Some(renewed);
        Ok(access)
    }

    async fn forget_access_token(&self, used: &SecretString) {
        let mut slot = self.inner.tokens.lock().await;
        if let Some(t) = slot.as_mut().filter(|t| t.same_access(used)) {
            t.access_expires_at = time::OffsetDateTime::UNIX_EPOCH;
        }
    }

    async fn get_token(&self) -> Result<TokenSet, JingError> {
        let c = &self.inner.credentials;
        let body = json!({ "app_id": c.app_id, "app_secret": c.app_secret.expose_secret() });
        self.token_call("token", &self.inner.contract.paths.token, body)
            .await
    }

    async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenSet, JingError> {
        let c = &self.inner.credentials;
        let body = json!({
            "app_id": c.app_id,
            "app_secret": c.app_secret.expose_secret(),
            "refresh_token": refresh_token.expose_secret(),
        });
        self.token_call(
            "token_refresh",
            &self.inner.contract.paths.token_refresh,
            body,
        )
        .await
    }

    async fn token_call(&self, kind: &str, path: &str, body: Json) -> Result<TokenSet, JingError> {
        let url = self.inner.contract.url(path);
        let env = self.inner.transport.post(kind, &url, &body, None).await?;
        if env.code != codes::SUCCESS {
            return Err(match classify(env.code) {
                CodeClass::RegetToken => {
                    JingError::Record(sync_error_for(env.code, &env.msg, None, "token"))
                }
                _ => token_error(&env),
            });
        }
        let data: TokenData = decode_data(env)?;
        let now = (self.inner.clock)();
        tracing::info!(app_id = %self.inner.credentials.app_id, expires_in = data.expires_in, "Obtained a JING access token.");
        Ok(TokenSet::from_answer(
            data,
            now,
            self.inner.contract.refresh_token_ttl,
        ))
    }
}

fn token_error(env: &Envelope<Json>) -> JingError {
    if env.code == PROTOCOL {
        return JingError::Protocol(env.msg.clone());
    }
    let e = sync_error_for(env.code, &env.msg, None, "token");
    match e.code {
        domain::ErrorCode::JingAuthFailed => JingError::Reauthorize(e),
        _ => JingError::from_sync(e),
    }
}

/// The error for a non-zero call-level code.
pub(crate) fn call_error(env: &Envelope<Json>, object: &str) -> JingError {
    match classify(env.code) {
        _ if env.code == PROTOCOL => JingError::Protocol(env.msg.clone()),
        // A token refused twice in a row: the app's access is gone.
        CodeClass::RenewToken | CodeClass::RegetToken => JingError::Reauthorize(
            domain::SyncError::new(domain::ErrorCode::JingAuthFailed)
                .detail(format!("JING {}: {}", env.code, env.msg)),
        ),
        _ => JingError::from_sync(sync_error_for(env.code, &env.msg, None, object)),
    }
}

pub(crate) fn decode_data<T: DeserializeOwned>(env: Envelope<Json>) -> Result<T, JingError> {
    let data = env.data.unwrap_or(Json::Null);
    serde_json::from_value(data).map_err(|e| {
        JingError::Protocol(format!(
            "request {}: data does not match the contract: {}",
            env.request_id,
            domain::redact::json_error(&e)
        ))
    })
}
