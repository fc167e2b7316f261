//! The digest mail's bodies (plain text and HTML side by side), from the status read models.
//! Every text taken from records passes through [`redact_contacts`]; HTML is escaped.

use super::{RootCause, escape_html, redact_contacts};
use crate::ports::{ErrorRecord, Mail};
use crate::settings::{AppSettings, Pause};
use domain::datetime::format_jing;
use domain::{Category, Direction, Lang};
use std::fmt::Write as _;
use time::OffsetDateTime;

/// Root causes listed in one mail; the rest are counted in one line.
pub const MAX_CAUSES: usize = 20;

/// What one digest mail says.
pub struct DigestContent<'a> {
    pub settings: &'a AppSettings,
    pub errors: &'a [ErrorRecord],
    pub causes: &'a [RootCause],
    pub newly: u64,
    pub since: OffsetDateTime,
    pub pauses: &'a [&'a Pause],
    pub now: OffsetDateTime,
}

/// The plain-text and HTML bodies, written side by side.
#[derive(Default)]
struct Body {
    text: String,
    html: String,
}

impl Body {
    fn heading(&mut self, s: &str) {
        let _ = writeln!(self.text, "\n{s}:");
        let _ = write!(self.html, "<h3>{}</h3>", escape_html(s));
    }
    /// One list entry: a bold head and its lines.
    fn entry(&mut self, head: &str, lines: &[String]) {
        let _ = writeln!(self.text, "* {head}");
        let _ = write!(self.html, "<p><b>{}</b>", escape_html(head));
        for l in lines {
            let _ = writeln!(self.text, "  {l}");
            let _ = write!(self.html, "<br>{}", escape_html(l));
        }
        self.html.push_str("</p>");
    }
}

fn both(cat: Category) -> String {
    format!("{} / {}", cat.label(Lang::Zh), cat.label(Lang::En))
}

impl DigestContent<'_> {
    pub fn mail(&self, to: &str) -> Mail {
        let name = redact_contacts(&self.settings.name);
        let n = self.errors.len();
        let mut subject = format!("[JING ⇄ Salesforce] {name}:");
        if n > 0 {
            let _ = write!(subject, " {n} 条记录同步失败 / {n} records failed to sync");
        }
        if !self.pauses.is_empty() {
            let p = self.pauses.len();
            let _ = write!(
                subject,
                " {p} 个同步方向已暂停 / {p} sync directions paused"
            );
        }
        let mut body = Body::default();
        let (zh, en) = self.summary();
        let _ = writeln!(
            body.text,
            "{name} — {} (UTC+8)\n\n{zh}\n{en}",
            format_jing(self.now)
        );
        let _ = write!(
            body.html,
            "<html><body><h2>{}</h2><p>{}<br>{}</p>",
            escape_html(&name),
            escape_html(&zh),
            escape_html(&en)
        );
        self.paused(&mut body);
        if n > 0 {
            self.by_category(&mut body);
            self.by_root_cause(&mut body);
        }
        body.html.push_str("</body></html>");
        Mail {
            to: to.to_owned(),
            subject,
            text: body.text,
            html: body.html,
        }
    }

    /// The opening sentence in both languages; the first digest has no "since".
    fn summary(&self) -> (String, String) {
        let (n, newly) = (self.errors.len(), self.newly);
        if self.since == OffsetDateTime::UNIX_EPOCH {
            return (
                format!("目前有 {n} 条记录同步失败。"),
                format!("{n} records are failing to sync."),
            );
        }
        let at = format!("{} (UTC+8)", format_jing(self.since));
        (
            format!("自 {at} 以来 {n} 条记录同步失败，其中 {newly} 条为新失败。"),
            format!("{n} records failed to sync since {at}; {newly} of them are newly failing."),
        )
    }

    fn paused(&self, body: &mut Body) {
        if self.pauses.is_empty() {
            return;
        }
        body.heading("已暂停的同步方向 / Paused sync directions");
        for p in self.pauses {
            let (from, to) = match p.direction {
                Direction::SfToJing => ("Salesforce", "JING"),
                Direction::JingToSf => ("JING", "Salesforce"),
            };
            let head = format!("[{}] {} {from} → {to}", both(p.reason.category()), p.object);
            body.entry(
                &head,
                &cause_and_fix(
                    &p.reason.cause(Lang::Zh),
                    &p.reason.cause(Lang::En),
                    &p.reason.fix(Lang::Zh),
                    &p.reason.fix(Lang::En),
                ),
            );
        }
    }

    fn by_category(&self, body: &mut Body) {
        body.heading("按类别 / By category");
        for cat in Category::ALL {
            let count = self
                .errors
                .iter()
                .filter(|e| e.error.category() == cat)
                .count();
            if count > 0 {
                let _ = writeln!(body.text, "- {}: {count}", both(cat));
                let _ = write!(body.html, "<p>{}: {count}</p>", escape_html(&both(cat)));
            }
        }
    }

    fn by_root_cause(&self, body: &mut Body) {
        body.heading("按根因 / By root cause");
        for c in self.causes.iter().take(MAX_CAUSES) {
            let head = format!(
                "[{}] {} 条记录 / {} records",
                both(c.category),
                c.count,
                c.count
            );
            let samples: Vec<String> = c
                .samples
                .iter()
                .map(|r| format!("{} ({})", redact_contacts(&r.name), r.record_key))
                .collect();
            let mut lines = cause_and_fix(&c.cause_zh, &c.cause_en, &c.fix_zh, &c.fix_en);
            lines.push(format!("示例 / Examples: {}", samples.join(", ")));
            body.entry(&head, &lines);
        }
        if self.causes.len() > MAX_CAUSES {
            let more = self.causes.len() - MAX_CAUSES;
            body.entry(&format!("另有 {more} 个根因，请在状态页查看 / {more} more root causes on the status page"), &[]);
        }
    }
}

fn cause_and_fix(cause_zh: &str, cause_en: &str, fix_zh: &str, fix_en: &str) -> Vec<String> {
    vec![
        format!("原因：{}", redact_contacts(cause_zh)),
        format!("Cause: {}", redact_contacts(cause_en)),
        format!("解决：{}", redact_contacts(fix_zh)),
        format!("Fix: {}", redact_contacts(fix_en)),
    ]
}
