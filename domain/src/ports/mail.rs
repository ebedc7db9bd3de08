//! Outgoing mail: invitations, assignment notices, password resets and digests.
//!
//! A [`Mailer`] hands one message to its transport (an SMTP server, or a folder of
//! `.eml` files on the embedded default). Sending is done by background jobs, which
//! retry on [`MailError::Transient`] and keep the job as failed on
//! [`MailError::Rejected`].

use crate::Email;

/// One message to one recipient: a plain-text body and the same in HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// Names this message: the same key always gives the same `Message-ID` (and
    /// file name in the file outbox), so a message sent again by a retried job is
    /// recognisably the same one. Letters, digits, `-` and `.`; anything else is
    /// replaced.
    pub key: String,
    /// The recipient's address.
    pub to: Email,
    /// The recipient's name, shown beside the address.
    pub to_name: Option<String>,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body, an alternative to the text.
    pub html: String,
}

/// Why a message was not handed over.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// It may go through later (the server is down, slow or busy): retry.
    #[error("mail could not be sent now: {context}")]
    Transient {
        /// What was being done.
        context: String,
        /// Why it failed.
        #[source]
        source: Option<crate::BoxError>,
    },
    /// It will never go through as it is (a malformed message, a refused
    /// recipient): do not retry.
    #[error("mail was refused: {context}")]
    Rejected {
        /// What was refused.
        context: String,
        /// Why.
        #[source]
        source: Option<crate::BoxError>,
    },
}

/// Sends mail.
#[cfg_attr(feature = "mocks", mockall::automock)]
#[async_trait::async_trait]
pub trait Mailer: Send + Sync {
    /// Hands `mail` to the transport; answers the message's `Message-ID`.
    async fn send(&self, mail: &Mail) -> Result<String, MailError>;
}
