//! The one mailer, over lettre: `smtp` (real SMTP, TLS per the URL: `smtp://` with
//! STARTTLS if offered, `smtps://` implicit TLS, `?tls=required`…), `file` (`.eml` files
//! for development) or `stub` (kept in memory, read by tests).

pub mod outbox;

use std::sync::{Arc, Mutex};

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::{MailSettings, MailTransport};

/// An e-mail ready to send: text and HTML parts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
    Stub(Arc<Mutex<Vec<Email>>>),
}

impl Mailer {
    pub fn from_settings(settings: &MailSettings) -> anyhow::Result<Mailer> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("adresse d'expéditeur invalide ({}) : {e}", settings.from))?;
        let transport = match settings.transport {
            MailTransport::Smtp => {
                let url = settings.smtp_url.expose_secret();
                anyhow::ensure!(!url.is_empty(), "mail.transport = smtp demande mail.smtp_url");
                Transport::Smtp(AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.build())
            }
            MailTransport::File => {
                std::fs::create_dir_all(&settings.dir)?;
                Transport::File(AsyncFileTransport::<Tokio1Executor>::new(&settings.dir))
            }
            MailTransport::Stub => Transport::Stub(Arc::default()),
        };
        Ok(Mailer { from, transport })
    }

    /// A stub mailer whose deliveries tests read with [`Mailer::sent`].
    pub fn stub() -> Mailer {
        Mailer {
            from: "Clausier <ne-pas-repondre@clausier.local>".parse().expect("static address"),
            transport: Transport::Stub(Arc::default()),
        }
    }

    /// What a stub mailer delivered (empty for other transports).
    pub fn sent(&self) -> Vec<Email> {
        match &self.transport {
            Transport::Stub(sent) => sent.lock().map(|s| s.clone()).unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    pub async fn send(&self, email: &Email) -> anyhow::Result<()> {
        if let Transport::Stub(sent) = &self.transport {
            sent.lock().map_err(|_| anyhow::anyhow!("stub mailer poisoned"))?.push(email.clone());
            return Ok(());
        }
        let message = Message::builder()
            .from(self.from.clone())
            .to(email.to.parse()?)
            .subject(&email.subject)
            .multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.text.clone()))
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(email.html.clone())),
            )?;
        match &self.transport {
            Transport::Smtp(t) => {
                t.send(message).await?;
            }
            Transport::File(t) => {
                t.send(message).await?;
            }
            Transport::Stub(_) => unreachable!("handled above"),
        }
        Ok(())
    }
}

/// Renders the e-mail `emails/<name>/` — `subject.txt`, `body.txt`, `body.html` — for `to`.
pub fn compose(templates: &tera::Tera, name: &str, to: &str, context: &tera::Context) -> Result<Email, tera::Error> {
    let part = |file: &str| templates.render(&format!("emails/{name}/{file}"), context);
    Ok(Email {
        to: to.to_string(),
        subject: part("subject.txt")?.split_whitespace().collect::<Vec<_>>().join(" "),
        text: part("body.txt")?,
        html: part("body.html")?,
    })
}
