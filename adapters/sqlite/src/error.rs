//! Why the store could not be opened.

/// Why the store could not be opened. Each variant reads as one line an operator
/// can act on.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The database URL does not parse.
    #[error("invalid SQLite URL: {0}")]
    Url(#[source] sqlx::Error),
    /// The file cannot be opened or created.
    #[error("cannot open the SQLite database: {0}")]
    Open(#[source] sqlx::Error),
    /// A migration failed, or the database is newer than this binary.
    #[error("cannot migrate the SQLite database: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}
