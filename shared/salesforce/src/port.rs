//! `app::ports::SalesforcePort` (writes, describe) and `app::ports::SfAuth` over this crate: the
//! use cases talk to Salesforce through these adapters. Reads are in `port_read.rs`.

use app::ports::{Fields as PortFields, RemoteError, SfAuth, SfIdentity, SfTokens, WriteResult};
use app::settings::Environment;
use domain::SfId;
use secrecy::SecretString;
use serde_json::Value as Json;

use crate::client::SfClient;
use crate::collections::{CreateOutcome, RecordResult, WriteError, WriteOptions};
use crate::config::{SfAppConfig, SfEnvironment};
use crate::error::SfError;
use crate::oauth::{OAuthClient, TokenSet, authorize_url};
use crate::record::Fields;

/// The catalogue entry, naming the object when there is one.
pub(crate) fn sync(object: &str, e: &SfError) -> domain::SyncError {
    let s = e.to_sync_error();
    if object.is_empty() {
        s
    } else {
        s.object(object)
    }
}

pub(crate) fn remote(object: &str, e: &SfError) -> RemoteError {
    RemoteError(sync(object, e))
}

pub(crate) fn to_json_fields(fields: &PortFields) -> Fields {
    fields
        .iter()
        .map(|(k, v)| (k.clone(), v.to_sf_json()))
        .collect()
}

fn result(object: &str, r: RecordResult) -> WriteResult {
    match (&r.id, r.errors.first()) {
        (Some(id), _) if r.success => WriteResult::Ok(id.as_str().to_owned()),
        (_, Some(e)) => WriteResult::Failed(e.to_sync_error().object(object)),
        _ => WriteResult::Failed(sync(
            object,
            &SfError::Decode("failure without an error".into()),
        )),
    }
}

/// Per-record results; when a later chunk failed as a whole, the records already written keep
/// their results and the unsent ones carry the call's error (so nothing is re-created blindly).
/// A failure before anything was written is a call-level error.
fn results(
    object: &str,
    total: usize,
    out: Result<Vec<RecordResult>, WriteError>,
) -> Result<Vec<WriteResult>, RemoteError> {
    match out {
        Ok(done) => Ok(done.into_iter().map(|r| result(object, r)).collect()),
        Err(WriteError { completed, error }) if completed.is_empty() => Err(remote(object, &error)),
        Err(WriteError { completed, error }) => {
            let unsent = total - completed.len();
            let failed = WriteResult::Failed(sync(object, &error));
            let mut out: Vec<WriteResult> =
                completed.into_iter().map(|r| result(object, r)).collect();
            out.extend(std::iter::repeat_n(failed, unsent));
            Ok(out)
        }
    }
}

impl SfClient {
    /// The port's create: collections, then one single-record create per duplicate to learn
    /// the matched ids (collections omit them), so the writer can bind instead.
    pub(crate) async fn port_create(
        &self,
        object: &str,
        records: &[PortFields],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        let json: Vec<Fields> = records.iter().map(to_json_fields).collect();
        let out = self.create(object, &json, &WriteOptions::default()).await;
        let written = match &out {
            Ok(done) => done.as_slice(),
            Err(e) => e.completed.as_slice(),
        };
        let duplicates: Vec<usize> = written
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.errors
                    .iter()
                    .any(|e| e.status_code == "DUPLICATES_DETECTED")
            })
            .map(|(i, _)| i)
            .collect();
        let mut results = results(object, json.len(), out)?;
        for i in duplicates {
            results[i] = self.resolve_duplicate(object, &json[i]).await;
        }
        Ok(results)
    }

    /// The port's upsert on an external-ID field (idempotent: no duplicate to resolve).
    pub(crate) async fn port_upsert(
        &self,
        object: &str,
        external_id_field: &str,
        records: &[PortFields],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        let json: Vec<Fields> = records.iter().map(to_json_fields).collect();
        let out = self
            .upsert(object, external_id_field, &json, &WriteOptions::default())
            .await;
        results(object, json.len(), out)
    }

    /// Collections say only `DUPLICATES_DETECTED`; the single-record create names the matches.
    async fn resolve_duplicate(&self, object: &str, fields: &Fields) -> WriteResult {
        match self
            .create_one(object, fields, &WriteOptions::default())
            .await
        {
            Ok(CreateOutcome::Duplicate { matches }) if matches.is_empty() => {
                let rule = String::new();
                WriteResult::Failed(sync(object, &SfError::Duplicate { matches, rule }))
            }
            Ok(CreateOutcome::Duplicate { matches }) => {
                WriteResult::Duplicate(matches.iter().map(|id| id.as_str().to_owned()).collect())
            }
            Ok(CreateOutcome::Created(id)) => WriteResult::Ok(id.as_str().to_owned()),
            Err(e) => WriteResult::Failed(sync(object, &e)),
        }
    }

    pub(crate) async fn port_update(
        &self,
        object: &str,
        records: &[(SfId, PortFields)],
    ) -> Result<Vec<WriteResult>, RemoteError> {
        let json: Vec<(SfId, Fields)> = records
            .iter()
            .map(|(id, f)| (id.clone(), to_json_fields(f)))
            .collect();
        results(
            object,
            json.len(),
            self.update(object, &json, &WriteOptions::default()).await,
        )
    }

    pub(crate) async fn port_delete(&self, ids: &[SfId]) -> Result<Vec<WriteResult>, RemoteError> {
        // Key-prefix names are the object API names (`Lead`, `Account`...), for the error text.
        let object = ids
            .first()
            .and_then(|id| id.kind())
            .map(|k| format!("{k:?}"))
            .unwrap_or_default();
        results(
            &object,
            ids.len(),
            self.delete(ids, &WriteOptions::default()).await,
        )
    }

    pub(crate) async fn port_describe(
        &self,
        object: &str,
    ) -> Result<domain::describe::SfObjectDescribe, RemoteError> {
        let ours = self
            .describe(object)
            .await
            .map_err(|e| match e.api_code() {
                // An object the user cannot see does not exist for them: a permission problem.
                Some("NOT_FOUND") | Some("INVALID_TYPE") => RemoteError(
                    domain::SyncError::new(domain::ErrorCode::ObjectNotAccessible)
                        .object(object)
                        .detail("access"),
                ),
                _ => remote(object, &e),
            })?;
        // Both models read the same describe JSON keys; go through JSON rather than field by field.
        let json: Json = serde_json::to_value(&*ours).map_err(|e| {
            remote(
                object,
                &SfError::Decode(domain::redact::quoted(&e.to_string())),
            )
        })?;
        serde_json::from_value(json).map_err(|e| {
            remote(
                object,
                &SfError::Decode(format!(
                    "describe: {}",
                    domain::redact::quoted(&e.to_string())
                )),
            )
        })
    }
}

