//! OAuth 2.0 web-server flow with PKCE (reference §2): authorize URL, code exchange, refresh
//! (with optional rotation), revoke, identity.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::config::{SfAppConfig, SfEnvironment};
use crate::error::{SfError, decode_error_body, decode_oauth_error};
use crate::transport::network_error;
use domain::SfId;

/// A PKCE pair: the secret verifier kept by us, and the S256 challenge sent in the browser.
#[derive(Debug, Clone)]
pub struct Pkce {
    pub verifier: SecretString,
    pub challenge: String,
}

impl Pkce {
    /// 64 bytes from the thread CSPRNG → an 86-character base64url verifier (RFC 7636 allows 43–128).
    pub fn generate() -> Self {
        let bytes: [u8; 64] = rand::random();
        Self::from_verifier(&URL_SAFE_NO_PAD.encode(bytes)).expect("base64url is a valid verifier")
    }

    /// Rebuild the pair from a stored verifier, checking its RFC 7636 shape.
    pub fn from_verifier(verifier: &str) -> Result<Self, SfError> {
        let valid_char = |c: char| c.is_ascii_alphanumeric() || "-._~".contains(c);
        if !(43..=128).contains(&verifier.len()) || !verifier.chars().all(valid_char) {
            return Err(SfError::InvalidInput(
                "PKCE verifier must be 43-128 unreserved characters".into(),
            ));
        }
        Ok(Self {
            verifier: SecretString::from(verifier),
            challenge: s256_challenge(verifier),
        })
    }
}

/// `BASE64URL(SHA256(verifier))` without padding.
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// An opaque, unguessable CSRF `state` value (32 random bytes, base64url).
pub fn generate_state() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The browser URL that starts the authorization (reference §2.1).
pub fn authorize_url(
    env: &SfEnvironment,
    app: &SfAppConfig,
    state: &str,
    challenge: &str,
    scopes: &[&str],
) -> String {
    let query = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", app.client_id.as_str()),
        ("redirect_uri", app.redirect_uri.as_str()),
        ("scope", &scopes.join(" ")),
        ("state", state),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ])
    .expect("string pairs always encode");
    format!("{}/services/oauth2/authorize?{query}", env.login_base())
}

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
    let raw: TokenResponse = serde_json::from_slice(body)
        .map_err(|e| SfError::Decode(format!("token response: {e}")))?;
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
    let raw: IdentityResponse =
        serde_json::from_slice(body).map_err(|e| SfError::Decode(format!("identity: {e}")))?;
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

/// Talks to the login host's OAuth endpoints.
#[derive(Debug, Clone)]
pub struct OAuthClient {
    http: reqwest::Client,
    login_base: String,
    app: SfAppConfig,
}

impl OAuthClient {
    pub fn new(http: reqwest::Client, env: &SfEnvironment, app: SfAppConfig) -> Self {
        Self {
            http,
            login_base: env.login_base(),
            app,
        }
    }

    pub fn app(&self) -> &SfAppConfig {
        &self.app
    }

    /// Exchange the callback's `code` (already URL-decoded once) and our PKCE verifier.
    pub async fn exchange_code(
        &self,
        code: &str,
        verifier: &SecretString,
    ) -> Result<TokenSet, SfError> {
        let body = self
            .token_call(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", &self.app.redirect_uri),
                ("code_verifier", verifier.expose_secret()),
            ])
            .await?;
        let tokens = parse_token_response(&body)?;
        verify_signature(&tokens, &self.app.client_secret)?;
        Ok(tokens)
    }

    /// Get a new access token. The old refresh token is kept unless a rotated one came back.
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<RefreshOutcome, SfError> {
        let body = self
            .token_call(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.expose_secret()),
            ])
            .await?;
        let mut tokens = parse_token_response(&body)?;
        verify_signature(&tokens, &self.app.client_secret)?;
        let rotated = tokens
            .refresh_token
            .as_ref()
            .is_some_and(|new| new.expose_secret() != refresh_token.expose_secret());
        if tokens.refresh_token.is_none() {
            tokens.refresh_token = Some(refresh_token.clone());
        }
        Ok(RefreshOutcome { tokens, rotated })
    }

    /// Revoke an access or refresh token (revoking a refresh token also kills its access tokens).
    pub async fn revoke(&self, token: &SecretString) -> Result<(), SfError> {
        let resp = self
            .http
            .post(format!("{}/services/oauth2/revoke", self.login_base))
            .form(&[("token", token.expose_secret())])
            .send()
            .await
            .map_err(network_error)?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(network_error)?;
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(decode_oauth_error(status, &body))
        }
    }

    /// Who authorized: GET the identity URL with the access token.
    pub async fn identity(&self, tokens: &TokenSet) -> Result<Identity, SfError> {
        let resp = self
            .http
            .get(&tokens.id_url)
            .bearer_auth(tokens.access_token.expose_secret())
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(network_error)?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(network_error)?;
        if !(200..300).contains(&status) {
            return Err(decode_error_body(status, &body));
        }
        parse_identity(&body)
    }

    async fn token_call(&self, grant: &[(&str, &str)]) -> Result<Vec<u8>, SfError> {
        let mut form: Vec<(&str, &str)> = grant.to_vec();
        form.push(("client_id", &self.app.client_id));
        form.push(("client_secret", self.app.client_secret.expose_secret()));
        let resp = self
            .http
            .post(format!("{}/services/oauth2/token", self.login_base))
            .header("Accept", "application/json")
            .form(&form)
            .send()
            .await
            .map_err(network_error)?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(network_error)?;
        if (200..300).contains(&status) {
            Ok(body.to_vec())
        } else {
            Err(decode_oauth_error(status, &body))
        }
    }
}

#[cfg(test)]
#[path = "oauth_tests.rs"]
mod tests;
