//! [`Mailer`] that writes each mail as an RFC 5322 `.eml` file in a directory (the embedded
//! default until SMTP is configured; open the files with any mail client).

use app::contract::Outbox;
use app::ports::{Mail, MailError, Mailer};
use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

pub struct LocalMailer {
    dir: PathBuf,
    from: String,
    counter: AtomicU64,
}

const BOUNDARY: &str = "=_jingsf_alternative";

impl LocalMailer {
    /// Mails go to `dir` (created if missing).
    pub fn new(dir: impl AsRef<Path>, from: &str) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir.as_ref())?;
        Ok(Self {
            dir: dir.as_ref().to_owned(),
            from: from.to_owned(),
            counter: AtomicU64::new(0),
        })
    }

    /// Every `.eml` file in the directory, decoded, oldest first.
    pub fn read_all(&self) -> std::io::Result<Vec<Mail>> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| std::fs::read_to_string(p).map(|raw| parse_eml(&raw)))
            .collect()
    }

    fn next_name(&self) -> String {
        let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("{now:024}-{n:06}")
    }
}

/// Header values must be one line: a CR or LF would let a value inject headers.
fn one_line(what: &str, v: &str) -> Result<(), MailError> {
    if v.contains(['\r', '\n']) {
        return Err(MailError::Rejected(format!("{what} contains a line break")));
    }
    Ok(())
}

fn encoded_word(s: &str) -> String {
    if s.is_ascii() {
        s.to_owned()
    } else {
        format!("=?UTF-8?B?{}?=", B64.encode(s))
    }
}

fn base64_lines(s: &str) -> String {
    let encoded = B64.encode(s);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect();
    lines.join("\r\n")
}

fn render(mail: &Mail, from: &str) -> String {
    let date = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc2822)
        .unwrap_or_default();
    let part = |ty: &str, body: &str| {
        format!(
            "--{BOUNDARY}\r\nContent-Type: {ty}; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            base64_lines(body)
        )
    };
    format!(
        "From: {from}\r\nTo: {}\r\nSubject: {}\r\nDate: {date}\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/alternative; boundary=\"{BOUNDARY}\"\r\n\r\n{}{}--{BOUNDARY}--\r\n",
        mail.to,
        encoded_word(&mail.subject),
        part("text/plain", &mail.text),
        part("text/html", &mail.html),
    )
}

/// Read back a file this mailer wrote (not a general MIME parser).
fn parse_eml(raw: &str) -> Mail {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let header = |name: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(": ")))
            .unwrap_or("")
            .to_owned()
    };
    let subject = header("Subject");
    let subject = subject
        .strip_prefix("=?UTF-8?B?")
        .and_then(|s| s.strip_suffix("?="))
        .and_then(|b| B64.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or(subject);
    let part = |ty: &str| {
        body.split(&format!("--{BOUNDARY}"))
            .find(|p| p.contains(&format!("Content-Type: {ty};")))
            .and_then(|p| p.split_once("\r\n\r\n"))
            .and_then(|(_, b64)| B64.decode(b64.replace("\r\n", "").trim()).ok())
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default()
    };
    Mail {
        to: header("To"),
        subject,
        text: part("text/plain"),
        html: part("text/html"),
    }
}

#[async_trait]
impl Mailer for LocalMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        one_line("recipient", &mail.to)?;
        one_line("subject", &mail.subject)?;
        if !mail.to.contains('@') {
            return Err(MailError::Rejected(format!(
                "{:?} is not an e-mail address",
                mail.to
            )));
        }
        let name = self.next_name();
        let (tmp, fin) = (
            self.dir.join(format!("{name}.tmp")),
            self.dir.join(format!("{name}.eml")),
        );
        let write = || -> std::io::Result<()> {
            std::fs::write(&tmp, render(mail, &self.from))?;
            std::fs::rename(&tmp, &fin) // whole files only: readers never see half a mail
        };
        write().map_err(|e| MailError::Unavailable(format!("cannot write {}: {e}", fin.display())))
    }
}

#[async_trait]
impl Outbox for LocalMailer {
    async fn delivered(&self) -> Vec<Mail> {
        self.read_all().unwrap_or_default()
    }
}
