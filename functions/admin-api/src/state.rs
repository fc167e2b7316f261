//! The admin state over the AWS adapters. The shared state has no Salesforce or JING clients
//! (one admin deployment serves many apps); `for_path` adds the clients of the app a call is
//! about. The Salesforce OAuth port is always set so connecting works.

use admin::AdminState;
use domain::AppId;
use kit::Kit;
use kit::remotes::SharedVault;
use secrecy::SecretString;
use std::sync::Arc;

pub fn admin_state(kit: &Kit, admin_token: SecretString) -> AdminState {
    let a = &kit.adapters;
    AdminState {
        settings: Arc::new(a.settings.clone()),
        bindings: Arc::new(a.bindings.clone()),
        errors: Arc::new(a.errors.clone()),
        sync_log: Arc::new(a.sync_log.clone()),
        ledger: Arc::new(a.ledger.clone()),
        quota: Arc::new(a.quota.clone()),
        parked: Arc::new(a.parked.clone()),
        queue: Arc::new(a.queue.clone()),
        cursors: Arc::new(a.cursors.clone()),
        vault: Arc::new(SharedVault(a.clone())),
        clock: kit.clock.clone(),
        salesforce: None,
        jing: None,
        auth: Some(Arc::new(kit.sf_auth())),
        admin_token,
    }
}

/// The state for one request: calls about a connected app (`/api/apps/{app}/...`) get that
/// app's Salesforce and JING clients, so members, mapping checks and retries work; other
/// calls (and apps not connected) use the shared state.
pub async fn for_path(kit: &Kit, base: &AdminState, path: &str) -> AdminState {
    let app = path
        .strip_prefix("/api/apps/")
        .and_then(|rest| rest.split('/').next())
        .and_then(|a| AppId::parse(a).ok());
    let Some(app) = app else { return base.clone() };
    let Ok(Some(settings)) = base.settings.get(&app).await else {
        return base.clone();
    };
    if settings.authorized.is_none() {
        return base.clone();
    }
    match kit.remotes(&settings).await {
        Ok(r) => {
            let mut state = base.clone();
            state.salesforce = Some(Arc::new(r.sf));
            state.jing = Some(Arc::new(r.jing));
            state
        }
        Err(e) => {
            tracing::warn!(app_id = %app, error = %e, "No clients for the app; admin calls that need them answer 503.");
            base.clone()
        }
    }
}
