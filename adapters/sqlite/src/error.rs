//! sqlx errors, translated. Nothing of SQL leaves this crate except as
//! [`DomainError::Storage`] text for logs.

use djcrm_domain::DomainError;

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The database URL does not parse.
    #[error("invalid SQLite URL: {0}")]
    Url(String),
    /// The database file could not be opened or created.
    #[error("cannot open the SQLite database: {0}")]
    Open(String),
    /// The schema could not be migrated.
    #[error("cannot migrate the SQLite database: {0}")]
    Migrate(String),
}

pub fn storage(error: sqlx::Error) -> DomainError {
    DomainError::Storage(error.to_string())
}

/// A unique-constraint violation becomes a conflict on `field`; anything else is a
/// storage failure.
pub fn conflict_on(field: &'static str, message: &str) -> impl FnOnce(sqlx::Error) -> DomainError {
    let message = message.to_owned();
    move |error| match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            DomainError::Conflict { field, message }
        }
        _ => storage(error),
    }
}

/// A foreign-key violation means a referenced record does not exist.
pub fn missing_reference(entity: &'static str) -> impl FnOnce(sqlx::Error) -> DomainError {
    move |error| match &error {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            DomainError::not_found(entity)
        }
        _ => storage(error),
    }
}

/// A row that no longer satisfies the domain's rules (hand-edited, or corrupt).
pub fn corrupt(what: &str, detail: impl std::fmt::Display) -> DomainError {
    DomainError::Storage(format!("stored {what} is invalid: {detail}"))
}
