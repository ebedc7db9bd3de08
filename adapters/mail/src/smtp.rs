//! Delivery through an SMTP server.

use std::time::Duration;

use djcrm_domain::ports::{Mail, MailError, Mailer};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::Sender;

/// Sends through the SMTP server of a URL: `smtp://host:port` (plain, for a relay
/// on the same host), `smtp://host:587?tls=required` (STARTTLS) or
/// `smtps://host:465` (TLS), with `user:password@` when it wants a login.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    sender: Sender,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer").finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for the server at `url`, giving up on a call after `timeout`.
    ///
    /// # Errors
    /// [`MailError::Rejected`] when the URL is not an SMTP URL.
    pub fn new(url: &str, timeout: Duration, sender: Sender) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::Rejected {
                context: "the SMTP URL".to_owned(),
                source: Some(Box::new(e)),
            })?
            .timeout(Some(timeout))
            .build();
        Ok(Self { transport, sender })
    }

    /// Connects to the server and says NOOP: whether mail could go out now.
    ///
    /// # Errors
    /// [`MailError::Transient`] when the server cannot be reached or refuses.
    pub async fn check(&self) -> Result<(), MailError> {
        match self.transport.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(MailError::Transient {
                context: "the SMTP server did not answer NOOP".to_owned(),
                source: None,
            }),
            Err(e) => Err(MailError::Transient {
                context: "connecting to the SMTP server".to_owned(),
                source: Some(Box::new(e)),
            }),
        }
    }
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<String, MailError> {
        let (message, id) = self.sender.message(mail)?;
        match self.transport.send(message).await {
            Ok(_) => Ok(id),
            // A 5xx answer: the server will refuse this message every time.
            Err(e) if e.is_permanent() => Err(MailError::Rejected {
                context: "the SMTP server refused the message".to_owned(),
                source: Some(Box::new(e)),
            }),
            Err(e) => Err(MailError::Transient {
                context: "delivering to the SMTP server".to_owned(),
                source: Some(Box::new(e)),
            }),
        }
    }
}
