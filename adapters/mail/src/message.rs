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

    /// `mail` as a message with the `Message-ID` its key gives, and that id.
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
        let id = format!("<{}@{}>", local_part(&mail.key), self.domain);
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

/// The key as the left of a `Message-ID`: its letters, digits, `-` and `.`, others
/// replaced by `-`; a fresh random one when the key is empty.
fn local_part(key: &str) -> String {
    if key.is_empty() {
        return uuid::Uuid::new_v4().simple().to_string();
    }
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::local_part;

    #[test]
    fn a_key_becomes_a_safe_local_part() {
        assert_eq!(local_part("mail-0193/x y@z"), "mail-0193-x-y-z");
        assert_eq!(local_part("").len(), 32);
    }
}
