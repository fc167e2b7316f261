//! Extractors whose rejections answer in the API's JSON error shape, and path parsing.

use crate::{AdminError, Edge};
use app::settings::AppSettings;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use domain::{AppId, Direction, ObjectKind};
use serde::de::DeserializeOwned;

/// `Json<T>` whose rejection is a 400 with the API's error body.
pub(crate) struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = AdminError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AdminError> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|axum::Json(v)| Body(v))
            .map_err(|e: JsonRejection| AdminError::InvalidInput(e.body_text()))
    }
}

/// `Query<T>` whose rejection is a 400 with the API's error body.
pub(crate) struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = AdminError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AdminError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Params(v))
            .map_err(|e: QueryRejection| AdminError::InvalidInput(e.body_text()))
    }
}

pub(crate) fn app_id(raw: &str) -> Result<AppId, AdminError> {
    AppId::parse(raw).map_err(|_| AdminError::UnknownApp(raw.to_owned()))
}

pub(crate) fn object(raw: &str) -> Result<ObjectKind, AdminError> {
    ObjectKind::parse(raw).ok_or_else(|| {
        AdminError::InvalidInput(format!(
            "unknown object {raw:?} (lead, account, opportunity, member)"
        ))
    })
}

pub(crate) fn direction(raw: &str) -> Result<Direction, AdminError> {
    match raw {
        "sf_to_jing" => Ok(Direction::SfToJing),
        "jing_to_sf" => Ok(Direction::JingToSf),
        _ => Err(AdminError::InvalidInput(format!(
            "unknown direction {raw:?} (sf_to_jing, jing_to_sf)"
        ))),
    }
}

/// The app's settings, or 404.
pub(crate) async fn load(state: &Edge, app: &AppId) -> Result<AppSettings, AdminError> {
    state
        .settings
        .get(app)
        .await?
        .ok_or_else(|| AdminError::UnknownApp(app.to_string()))
}

/// Save a configuration change made on `settings` as read at `sent_revision`: refused while
/// initialization runs (409 locked) or when someone saved in between (409 stale).
pub(crate) async fn save_config(
    state: &Edge,
    settings: AppSettings,
    sent_revision: Option<u64>,
) -> Result<AppSettings, AdminError> {
    if settings.locked() {
        return Err(AdminError::Locked);
    }
    save_revision_checked(state, settings, sent_revision).await
}

/// Save with the revision check only: for operational switches (on/off, notifications) that
/// must work even while initialization runs — an admin can always stop a bad run.
pub(crate) async fn save_revision_checked(
    state: &Edge,
    mut settings: AppSettings,
    sent_revision: Option<u64>,
) -> Result<AppSettings, AdminError> {
    if let Some(sent) = sent_revision
        && sent != settings.revision
    {
        return Err(AdminError::StaleRevision {
            sent,
            current: settings.revision,
        });
    }
    settings.revision += 1;
    state.settings.put(&settings).await?;
    Ok(settings)
}

/// Paging limits of every listing.
pub(crate) const MAX_LIMIT: u64 = 200;
pub(crate) const DEFAULT_LIMIT: u64 = 20;

pub(crate) fn limit(raw: Option<u64>) -> Result<u64, AdminError> {
    match raw.unwrap_or(DEFAULT_LIMIT) {
        0 => Err(AdminError::InvalidInput("limit must be at least 1".into())),
        n if n > MAX_LIMIT => Err(AdminError::InvalidInput(format!(
            "limit must be at most {MAX_LIMIT}"
        ))),
        n => Ok(n),
    }
}
