//! The error digest (error-notifier): one mail per app per run with the errors that are new
//! since the last digest, grouped by category and root cause, cause and fix in Chinese and
//! English — never one mail per record.
//!
//! The watermark (CursorStore key [`WATERMARK_KEY`]) is the newest `last_seen` the previous
//! mail covered; it advances only after the mail is sent, so a mail failure resends next run.
//! The body names records by name and id only: tokens never reach it, and phone numbers and
//! e-mail addresses are removed from every text taken from records ([`redact_contacts`]).

use crate::ports::{
    CursorStore, ErrorRecord, ErrorStore, Mail, MailError, Mailer, SettingsStore, StoreError,
};
use crate::settings::AppSettings;
use crate::status::{RootCause, group_root_causes, redact_contacts};
use domain::datetime::format_jing;
use domain::{AppId, Category, Lang};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use time::OffsetDateTime;

/// CursorStore key of the digest watermark.
pub const WATERMARK_KEY: &str = "digest";
/// Root causes listed in one mail; the rest are counted in one line.
pub const MAX_CAUSES: usize = 20;

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

#[derive(Serialize, Deserialize)]
struct Watermark {
    #[serde(with = "time::serde::rfc3339")]
    through: OffsetDateTime,
}

/// Send each app's digest. One app's failure does not stop the others.
pub async fn send_digest(
    deps: &DigestDeps<'_>,
    now: OffsetDateTime,
) -> Result<DigestReport, DigestError> {
    let mut report = DigestReport::default();
    for settings in deps.settings.list().await? {
        let outcome = match send_app_digest(deps, &settings, now).await {
            Ok(o) => o,
            Err(e) => {
                tracing::warn!(app_id = %settings.app, error = %e, "Error digest not sent; it will be retried.");
                AppDigest::Failed {
                    error: e.to_string(),
                }
            }
        };
        if matches!(outcome, AppDigest::Sent { .. }) {
            report.mails_sent += 1;
        }
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
    let since = watermark(deps, app).await?;
    let errors = deps.errors.seen_since(app, since).await?;
    let Some(through) = errors.iter().map(|e| e.last_seen).max() else {
        return Ok(AppDigest::NothingNew);
    };
    let causes = group_root_causes(&errors);
    let newly = errors.iter().filter(|e| e.first_seen > since).count() as u64;
    let mail = compose(settings, to, &errors, &causes, newly, since, now);
    deps.mailer.send(&mail).await?;
    let mark = serde_json::to_string(&Watermark { through })
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    deps.cursors.put(app, WATERMARK_KEY, &mark).await?;
    tracing::info!(app_id = %app, errors = errors.len(), "Sent the error digest.");
    Ok(AppDigest::Sent {
        errors: errors.len() as u64,
        newly_failing: newly,
        root_causes: causes.len() as u64,
    })
}

async fn watermark(deps: &DigestDeps<'_>, app: &AppId) -> Result<OffsetDateTime, DigestError> {
    match deps.cursors.get(app, WATERMARK_KEY).await? {
        None => Ok(OffsetDateTime::UNIX_EPOCH),
        Some(raw) => serde_json::from_str::<Watermark>(&raw)
            .map(|w| w.through)
            .map_err(|e| StoreError::Corrupt(format!("digest watermark: {e}")).into()),
    }
}

fn compose(
    s: &AppSettings,
    to: &str,
    errors: &[ErrorRecord],
    causes: &[RootCause],
    newly: u64,
    since: OffsetDateTime,
    now: OffsetDateTime,
) -> Mail {
    let n = errors.len();
    let name = redact_contacts(&s.name);
    let subject =
        format!("[JING ⇄ Salesforce] {name}: {n} 条记录同步失败 / {n} records failed to sync");
    let mut text = String::new();
    let mut html = String::from("<html><body>");
    let (zh, en) = summary(n, newly, since);
    let _ = writeln!(
        text,
        "{name} — {} (UTC+8)\n\n{zh}\n{en}\n",
        format_jing(now)
    );
    let _ = write!(
        html,
        "<h2>{}</h2><p>{}<br>{}</p>",
        esc(&name),
        esc(&zh),
        esc(&en)
    );
    by_category(errors, &mut text, &mut html);
    by_root_cause(causes, &mut text, &mut html);
    html.push_str("</body></html>");
    Mail {
        to: to.to_owned(),
        subject,
        text,
        html,
    }
}

/// The opening sentence in both languages; the first digest has no "since".
fn summary(n: usize, newly: u64, since: OffsetDateTime) -> (String, String) {
    if since == OffsetDateTime::UNIX_EPOCH {
        return (
            format!("目前有 {n} 条记录同步失败。"),
            format!("{n} records are failing to sync."),
        );
    }
    let at = format!("{} (UTC+8)", format_jing(since));
    (
        format!("自 {at} 以来 {n} 条记录同步失败，其中 {newly} 条为新失败。"),
        format!("{n} records failed to sync since {at}; {newly} of them are newly failing."),
    )
}

fn by_category(errors: &[ErrorRecord], text: &mut String, html: &mut String) {
    let _ = writeln!(text, "按类别 / By category:");
    html.push_str("<h3>按类别 / By category</h3><ul>");
    for cat in Category::ALL {
        let count = errors.iter().filter(|e| e.error.category() == cat).count();
        if count > 0 {
            let label = format!("{} / {}", cat.label(Lang::Zh), cat.label(Lang::En));
            let _ = writeln!(text, "- {label}: {count}");
            let _ = write!(html, "<li>{}: {count}</li>", esc(&label));
        }
    }
    text.push('\n');
    html.push_str("</ul>");
}

fn by_root_cause(causes: &[RootCause], text: &mut String, html: &mut String) {
    let _ = writeln!(text, "按根因 / By root cause:");
    html.push_str("<h3>按根因 / By root cause</h3><ol>");
    for c in causes.iter().take(MAX_CAUSES) {
        let label = format!(
            "{} / {}",
            c.category.label(Lang::Zh),
            c.category.label(Lang::En)
        );
        let samples: Vec<String> = c
            .samples
            .iter()
            .map(|r| format!("{} ({})", redact_contacts(&r.name), r.record_key))
            .collect();
        let lines = [
            format!("原因：{}", redact_contacts(&c.cause_zh)),
            format!("Cause: {}", redact_contacts(&c.cause_en)),
            format!("解决：{}", redact_contacts(&c.fix_zh)),
            format!("Fix: {}", redact_contacts(&c.fix_en)),
            format!("示例 / Examples: {}", samples.join(", ")),
        ];
        let head = format!("[{label}] {} 条记录 / {} records", c.count, c.count);
        let _ = writeln!(text, "* {head}");
        let _ = write!(html, "<li><b>{}</b>", esc(&head));
        for l in &lines {
            let _ = writeln!(text, "  {l}");
            let _ = write!(html, "<br>{}", esc(l));
        }
        html.push_str("</li>");
    }
    if causes.len() > MAX_CAUSES {
        let more = causes.len() - MAX_CAUSES;
        let line = format!(
            "另有 {more} 个根因，请在状态页查看 / {more} more root causes on the status page"
        );
        let _ = writeln!(text, "{line}");
        let _ = write!(html, "<li>{}</li>", esc(&line));
    }
    html.push_str("</ol>");
}

/// Escape text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
