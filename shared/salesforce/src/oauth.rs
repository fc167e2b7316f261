//! OAuth 2.0 web-server flow with PKCE (reference §2): authorize URL, code exchange, refresh
//! (with optional rotation), revoke, identity.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::config::{SfAppConfig, SfEnvironment};
use crate::error::{SfError, decode_error_body, decode_oauth_error};
pub use crate::token::{
    Identity, RefreshOutcome, TokenSet, parse_identity, parse_token_response, verify_signature,
};
use crate::transport::network_error;

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
        self.identity_of(&tokens.id_url, &tokens.access_token).await
    }

    /// The same, from stored values.
    pub async fn identity_of(
        &self,
        id_url: &str,
        access_token: &SecretString,
    ) -> Result<Identity, SfError> {
        let resp = self
            .http
            .get(id_url)
            .bearer_auth(access_token.expose_secret())
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(network_error)?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(network_error)?;
        match status {
            200..=299 => parse_identity(&body),
            // The identity URL answers a refused token with plain text (`Bad_OAuth_Token`).
            401 | 403 => Err(SfError::SessionInvalid),
            _ => Err(decode_error_body(status, &body)),
        }
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