/// `SfAuth` for one connected app: builds the OAuth client for whichever environment the admin
/// picked.
#[derive(Debug, Clone)]
pub struct SfAuthAdapter {
    http: reqwest::Client,
    app: SfAppConfig,
}

impl SfAuthAdapter {
    pub fn new(http: reqwest::Client, app: SfAppConfig) -> Self {
        Self { http, app }
    }
    fn oauth(&self, env: &Environment) -> OAuthClient {
        OAuthClient::new(self.http.clone(), &sf_environment(env), self.app.clone())
    }
}

pub fn sf_environment(env: &Environment) -> SfEnvironment {
    match env {
        Environment::Production => SfEnvironment::Production,
        Environment::Sandbox => SfEnvironment::Sandbox,
        Environment::MyDomain(host) => SfEnvironment::MyDomain(host.clone()),
        Environment::Custom(base) => SfEnvironment::Custom(base.clone()),
    }
}

impl From<TokenSet> for SfTokens {
    fn from(t: TokenSet) -> Self {
        SfTokens {
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            instance_url: t.instance_url,
            id_url: t.id_url,
        }
    }
}

impl From<SfTokens> for TokenSet {
    /// Tokens loaded from the vault (issue time and signature are not kept there).
    fn from(t: SfTokens) -> Self {
        TokenSet {
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            instance_url: t.instance_url,
            id_url: t.id_url,
            issued_at: time::OffsetDateTime::UNIX_EPOCH,
            issued_at_raw: String::new(),
            signature: None,
            scope: None,
        }
    }
}

/// `api` for REST/Bulk, `id` for the identity URL (`api` alone does not grant it), and
/// `refresh_token` so the connector keeps working after the session ends.
pub const SCOPES: [&str; 3] = ["api", "id", "refresh_token"];

#[async_trait::async_trait]
impl SfAuth for SfAuthAdapter {
    fn authorize_url(&self, env: &Environment, state: &str, code_challenge: &str) -> String {
        authorize_url(
            &sf_environment(env),
            &self.app,
            state,
            code_challenge,
            &SCOPES,
        )
    }

    async fn exchange(
        &self,
        env: &Environment,
        code: &str,
        verifier: &str,
    ) -> Result<SfTokens, RemoteError> {
        let verifier = SecretString::from(verifier.to_owned());
        let tokens = self
            .oauth(env)
            .exchange_code(code, &verifier)
            .await
            .map_err(|e| remote("", &e))?;
        Ok(tokens.into())
    }

    async fn identity(&self, tokens: &SfTokens) -> Result<SfIdentity, RemoteError> {
        // The identity URL is absolute (login host); the environment only matters for its host.
        let oauth = OAuthClient::new(
            self.http.clone(),
            &SfEnvironment::Production,
            self.app.clone(),
        );
        let id = oauth
            .identity_of(&tokens.id_url, &tokens.access_token)
            .await
            .map_err(|e| remote("", &e))?;
        Ok(SfIdentity {
            user_id: id.user_id,
            org_id: id.org_id,
            username: id.username,
        })
    }

    async fn revoke(&self, env: &Environment, token: &SecretString) -> Result<(), RemoteError> {
        self.oauth(env)
            .revoke(token)
            .await
            .map_err(|e| remote("", &e))
    }
}
