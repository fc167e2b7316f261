//! The error digest (error-notifier): one mail per app per run with what is new since the last
//! digest — failing records grouped by category and root cause, and directions paused by a
//! safety stop — cause and fix in Chinese and English, never one mail per record.
//!
//! The watermark (CursorStore key [`WATERMARK_KEY`]) holds the newest `last_seen` the previous
//! mail covered and the pauses it announced; it advances only after the mail is sent, so a mail
//! failure resends next run. The body names records by name and id only: tokens never reach
//! it, and phone numbers and e-mail addresses are removed from every text taken from records.

use crate::ports::{CursorStore, ErrorStore, MailError, Mailer};
use crate::ports::{SettingsStore, StoreError};
use crate::settings::{AppSettings, Pause};
use crate::status::DigestContent;
use crate::status::group_root_causes;
use domain::{AppId, Direction, ErrorCode, ObjectKind};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// CursorStore key of the digest watermark.
pub const WATERMARK_KEY: &str = "digest";
pub use crate::status::MAX_CAUSES;

/// Ports of the digest.
#[derive(Clone, Copy)]
pub struct DigestDeps<'a> {
    pub settings: &'a dyn SettingsStore,
    pub errors: &'a dyn ErrorStore,
    pub cursors: &'a dyn CursorStore,
    pub mailer: &'a dyn Mailer,
}

/// Why one app's digest was not sent; the next run tries again (the watermark did not move).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("mail: {0}")]
    Mail(#[from] MailError),
}

/// What happened for one app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AppDigest {
    Sent {
        errors: u64,
        newly_failing: u64,
        root_causes: u64,
        new_pauses: u64,
    },
    NothingNew,
    /// Notifications are off, or no admin e-mail is set.
    NotConfigured,
    Failed {
        error: String,
    },
}

/// One run over every app.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DigestReport {
    pub apps: Vec<(AppId, AppDigest)>,
    pub mails_sent: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PauseKey {
    object: ObjectKind,
    direction: Direction,
    code: ErrorCode,
}

impl From<&Pause> for PauseKey {
    fn from(p: &Pause) -> Self {
        Self {
            object: p.object,
            direction: p.direction,
            code: p.reason.code,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Watermark {
    #[serde(with = "time::serde::rfc3339")]
    through: OffsetDateTime,
    /// Pauses already announced (a pause lifted and set again is announced again).
    #[serde(default)]
    pauses: Vec<PauseKey>,
}

/// Send each app's digest. One app's failure does not stop the others.
pub async fn send_digest(
    deps: &DigestDeps<'_>,
    now: OffsetDateTime,
) -> Result<DigestReport, DigestError> {
    let mut report = DigestReport::default();
    for settings in deps.settings.list().await? {
        let outcome = send_app_digest(deps, &settings, now)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(app_id = %settings.app, error = %e, "Error digest not sent; it will be retried.");
                AppDigest::Failed {
                    error: e.to_string(),
                }
            });
        report.mails_sent += u64::from(matches!(outcome, AppDigest::Sent { .. }));
        report.apps.push((settings.app, outcome));
    }
    Ok(report)
}

/// Send one app's digest if notifications are on and there is something new.
pub async fn send_app_digest(
    deps: &DigestDeps<'_>,
    settings: &AppSettings,
    now: OffsetDateTime,
) -> Result<AppDigest, DigestError> {
    let Some(to) = settings
        .admin_email
        .as_deref()
        .filter(|_| settings.notify_errors)
    else {
        return Ok(AppDigest::NotConfigured);
    };
    let app = &settings.app;
    let last = watermark(deps, app).await?;
    let errors = deps.errors.seen_since(app, last.through).await?;
    let current: Vec<PauseKey> = settings.paused.iter().map(PauseKey::from).collect();
    let pauses: Vec<&Pause> = settings
        .paused
        .iter()
        .filter(|p| !last.pauses.contains(&PauseKey::from(*p)))
        .collect();
    let next = Watermark {
        through: errors
            .iter()
            .map(|e| e.last_seen)
            .max()
            .unwrap_or(last.through),
        pauses: current,
    };
    if errors.is_empty() && pauses.is_empty() {
        if next != last {
            save(deps, app, &next).await?; // pauses were lifted: forget them
        }
        return Ok(AppDigest::NothingNew);
    }
    let causes = group_root_causes(&errors);
    let newly = errors
        .iter()
        .filter(|e| e.first_seen > last.through)
        .count() as u64;
    let content = DigestContent {
        settings,
        errors: &errors,
        causes: &causes,
        newly,
        since: last.through,
        pauses: &pauses,
        now,
    };
    deps.mailer.send(&content.mail(to)).await?;
    save(deps, app, &next).await?;
    tracing::info!(app_id = %app, errors = errors.len(), pauses = pauses.len(), "Sent the error digest.");
    Ok(AppDigest::Sent {
        errors: errors.len() as u64,
        newly_failing: newly,
        root_causes: causes.len() as u64,
        new_pauses: pauses.len() as u64,
    })
}

async fn watermark(deps: &DigestDeps<'_>, app: &AppId) -> Result<Watermark, DigestError> {
    match deps.cursors.get(app, WATERMARK_KEY).await? {
        None => Ok(Watermark {
            through: OffsetDateTime::UNIX_EPOCH,
            pauses: Vec::new(),
        }),
        Some(raw) => serde_json::from_str(&raw)
            .map_err(|e| StoreError::Corrupt(format!("digest watermark: {e}")).into()),
    }
}

async fn save(deps: &DigestDeps<'_>, app: &AppId, w: &Watermark) -> Result<(), DigestError> {
    let json = serde_json::to_string(w).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(deps.cursors.put(app, WATERMARK_KEY, &json).await?)
}
