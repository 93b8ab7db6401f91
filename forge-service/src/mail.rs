//! Sending notification e-mail over SMTP (`lettre`): the job's round
//! claims the messages due, has each one worded by the transport's
//! [`Compose`] (the text is in the recipient's language, which only the
//! transport knows how to say), sends it, and records the outcome. A
//! server that cannot be reached costs a retry later, never the change that
//! caused the message: messages are written by the notifications consumer,
//! and only this job touches the network.

use crate::outcomes::{self, Channel, Outcome};
use forge_core::clock::now_ms;
use forge_core::notification::mail::{self, Pending};
use forge_core::notification::verify;
use forge_core::{Db, Result};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::sync::Arc;
use std::time::Duration;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain text (a relay on the same machine).
    None,
    /// Plain, then upgraded by STARTTLS (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl Security {
    pub fn parse(text: &str) -> Option<Security> {
        match text {
            "none" => Some(Security::None),
            "starttls" => Some(Security::StartTls),
            "tls" => Some(Security::Tls),
            _ => None,
        }
    }
}

/// The `[mail]` settings.
#[derive(Clone, PartialEq, Eq)]
pub struct MailSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender, `Name <address>` or an address.
    pub from: String,
}

impl std::fmt::Debug for MailSettings {
    /// The password is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

/// A message in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Words a message for its recipient; `link` is the message's own link:
/// the one-click unsubscribe link of a notification, the link of a
/// verification message (`mail.kind` is [`mail::VERIFY_KIND`]), nothing
/// for a digest.
pub trait Compose: Send + Sync {
    fn compose(&self, mail: &Pending, link: &str) -> Composed;
}

/// What sends notification e-mail.
pub struct Mailer {
    settings: MailSettings,
    from: Mailbox,
    compose: Arc<dyn Compose>,
    /// The forge's public URL, for links.
    base_url: String,
    /// The host part of message ids.
    domain: String,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

/// Messages one round sends at most.
const ROUND: i64 = 50;

impl Mailer {
    pub fn new(
        settings: MailSettings,
        compose: Arc<dyn Compose>,
        base_url: &str,
    ) -> std::result::Result<Mailer, String> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| format!("[mail] from {:?} is not an address: {e}", settings.from))?;
        let tls = || {
            TlsParameters::new(settings.host.clone())
                .map_err(|e| format!("[mail] TLS for {}: {e}", settings.host))
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            .port(settings.port)
            .timeout(Some(Duration::from_secs(15)));
        builder = match settings.security {
            Security::None => builder.tls(Tls::None),
            Security::StartTls => builder.tls(Tls::Required(tls()?)),
            Security::Tls => builder.tls(Tls::Wrapper(tls()?)),
        };
        if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let base_url = base_url.trim_end_matches('/').to_string();
        let domain = base_url
            .split("://")
            .nth(1)
            .unwrap_or("forge.invalid")
            .split(['/', ':'])
            .next()
            .filter(|host| !host.is_empty())
            .unwrap_or("forge.invalid")
            .to_string();
        Ok(Mailer {
            transport: builder.build(),
            settings,
            from,
            compose,
            base_url,
            domain,
        })
    }

    pub fn settings(&self) -> &MailSettings {
        &self.settings
    }

    /// The message of `pending`: a notification threaded per issue with its
    /// one-click unsubscribe link, or a verification link, or a digest.
    async fn message(&self, db: &Db, pending: &Pending) -> Result<Result<Message, String>> {
        let to: Mailbox = match pending.email.parse() {
            Ok(to) => to,
            Err(e) => {
                return Ok(Err(format!(
                    "the address of {} is not valid: {e}",
                    pending.user_name
                )));
            }
        };
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .message_id(Some(format!("<mail-{}@{}>", pending.id, self.domain)));
        if pending.kind == mail::VERIFY_KIND {
            let token = verify::token(db, pending.user_id, &pending.email).await?;
            let link = format!("{}/-/verify-email/{token}", self.base_url);
            let words = self.compose.compose(pending, &link);
            return Ok(builder
                .subject(words.subject)
                .multipart(MultiPart::alternative_plain_html(words.text, words.html))
                .map_err(|e| format!("building a message: {e}")));
        }
        let token = mail::unsubscribe_token(db, pending.id).await?;
        let unsubscribe = format!("{}/-/unsubscribe/{token}", self.base_url);
        if pending.kind == mail::DIGEST_KIND {
            let words = self.compose.compose(pending, "");
            return Ok(builder
                .subject(words.subject)
                .multipart(MultiPart::alternative_plain_html(words.text, words.html))
                .map(|message| with_unsubscribe(message, &unsubscribe))
                .map_err(|e| format!("building a message: {e}")));
        }
        let words = self.compose.compose(pending, &unsubscribe);
        let thread = format!(
            "<issue-{}@{}>",
            pending.issue_id.map_or(0, |i| i.0),
            self.domain
        );
        Ok(builder
            .subject(words.subject)
            .in_reply_to(thread.clone())
            .references(thread)
            .multipart(MultiPart::alternative_plain_html(words.text, words.html))
            .map(|message| with_unsubscribe(message, &unsubscribe))
            .map_err(|e| format!("building a message: {e}")))
    }

    /// Sends what is due now; returns how many messages went out.
    pub async fn send_due(&self, db: &Db) -> Result<usize> {
        let mut sent = 0;
        for pending in mail::claim(db, now_ms(), ROUND).await? {
            let outcome = match self.message(db, &pending).await? {
                Ok(message) => self
                    .transport
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            match outcome {
                Ok(()) => {
                    mail::mark_sent(db, pending.id).await?;
                    outcomes::record(Channel::Email, Outcome::Delivered);
                    sent += 1;
                }
                Err(e) => {
                    tracing::warn!(message = pending.id, attempt = pending.attempts, error = %e, "sending a notification e-mail failed");
                    let gave_up = mail::mark_failed(db, pending.id, pending.attempts, &e).await?;
                    outcomes::record(
                        Channel::Email,
                        if gave_up {
                            Outcome::GaveUp
                        } else {
                            Outcome::Retrying
                        },
                    );
                }
            }
        }
        Ok(sent)
    }
}

/// Adds the one-click unsubscribe headers (RFC 2369 and RFC 8058) that
/// mail programs show as an "unsubscribe" button.
fn with_unsubscribe(mut message: Message, link: &str) -> Message {
    let headers = message.headers_mut();
    headers.insert_raw(HeaderValue::new(
        HeaderName::new_from_ascii_str("List-Unsubscribe"),
        format!("<{link}>"),
    ));
    headers.insert_raw(HeaderValue::new(
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click".to_string(),
    ));
    message
}
