//! `SfClient`: the authenticated REST client. Every call goes through [`SfClient::send`], which
//! reserves budget, counts the call, reads `Sforce-Limit-Info`, refreshes the token once on
//! `INVALID_SESSION_ID`, and retries transient failures with jittered exponential backoff.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{Mutex as AsyncMutex, RwLock};

use crate::config::ClientOptions;
use crate::describe::SObjectDescribe;
use crate::error::{SfError, decode_error_body};
use crate::oauth::{OAuthClient, RefreshOutcome, TokenSet};
use crate::transport::{ApiRequest, ApiResponse, Payload, network_error};
use crate::usage::{ApiUsage, CallBudget, UsageTracker};
use domain::quota::OrgUsage;

/// Receives new tokens after each refresh, before they are used. When `outcome.rotated` is
/// true the old refresh token is already dead: persist the new one durably before returning.
/// An error refuses the tokens: they are not used, and the call that needed them fails with it
/// (tokens of another org must never reach a request).
#[async_trait]
pub trait TokenSink: Send + Sync {
    async fn tokens_refreshed(&self, outcome: &RefreshOutcome) -> Result<(), SfError>;
}

struct Session {
    instance_url: String,
    access_token: SecretString,
    refresh_token: Option<SecretString>,
}

struct Inner {
    http: reqwest::Client,
    oauth: OAuthClient,
    api_version: String,
    session: RwLock<Session>,
    // Single-flight refresh: concurrent 401s trigger one token call, not one each.
    refresh_gate: AsyncMutex<()>,
    sink: Option<Arc<dyn TokenSink>>,
    budget: Option<Arc<dyn CallBudget>>,
    usage: UsageTracker,
    pub(crate) options: ClientOptions,
    describes: Mutex<HashMap<String, Arc<SObjectDescribe>>>,
    /// Users a composite poll listed, and when (the member matching after it reuses them).
    pub(crate) users_listed: Mutex<Option<(std::time::Instant, Vec<app::ports::SfUser>)>>,
}

/// The authenticated client for one org. Cheap to clone; clones share tokens, counters and the
/// describe cache.
#[derive(Clone)]
pub struct SfClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SfClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SfClient")
            .field("api_version", &self.inner.api_version)
            .finish_non_exhaustive()
    }
}

/// Builder for [`SfClient`].
pub struct SfClientBuilder {
    oauth: OAuthClient,
    tokens: TokenSet,
    http: Option<reqwest::Client>,
    sink: Option<Arc<dyn TokenSink>>,
    budget: Option<Arc<dyn CallBudget>>,
    options: ClientOptions,
}

impl SfClientBuilder {
    pub fn http(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }
    pub fn token_sink(mut self, sink: Arc<dyn TokenSink>) -> Self {
        self.sink = Some(sink);
        self
    }
    pub fn budget(mut self, budget: Arc<dyn CallBudget>) -> Self {
        self.budget = Some(budget);
        self
    }
    pub fn options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }
    pub fn build(self) -> SfClient {
        let session = Session {
            instance_url: self.tokens.instance_url.trim_end_matches('/').to_owned(),
            access_token: self.tokens.access_token,
            refresh_token: self.tokens.refresh_token,
        };
        SfClient {
            inner: Arc::new(Inner {
                http: self.http.unwrap_or_default(),
                api_version: self.oauth.app().api_version.clone(),
                oauth: self.oauth,
                session: RwLock::new(session),
                refresh_gate: AsyncMutex::new(()),
                sink: self.sink,
                budget: self.budget,
                usage: UsageTracker::default(),
                options: self.options,
                describes: Mutex::new(HashMap::new()),
                users_listed: Mutex::new(None),
            }),
        }
    }
}

impl SfClient {
    /// Start building a client from stored tokens (instance URL, access and refresh token).
    pub fn builder(oauth: OAuthClient, tokens: TokenSet) -> SfClientBuilder {
        SfClientBuilder {
            oauth,
            tokens,
            http: None,
            sink: None,
            budget: None,
            options: ClientOptions::default(),
        }
    }

    pub fn usage(&self) -> ApiUsage {
        self.inner.usage.snapshot()
    }

    pub(crate) fn inner_users(
        &self,
    ) -> &Mutex<Option<(std::time::Instant, Vec<app::ports::SfUser>)>> {
        &self.inner.users_listed
    }

    pub fn api_version(&self) -> &str {
        &self.inner.api_version
    }

    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    pub async fn instance_url(&self) -> String {
        self.inner.session.read().await.instance_url.clone()
    }

    pub(crate) fn describe_cache(&self) -> &Mutex<HashMap<String, Arc<SObjectDescribe>>> {
        &self.inner.describes
    }

    /// Send with budget, refresh-once and transient retries. Non-2xx answers become `SfError`.
    pub(crate) async fn send(&self, req: &ApiRequest) -> Result<ApiResponse, SfError> {
        self.send_then(req, |resp| async move {
            let body = resp.bytes().await.map_err(network_error)?.to_vec();
            Ok(ApiResponse { body })
        })
        .await
    }

