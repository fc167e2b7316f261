//! Error digests by SMTP for the embedded server (STARTTLS or implicit TLS with a login, or plain
//! on loopback for a local relay). The message is the digest's text and HTML as one multipart.

use app::ports::{Mail, MailError, Mailer};
use async_trait::async_trait;
use lettre::message::MultiPart;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;

/// `[smtp]` in jingsf.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    /// `starttls` (default), `tls` (implicit, port 465) or `plain` (loopback relays only: refused
    /// for any other host).
    #[serde(default = "default_security")]
    pub security: String,
    pub from: String,
    #[serde(default)]
    pub username: Option<String>,
    /// Or the environment variable `JINGSF_SMTP_PASSWORD`.
    #[serde(default)]
    pub password: Option<String>,
}

fn default_port() -> u16 {
    587
}

fn default_security() -> String {
    "starttls".into()
}

/// `localhost`, `127.0.0.0/8`, `::1`: the connection never leaves this machine.
fn is_loopback(host: &str) -> bool {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl SmtpMailer {
    pub fn new(cfg: &SmtpConfig) -> Result<Self, String> {
        let from = cfg.from.parse().map_err(|e| format!("smtp.from: {e}"))?;
        let mut builder = match cfg.security.as_str() {
            "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host)
                .map_err(|e| e.to_string())?,
            "tls" => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.host).map_err(|e| e.to_string())?
            }
            // Unencrypted: the password and the digest would cross the network in clear text.
            "plain" if is_loopback(&cfg.host) => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host)
            }
            "plain" => {
                return Err(format!(
                    "smtp.security: plain is for a relay on this machine only, and {:?} is not a loopback host (use localhost, 127.0.0.1 or ::1, or security = starttls | tls)",
                    cfg.host
                ));
            }
            other => {
                return Err(format!(
                    "smtp.security: {other:?} is not starttls, tls or plain"
                ));
            }
        }
        .port(cfg.port);
        let password = cfg
            .password
            .clone()
            .or_else(|| std::env::var("JINGSF_SMTP_PASSWORD").ok());
        if let (Some(user), Some(password)) = (&cfg.username, password) {
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let to = mail
            .to
            .parse()
            .map_err(|e| MailError::Rejected(format!("recipient: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|e| MailError::Rejected(e.to_string()))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| {
                if e.is_permanent() {
                    MailError::Rejected(e.to_string())
                } else {
                    MailError::Unavailable(e.to_string())
                }
            })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    /// A loopback SMTP server that accepts one message and hands back its DATA.
    async fn one_message_server() -> (u16, tokio::task::JoinHandle<String>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            let (r, mut w) = socket.into_split();
            let mut lines = BufReader::new(r).lines();
            w.write_all(b"220 test ESMTP\r\n").await.unwrap();
            let mut data = String::new();
            let mut in_data = false;
            while let Some(line) = lines.next_line().await.unwrap() {
                if in_data {
                    if line == "." {
                        in_data = false;
                        w.write_all(b"250 queued\r\n").await.unwrap();
                    } else {
                        data.push_str(&line);
                        data.push('\n');
                    }
                    continue;
                }
                let upper = line.to_ascii_uppercase();
                let reply: &[u8] = if upper.starts_with("EHLO") {
                    b"250 test\r\n"
                } else if upper.starts_with("DATA") {
                    in_data = true;
                    b"354 go\r\n"
                } else if upper.starts_with("QUIT") {
                    w.write_all(b"221 bye\r\n").await.unwrap();
                    break;
                } else {
                    b"250 ok\r\n"
                };
                w.write_all(reply).await.unwrap();
            }
            data
        });
        (port, task)
    }

    #[tokio::test]
    async fn a_digest_goes_out_over_smtp_as_text_and_html() {
        let (port, server) = one_message_server().await;
        let cfg = SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            security: "plain".into(),
            from: "jingsf@acme.example".into(),
            username: None,
            password: None,
        };
        let mailer = SmtpMailer::new(&cfg).unwrap();
        let mail = Mail {
            to: "admin@acme.example".into(),
            subject: "JING ⇄ Salesforce: 3 new errors".into(),
            text: "3 records fail: value errors".into(),
            html: "<p>3 records fail</p>".into(),
        };
        mailer.send(&mail).await.unwrap();
        let data = server.await.unwrap();
        assert!(data.contains("To: admin@acme.example"), "{data}");
        assert!(data.contains("3 records fail: value errors"), "{data}");
        assert!(data.contains("text/html"), "{data}");
    }

    #[test]
    fn plain_smtp_only_reaches_loopback_hosts() {
        let cfg = |host: &str| SmtpConfig {
            host: host.into(),
            port: 25,
            security: "plain".into(),
            from: "a@b.cn".into(),
            username: Some("u".into()),
            password: Some("p".into()),
        };
        for host in ["localhost", "127.0.0.1", "127.8.9.10", "::1", "[::1]"] {
            assert!(SmtpMailer::new(&cfg(host)).is_ok(), "{host}");
        }
        for host in [
            "smtp.example.com",
            "10.0.0.5",
            "localhost.example.com",
            "0.0.0.0",
        ] {
            let err = SmtpMailer::new(&cfg(host)).err().unwrap();
            assert!(
                err.starts_with("smtp.security") && err.contains("loopback"),
                "{host}: {err}"
            );
        }
    }

    #[test]
    fn a_bad_security_mode_is_refused_with_its_key() {
        let cfg = SmtpConfig {
            host: "x".into(),
            port: 25,
            security: "ssl".into(),
            from: "a@b.cn".into(),
            username: None,
            password: None,
        };
        assert!(
            SmtpMailer::new(&cfg)
                .err()
                .unwrap()
                .starts_with("smtp.security")
        );
    }
}
