//! The file outbox: one `<id>.eml` per message in a folder.

use std::path::{Path, PathBuf};

use djcrm_domain::ports::{Mail, MailError, Mailer};

use crate::Sender;

/// Writes each message to `<folder>/<id>.eml` instead of sending it.
#[derive(Debug, Clone)]
pub struct FileMailer {
    folder: PathBuf,
    sender: Sender,
}

impl FileMailer {
    /// Mail from `sender` into `folder` (created when missing).
    #[must_use]
    pub fn new(folder: impl Into<PathBuf>, sender: Sender) -> Self {
        Self {
            folder: folder.into(),
            sender,
        }
    }

    /// Creates the folder if needed and writes (then removes) a file in it: whether
    /// mail could be written now.
    ///
    /// # Errors
    /// [`MailError::Transient`] when the folder cannot be created or written.
    pub async fn check(&self) -> Result<(), MailError> {
        tokio::fs::create_dir_all(&self.folder)
            .await
            .map_err(|e| unwritable(format!("creating {}", self.folder.display()), e))?;
        let probe = self.folder.join(".djcrm-check");
        tokio::fs::write(&probe, b"")
            .await
            .map_err(|e| unwritable(format!("writing in {}", self.folder.display()), e))?;
        let _ = tokio::fs::remove_file(&probe).await;
        Ok(())
    }

    /// The folder the messages go to.
    #[must_use]
    pub fn folder(&self) -> &Path {
        &self.folder
    }
}

fn unwritable(context: String, e: std::io::Error) -> MailError {
    MailError::Transient {
        context,
        source: Some(Box::new(e)),
    }
}

#[async_trait::async_trait]
impl Mailer for FileMailer {
    async fn send(&self, mail: &Mail) -> Result<String, MailError> {
        let (message, id) = self.sender.message(mail)?;
        let name = id.trim_matches(['<', '>']).replace('@', "_at_");
        let path = self.folder.join(format!("{name}.eml"));
        // Written beside its final name, then renamed: a reader of the folder
        // never sees half a message.
        let partial = self.folder.join(format!(".{name}.partial"));
        tokio::fs::create_dir_all(&self.folder)
            .await
            .map_err(|e| unwritable(format!("creating {}", self.folder.display()), e))?;
        tokio::fs::write(&partial, message.formatted())
            .await
            .map_err(|e| unwritable(format!("writing {}", partial.display()), e))?;
        tokio::fs::rename(&partial, &path)
            .await
            .map_err(|e| unwritable(format!("moving {}", path.display()), e))?;
        Ok(id)
    }
}
