//! sqlx errors, translated. Nothing of SQL leaves this crate except as
//! [`DomainError::Storage`] text for logs.

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

pub use djcrm_adapter_sql::{conflict_on, corrupt, missing_reference, storage};
