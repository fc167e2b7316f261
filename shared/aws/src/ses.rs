//! SES v2 mailer. Content is rendered by our code (SES templates would need template resources
//! per language, and moto does not implement them) and sent either as `Simple` content (SES
//! builds the MIME) or as `Raw` MIME we build (`multipart/alternative`, base64 UTF-8 parts).
//! Both are plain SES v2 SendEmail; Raw also lets tests read back exactly what was sent (moto
//! keeps only the html part of a Simple mail).

use crate::error::code_of;
use app::ports::{Mail, MailError, Mailer};
use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::DisplayErrorContext;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message, RawMessage};

/// Codes after which resending the same mail cannot succeed: fix the address or the identity.
const REJECTED_CODES: &[&str] = &[
    "MessageRejected",
    "MailFromDomainNotVerifiedException",
    "AccountSuspendedException",
    "SendingPausedException",
    "BadRequestException",
    "NotFoundException",
];

/// How the mail body travels to SES.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MailFormat {
    /// `Content.Simple`: subject, text and html; SES builds the MIME.
    #[default]
    Simple,
    /// `Content.Raw`: our own `multipart/alternative` MIME.
    Raw,
}

/// [`Mailer`] on SES v2.
#[derive(Debug, Clone)]
pub struct SesMailer {
    client: Client,
    sender: String,
    format: MailFormat,
}

fn utf8(text: &str) -> Result<Content, MailError> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .map_err(|e| MailError::Rejected(format!("mail content: {e}")))
}

fn simple(mail: &Mail) -> Result<EmailContent, MailError> {
    let body = Body::builder()
        .text(utf8(&mail.text)?)
        .html(utf8(&mail.html)?)
        .build();
    let message = Message::builder()
        .subject(utf8(&mail.subject)?)
        .body(body)
        .build();
    Ok(EmailContent::builder().simple(message).build())
}

fn raw(sender: &str, mail: &Mail) -> Result<EmailContent, MailError> {
    let boundary = format!("=_jingsf_{:016x}", rand::random::<u64>());
    let mime = crate::mime::multipart(
        sender,
        &mail.to,
        &mail.subject,
        &mail.text,
        &mail.html,
        &boundary,
    );
    let message = RawMessage::builder()
        .data(Blob::new(mime.into_bytes()))
        .build()
        .map_err(|e| MailError::Rejected(format!("raw message: {e}")))?;
    Ok(EmailContent::builder().raw(message).build())
}

/// A recipient that could not be an address, or that would inject headers into a raw mail.
fn check_recipient(to: &str) -> Result<(), MailError> {
    if to.trim().is_empty() || !to.contains('@') || to.contains(['\r', '\n']) {
        return Err(MailError::Rejected(
            "recipient address is not an e-mail address".into(),
        ));
    }
    Ok(())
}

impl SesMailer {
    pub fn new(client: Client, sender: impl Into<String>) -> Self {
        Self {
            client,
            sender: sender.into(),
            format: MailFormat::Simple,
        }
    }

    pub fn with_format(mut self, format: MailFormat) -> Self {
        self.format = format;
        self
    }
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        check_recipient(&mail.to)?;
        let content = match self.format {
            MailFormat::Simple => simple(mail)?,
            MailFormat::Raw => raw(&self.sender, mail)?,
        };
        let out = self
            .client
            .send_email()
            .from_email_address(&self.sender)
            .destination(Destination::builder().to_addresses(&mail.to).build())
            .content(content)
            .send()
            .await;
        match out {
            Ok(_) => Ok(()),
            Err(e) => {
                let text = format!("SendEmail: {}", DisplayErrorContext(&e));
                if code_of(&e).is_some_and(|c| REJECTED_CODES.contains(&c)) {
                    Err(MailError::Rejected(text))
                } else {
                    Err(MailError::Unavailable(text))
                }
            }
        }
    }
}

/// Verify the sender identity (a domain or an address). Real SES then waits for DNS or a click;
/// moto counts it as verified at once. For local development and tests.
pub async fn ensure_identity(client: &Client, identity: &str) -> Result<(), MailError> {
    match client
        .create_email_identity()
        .email_identity(identity)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if code_of(&e) == Some("AlreadyExistsException") => Ok(()),
        Err(e) => Err(MailError::Unavailable(format!(
            "CreateEmailIdentity: {}",
            DisplayErrorContext(&e)
        ))),
    }
}
