//! OAuth 2.0 (§2): the token store here; the web-server flow endpoints in `flow`, the identity
//! URL and userinfo in `identity`.

mod flow;
mod identity;

pub use flow::{authorize, revoke, token};
pub use identity::{identity, session_user, userinfo};

use domain::ids::SfId;
use rand::Rng;
use std::collections::HashMap;
use time::OffsetDateTime;

/// Refresh tokens one user may hold per app; the next grant revokes the oldest.
const MAX_GRANTS: usize = 5;

pub(super) struct CodeGrant {
    pub(super) client_id: String,
    pub(super) redirect_uri: String,
    pub(super) challenge: Option<String>,
    pub(super) scope: String,
    pub(super) user: SfId,
    pub(super) issued: OffsetDateTime,
    pub(super) used: bool,
}

pub(super) struct AccessToken {
    pub(super) user: SfId,
    pub(super) last_used: OffsetDateTime,
    pub(super) refresh: Option<String>,
    pub(super) dead: bool,
}

pub(super) struct RefreshToken {
    pub(super) user: SfId,
    pub(super) client_id: String,
    pub(super) scope: String,
    pub(super) dead: bool,
}

#[derive(Default)]
pub struct OAuthState {
    pub(super) codes: HashMap<String, CodeGrant>,
    pub(super) access: HashMap<String, AccessToken>,
    pub(super) refresh: HashMap<String, RefreshToken>,
    /// Live refresh tokens in grant order, for the 5-grant cap.
    grant_order: Vec<String>,
}

impl OAuthState {
    /// The user behind a live access token; touching it extends the session.
    pub fn authenticate(
        &mut self,
        token: &str,
        now: OffsetDateTime,
        ttl: std::time::Duration,
    ) -> Option<SfId> {
        let t = self.access.get_mut(token)?;
        if t.dead || now - t.last_used > ttl {
            t.dead = true;
            return None;
        }
        t.last_used = now;
        Some(t.user.clone())
    }
    pub fn expire_all(&mut self) {
        self.access.values_mut().for_each(|t| t.dead = true);
    }
    /// Mint an access token directly (tests that skip the browser dance).
    pub fn mint_access(
        &mut self,
        org_id: &SfId,
        user: &SfId,
        now: OffsetDateTime,
        refresh: Option<String>,
    ) -> String {
        let token = format!("{}!{}", org_id.id15(), random(96));
        self.access.insert(
            token.clone(),
            AccessToken {
                user: user.clone(),
                last_used: now,
                refresh,
                dead: false,
            },
        );
        token
    }
    pub(super) fn mint_refresh(&mut self, user: &SfId, client_id: &str, scope: &str) -> String {
        let token = format!("5Aep861{}", random(80));
        let live_for_user: Vec<String> = self
            .grant_order
            .iter()
            .filter(|t| {
                self.refresh
                    .get(*t)
                    .is_some_and(|r| !r.dead && r.user == *user && r.client_id == client_id)
            })
            .cloned()
            .collect();
        if live_for_user.len() >= MAX_GRANTS {
            self.revoke_refresh(&live_for_user[0]);
        }
        self.refresh.insert(
            token.clone(),
            RefreshToken {
                user: user.clone(),
                client_id: client_id.to_owned(),
                scope: scope.to_owned(),
                dead: false,
            },
        );
        self.grant_order.push(token.clone());
        token
    }
    pub(super) fn revoke_refresh(&mut self, token: &str) {
        if let Some(r) = self.refresh.get_mut(token) {
            r.dead = true;
        }
        self.grant_order.retain(|t| t != token);
        for a in self
            .access
            .values_mut()
            .filter(|a| a.refresh.as_deref() == Some(token))
        {
            a.dead = true;
        }
    }
}

pub(super) fn random(len: usize) -> String {
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}
