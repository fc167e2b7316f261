//! SES v2 mailer. Sends `Simple` content (text + html rendered by our code): SES templates
//! would need template resources per language, and moto does not implement them.

use crate::error::code_of;
use app::ports::{Mail, MailError, Mailer};
use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::DisplayErrorContext;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

/// Codes after which resending the same mail cannot succeed: fix the address or the identity.
const REJECTED_CODES: &[&str] = &[
    "MessageRejected",
    "MailFromDomainNotVerifiedException",
    "AccountSuspendedException",
    "SendingPausedException",
    "BadRequestException",
    "NotFoundException",
];

/// [`Mailer`] on SES v2.
#[derive(Debug, Clone)]
pub struct SesMailer {
    client: Client,
    sender: String,
}

fn utf8(text: &str) -> Result<Content, MailError> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .map_err(|e| MailError::Rejected(format!("mail content: {e}")))
}

fn content(mail: &Mail) -> Result<EmailContent, MailError> {
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

impl SesMailer {
    pub fn new(client: Client, sender: impl Into<String>) -> Self {
        Self {
            client,
            sender: sender.into(),
        }
    }
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        if mail.to.trim().is_empty() || !mail.to.contains('@') {
            return Err(MailError::Rejected(
                "recipient address is not an e-mail address".into(),
            ));
        }
        let out = self
            .client
            .send_email()
            .from_email_address(&self.sender)
            .destination(Destination::builder().to_addresses(&mail.to).build())
            .content(content(mail)?)
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
