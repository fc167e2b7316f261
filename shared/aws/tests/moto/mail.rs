//! The shared mailer contract on SES v2 (moto), reading what was sent from moto's data.json.

use crate::common::{Moto, moto, unique};
use app::contract::{self, Outbox};
use app::ports::{Mail, MailError, Mailer};
use async_trait::async_trait;
use aws::ses::{MailFormat, SesMailer, ensure_identity};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// A sender of its own per test (the verified domain covers every address in it).
async fn sender(m: &Moto) -> String {
    ensure_identity(&m.clients.ses, "example.com")
        .await
        .unwrap();
    format!("{}@example.com", unique("digest"))
}

/// Raw mails moto received from one sender, decoded back into [`Mail`]s.
struct MotoOutbox<'a> {
    moto: &'a Moto,
    sender: String,
}

#[async_trait]
impl Outbox for MotoOutbox<'_> {
    async fn delivered(&self) -> Vec<Mail> {
        let data = self.moto.data_json().await;
        let mut mails = Vec::new();
        for m in messages(&data["ses"]["RawMessage"]) {
            if m["source"] == self.sender.as_str() {
                mails.push(parse_mime(m["raw_data"].as_str().expect("raw_data")));
            }
        }
        mails
    }
}

/// moto 5.2 keeps a flat list; older versions nest it under account and region.
fn messages(v: &serde_json::Value) -> Vec<&serde_json::Value> {
    match v {
        serde_json::Value::Array(items) => items.iter().collect(),
        serde_json::Value::Object(map) => map.values().flat_map(messages).collect(),
        _ => Vec::new(),
    }
}

fn header<'a>(head: &'a str, name: &str) -> &'a str {
    let start = head
        .find(&format!("{name}: "))
        .unwrap_or_else(|| panic!("no {name} in {head}"));
    let rest = &head[start + name.len() + 2..];
    // Folded lines continue with a space.
    let mut end = 0;
    for line in rest.split_inclusive("\r\n") {
        if end > 0 && !line.starts_with(' ') {
            break;
        }
        end += line.len();
    }
    rest[..end].trim_end()
}

fn decode_words(value: &str) -> String {
    value
        .split("\r\n ")
        .map(|w| {
            match w
                .strip_prefix("=?UTF-8?B?")
                .and_then(|w| w.strip_suffix("?="))
            {
                Some(b64) => String::from_utf8(STANDARD.decode(b64).unwrap()).unwrap(),
                None => w.to_owned(),
            }
        })
        .collect()
}

fn parse_mime(raw: &str) -> Mail {
    let (head, body) = raw.split_once("\r\n\r\n").expect("headers end");
    let content_type = header(head, "Content-Type");
    let boundary = content_type
        .split("boundary=\"")
        .nth(1)
        .and_then(|b| b.split('"').next())
        .unwrap();
    let delimiter = format!("--{boundary}");
    let mut parts = body
        .split(&delimiter)
        .skip(1)
        .filter(|p| !p.starts_with("--"));
    let mut decode_part = |kind: &str| {
        let part = parts.next().unwrap_or_else(|| panic!("no {kind} part"));
        let (part_head, content) = part
            .trim_start_matches("\r\n")
            .split_once("\r\n\r\n")
            .unwrap();
        assert!(part_head.contains(kind), "{part_head}");
        let b64: String = content.split("\r\n").collect();
        String::from_utf8(STANDARD.decode(b64).unwrap()).unwrap()
    };
    let text = decode_part("text/plain");
    let html = decode_part("text/html");
    Mail {
        to: header(head, "To").to_owned(),
        subject: decode_words(header(head, "Subject")),
        text,
        html,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ses_mailer_passes_the_contract_with_raw_mime() {
    let m = moto().await;
    let from = sender(&m).await;
    let mailer = SesMailer::new(m.clients.ses.clone(), &from).with_format(MailFormat::Raw);
    contract::mailer(
        &mailer,
        &MotoOutbox {
            moto: &m,
            sender: from,
        },
    )
    .await;
}

/// moto keeps subject, recipient and the html part of a Simple mail (not the text part).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simple_mail_arrives_with_subject_recipient_and_html() {
    let m = moto().await;
    let from = sender(&m).await;
    let mailer = SesMailer::new(m.clients.ses.clone(), &from);
    let mail = Mail {
        to: "admin@example.cn".into(),
        subject: "同步错误摘要: 2 条失败".into(),
        text: "2 条失败".into(),
        html: "<p>2 条失败</p>".into(),
    };
    mailer.send(&mail).await.unwrap();
    let data = m.data_json().await;
    let found: Vec<_> = messages(&data["ses"]["Message"])
        .into_iter()
        .filter(|x| x["source"] == from.as_str())
        .collect();
    assert_eq!(found.len(), 1, "exactly our mail: {found:?}");
    assert_eq!(found[0]["subject"], mail.subject.as_str());
    assert_eq!(found[0]["body"], mail.html.as_str());
    assert_eq!(
        found[0]["destinations"]["ToAddresses"][0],
        "admin@example.cn"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unverified_sender_is_rejected() {
    let m = moto().await;
    let mailer = SesMailer::new(
        m.clients.ses.clone(),
        format!("{}@not-verified.invalid", unique("x")),
    );
    let mail = Mail {
        to: "a@example.cn".into(),
        subject: "s".into(),
        text: "t".into(),
        html: "h".into(),
    };
    let err = mailer.send(&mail).await.unwrap_err();
    assert!(matches!(err, MailError::Rejected(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recipient_with_a_line_break_is_refused_before_any_call() {
    let m = moto().await;
    let from = sender(&m).await;
    m.counter.reset();
    let mailer = SesMailer::new(m.clients.ses.clone(), &from).with_format(MailFormat::Raw);
    let mail = Mail {
        to: "a@example.cn\r\nBcc: all@evil.example".into(),
        subject: "s".into(),
        text: "t".into(),
        html: "h".into(),
    };
    assert!(matches!(
        mailer.send(&mail).await,
        Err(MailError::Rejected(_))
    ));
    assert_eq!(m.counter.total(), 0, "nothing reached SES");
}
