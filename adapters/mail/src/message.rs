//! Turning a [`Mail`] into a MIME message: plain text with an HTML alternative.

use djcrm_domain::ports::{Mail, MailError};
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};

/// Who mail comes from, and the domain its message ids are made in.
#[derive(Debug, Clone)]
pub struct Sender {
    from: Mailbox,
    domain: String,
}

impl Sender {
    /// The sender `from` (`"DJ CRM <crm@example.com>"` or a bare address).
    ///
    /// # Errors
    /// [`MailError::Rejected`] when `from` is not a mailbox.
    pub fn parse(from: &str) -> Result<Self, MailError> {
        let from: Mailbox = from.parse().map_err(|e| MailError::Rejected {
            context: format!("the sender {from:?} is not a mailbox"),
            source: Some(Box::new(e)),
        })?;
        let domain = from.email.domain().to_owned();
        Ok(Self { from, domain })
    }

    /// `mail` as a message with a new `Message-ID`, and that id.
    pub(crate) fn message(&self, mail: &Mail) -> Result<(Message, String), MailError> {
        let rejected =
            |context: &str, e: Box<dyn std::error::Error + Send + Sync>| MailError::Rejected {
                context: context.to_owned(),
                source: Some(e),
            };
        let address = mail
            .to
            .as_str()
            .parse()
            .map_err(|e| rejected("the recipient's address", Box::new(e)))?;
        let id = format!("<{}@{}>", uuid::Uuid::new_v4().simple(), self.domain);
        let message = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(mail.to_name.clone(), address))
            .subject(&mail.subject)
            .message_id(Some(id.clone()))
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|e| rejected("building the message", Box::new(e)))?;
        Ok((message, id))
    }
}
