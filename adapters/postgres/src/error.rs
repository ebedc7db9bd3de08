//! Why the store could not be opened.

/// Why the store could not be opened. Each variant reads as one line an operator
/// can act on.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The database URL does not parse.
    #[error("invalid PostgreSQL URL: {0}")]
    Url(#[source] sqlx::Error),
    /// The server is unreachable, refused the credentials, or has no such database.
    #[error("cannot connect to PostgreSQL: {0}")]
    Connect(#[source] sqlx::Error),
    /// The database holds migrations this binary does not know: it is newer.
    #[error("the database schema is newer than this binary ({0}); upgrade djcrm")]
    SchemaTooNew(String),
    /// A migration failed.
    #[error("cannot migrate the PostgreSQL database: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}
