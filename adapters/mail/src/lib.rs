//! The [`Mailer`](djcrm_domain::ports::Mailer) adapters: [`SmtpMailer`] delivers
//! through an SMTP server (lettre); [`FileMailer`] writes each message to a folder
//! as an RFC 5322 `.eml` file, for the embedded default and for tests.

mod file;
mod message;
mod smtp;

pub use file::FileMailer;
pub use message::Sender;
pub use smtp::SmtpMailer;
