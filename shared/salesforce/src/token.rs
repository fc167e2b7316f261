//! Token-endpoint answers (reference §2.3, §2.4, §2.7): the token set, its signature, and the
//! identity of the authorizing user.

use base64::Engine;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::Sha256;
use time::OffsetDateTime;

use crate::error::SfError;
use domain::SfId;

/// What the token endpoint hands out. Secrets stay wrapped; `Debug` never prints them.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    /// Where every REST call goes (may change on refresh after an org migration).
    pub instance_url: String,
    /// The identity URL, on the login host.
    pub id_url: String,
    pub issued_at: OffsetDateTime,
    /// The raw `issued_at` string (the signature covers it verbatim).
    pub issued_at_raw: String,
    /// Base64 HMAC-SHA256 over `id + issued_at`, keyed with the client secret.
    pub signature: Option<String>,
    pub scope: Option<String>,
}

impl TokenSet {
    /// The org id: second-to-last segment of the identity URL.
    pub fn org_id(&self) -> Result<SfId, SfError> {
        let mut segs = self.id_url.trim_end_matches('/').rsplit('/');
        let _user = segs.next();
        let org = segs.next().unwrap_or_default();
        SfId::parse(org).map_err(|e| SfError::Decode(format!("identity URL org id: {e}")))
    }
}

/// The result of a refresh: new tokens, and whether the refresh token was rotated (then the
/// caller must save it before using it again: the old one is now invalid).
#[derive(Debug, Clone)]
pub struct RefreshOutcome {
    pub tokens: TokenSet,
    pub rotated: bool,
}

/// The authorized user, from the identity URL (reference §2.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user_id: SfId,
    pub org_id: SfId,
    pub username: String,
    pub display_name: String,
    pub email: String,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    instance_url: String,
    id: String,
    issued_at: String,
    #[serde(default)]
    signature: Option<String>,
    #[serde(default)]
    scope: Option<String>,
}

/// Parse a token-endpoint success body (§2.3): `issued_at` is a string of milliseconds and there
/// is no `expires_in`.
pub fn parse_token_response(body: &[u8]) -> Result<TokenSet, SfError> {
    let raw: TokenResponse = serde_json::from_slice(body).map_err(|e| {
        SfError::Decode(format!(
            "token response: {}",
            domain::redact::quoted(&e.to_string())
        ))
    })?;
    let millis: i128 = raw
        .issued_at
        .parse()
        .map_err(|_| SfError::Decode("token response: issued_at is not milliseconds".into()))?;
    let issued_at = OffsetDateTime::from_unix_timestamp_nanos(millis * 1_000_000)
        .map_err(|_| SfError::Decode("token response: issued_at out of range".into()))?;
    Ok(TokenSet {
        access_token: SecretString::from(raw.access_token),
        refresh_token: raw.refresh_token.map(SecretString::from),
        instance_url: raw.instance_url.trim_end_matches('/').to_owned(),
        id_url: raw.id,
        issued_at,
        issued_at_raw: raw.issued_at,
        signature: raw.signature,
        scope: raw.scope,
    })
}

#[derive(Deserialize)]
struct IdentityResponse {
    user_id: String,
    organization_id: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
}

/// Parse the identity-URL response.
pub fn parse_identity(body: &[u8]) -> Result<Identity, SfError> {
    let raw: IdentityResponse = serde_json::from_slice(body).map_err(|e| {
        SfError::Decode(format!(
            "identity: {}",
            domain::redact::quoted(&e.to_string())
        ))
    })?;
    let id = |s: &str| SfId::parse(s).map_err(|e| SfError::Decode(format!("identity: {e}")));
    Ok(Identity {
        user_id: id(&raw.user_id)?,
        org_id: id(&raw.organization_id)?,
        username: raw.username,
        display_name: raw.display_name,
        email: raw.email,
    })
}

/// Check the token response's `signature` (HMAC-SHA256 of `id + issued_at` keyed with the client
/// secret, base64). A mismatch means the identity URL may have been tampered with, and we would
/// send the access token to it. Responses without a signature pass (it is optional on the wire).
pub fn verify_signature(tokens: &TokenSet, client_secret: &SecretString) -> Result<(), SfError> {
    let Some(signature) = &tokens.signature else {
        return Ok(());
    };
    let expected = base64::engine::general_purpose::STANDARD
        .decode(signature)
        .map_err(|_| SfError::Decode("token signature is not base64".into()))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(client_secret.expose_secret().as_bytes())
        .map_err(|_| SfError::Decode("client secret unusable as HMAC key".into()))?;
    mac.update(tokens.id_url.as_bytes());
    mac.update(tokens.issued_at_raw.as_bytes());
    mac.verify_slice(&expected)
        .map_err(|_| SfError::Decode("token signature does not match id + issued_at".into()))
}