    /// [`Self::send`], answering a 2xx response whose body is still to be read (a Bulk results
    /// page is parsed as it arrives). A failure while the body is read is the caller's to retry.
    pub(crate) async fn send_streamed(
        &self,
        req: &ApiRequest,
    ) -> Result<reqwest::Response, SfError> {
        let req = ApiRequest {
            streamed: true,
            ..req.clone()
        };
        self.send_then(&req, |resp| async move { Ok(resp) }).await
    }

    /// How long a request may wait for its answer (for a streamed body: for each chunk).
    pub(crate) fn request_timeout(&self) -> std::time::Duration {
        self.inner.options.retry.request_timeout
    }

    /// The retry loop, with `read` taking each 2xx response (its failures are retried too).
    async fn send_then<T, F, Fut>(&self, req: &ApiRequest, read: F) -> Result<T, SfError>
    where
        F: Fn(reqwest::Response) -> Fut,
        Fut: std::future::Future<Output = Result<T, SfError>>,
    {
        let policy = &self.inner.options.retry;
        let mut refreshed = false;
        let mut attempt = 1;
        loop {
            if let Some(budget) = self.inner.budget.as_ref().filter(|_| !req.unbudgeted) {
                budget.reserve(1).await?;
            }
            let (instance_url, token) = self.current_session().await;
            let sent = match self.send_once(req, &instance_url, &token).await {
                Ok(resp) => read(resp).await,
                Err(e) => Err(e),
            };
            match sent {
                Ok(resp) => return Ok(resp),
                Err(e) if e.is_invalid_session() => {
                    if refreshed {
                        return Err(SfError::SessionInvalid);
                    }
                    self.refresh_after(&token).await?;
                    refreshed = true;
                }
                Err(e)
                    if e.is_retryable()
                        && attempt < policy.max_attempts
                        && (req.replay_safe || !e.may_have_been_applied()) =>
                {
                    tracing::debug!(attempt, error = %e, "Transient Salesforce failure; retrying.");
                    tokio::time::sleep(policy.delay(attempt)).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn current_session(&self) -> (String, SecretString) {
        let s = self.inner.session.read().await;
        (s.instance_url.clone(), s.access_token.clone())
    }

    async fn send_once(
        &self,
        req: &ApiRequest,
        instance_url: &str,
        token: &SecretString,
    ) -> Result<reqwest::Response, SfError> {
        let url = req.url(instance_url, &self.inner.api_version)?;
        let mut builder = self
            .inner
            .http
            .request(req.method.clone(), url)
            .bearer_auth(token.expose_secret())
            .header("Accept", req.accept);
        if let Some(client) = &self.inner.options.call_client_id {
            builder = builder.header("Sforce-Call-Options", format!("client={client}"));
        }
        for (name, value) in &req.headers {
            builder = builder.header(*name, value);
        }
        builder = match &req.body {
            Some((content_type, Payload::Bytes(body))) => builder
                .header("Content-Type", *content_type)
                .body(body.clone()),
            Some((content_type, Payload::File { file, len })) => builder
                .header("Content-Type", *content_type)
                .header("Content-Length", len.to_string())
                .body(crate::spool::file_body(Arc::clone(file), *len)),
            None => builder,
        };
        let timeout = self.request_timeout();
        if !req.streamed {
            builder = builder.timeout(timeout);
        }
        self.inner.usage.count_call();
        let resp = tokio::time::timeout(timeout, builder.send())
            .await
            .map_err(|_| SfError::Network {
                timeout: true,
                not_sent: false,
                detail: format!("no answer within {timeout:?}"),
            })?
            .map_err(network_error)?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let limit_info = headers
            .get("sforce-limit-info")
            .and_then(|v| v.to_str().ok());
        self.inner.usage.observe_header(limit_info);
        if let (Some(budget), Some((used, max))) = (
            &self.inner.budget,
            limit_info.and_then(crate::usage::parse_limit_info),
        ) {
            budget.observe(OrgUsage { used, max }).await;
        }
        if (200..300).contains(&status) {
            return Ok(resp);
        }
        let body = resp.bytes().await.map_err(network_error)?;
        Err(decode_error_body(status, &body).with_limit_info(limit_info))
    }

    /// Refresh the access token unless another task already replaced `stale`.
    async fn refresh_after(&self, stale: &SecretString) -> Result<(), SfError> {
        let _gate = self.inner.refresh_gate.lock().await;
        let refresh_token = {
            let s = self.inner.session.read().await;
            if s.access_token.expose_secret() != stale.expose_secret() {
                return Ok(());
            }
            s.refresh_token.clone().ok_or(SfError::SessionInvalid)?
        };
        self.inner.usage.count_refresh();
        let outcome = self.inner.oauth.refresh(&refresh_token).await?;
        if let Some(sink) = &self.inner.sink {
            sink.tokens_refreshed(&outcome).await?;
        }
        let mut s = self.inner.session.write().await;
        s.instance_url = outcome.tokens.instance_url.clone();
        s.access_token = outcome.tokens.access_token.clone();
        s.refresh_token = outcome.tokens.refresh_token.clone();
        tracing::info!(
            rotated = outcome.rotated,
            "Refreshed the Salesforce access token."
        );
        Ok(())
    }
}
