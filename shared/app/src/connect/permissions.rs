//! The permission pre-check (账号配置 → 前提条件): run at connect and on demand, its result kept
//! for the setup checklist. Describes are cached by the client, so a re-check costs at most one
//! call per object.

use crate::ports::{CursorStore, RemoteError, SalesforcePort};
use crate::settings::AppSettings;
use domain::{Category, Direction, ErrorCode, ObjectKind, ObjectSpec, SyncError};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Cursor key of the last [`PermissionCheck`].
pub const PERMISSIONS_KEY: &str = "setup:permissions";

/// The last permission pre-check of an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionCheck {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Every missing permission, each an API permission error with its fix; empty = all good.
    pub gaps: Vec<SyncError>,
}

impl PermissionCheck {
    pub async fn load(cursors: &dyn CursorStore, settings: &AppSettings) -> Option<Self> {
        let raw = cursors.get(&settings.app, PERMISSIONS_KEY).await.ok()??;
        serde_json::from_str(&raw).ok()
    }
}

/// Check and remember the result. A refusal that is itself a permission problem ("API
/// Enabled" missing, an object not visible) is a gap; other failures are returned.
pub async fn run_permission_check(
    sf: &dyn SalesforcePort,
    cursors: &dyn CursorStore,
    settings: &AppSettings,
    now: OffsetDateTime,
) -> Result<PermissionCheck, RemoteError> {
    let gaps = match check_permissions(sf, settings).await {
        Ok(gaps) => gaps,
        Err(e) if e.0.category() == Category::ApiPermission => vec![e.0],
        Err(e) => return Err(e),
    };
    let check = PermissionCheck { at: now, gaps };
    let raw = serde_json::to_string(&check).unwrap_or_default();
    if let Err(e) = cursors.put(&settings.app, PERMISSIONS_KEY, &raw).await {
        tracing::warn!(app_id = %settings.app, error = %e, "Could not save the permission check.");
    }
    Ok(check)
}

/// Objects readable/writable and every mapped field present and editable; read on User for
/// member matching. Each gap is an API permission error with the fix.
pub async fn check_permissions(
    sf: &dyn SalesforcePort,
    settings: &AppSettings,
) -> Result<Vec<SyncError>, RemoteError> {
    let mut gaps = Vec::new();
    for kind in [
        ObjectKind::Lead,
        ObjectKind::Account,
        ObjectKind::Opportunity,
        ObjectKind::Member,
    ] {
        let spec = ObjectSpec::of(kind);
        let describe = sf.describe(spec.sf_object).await?;
        let writes_sf = settings.direction_open(kind, Direction::JingToSf);
        if writes_sf && (!describe.createable || !describe.updateable) {
            gaps.push(
                SyncError::new(ErrorCode::ObjectNotAccessible)
                    .object(spec.sf_object)
                    .detail("edit"),
            );
        }
        let Some(obj) = settings.object(kind) else {
            continue;
        };
        for m in &obj.mapping {
            let ok = match describe.field(&m.sf_field) {
                Some(f) => !writes_sf || f.updateable || f.createable || m.sf_field == "Id",
                None => false,
            };
            if !ok {
                gaps.push(
                    SyncError::new(ErrorCode::FieldNotAccessible)
                        .object(spec.sf_object)
                        .field(&m.sf_field),
                );
            }
        }
    }
    Ok(gaps)
}
