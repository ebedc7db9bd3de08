//! What the SQL stores (SQLite, PostgreSQL) share: row types whose `FromRow` works
//! on either database, their checked conversion into domain records, and the
//! translation of sqlx errors. Nothing of SQL leaves a store except as
//! [`DomainError::Storage`] text for logs.

pub mod binds;
pub mod rows;

use djcrm_domain::DomainError;

/// Any sqlx failure, as a storage error.
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

/// Escapes `%`, `_` and `\` so user text matches literally in `LIKE ... ESCAPE '\'`.
#[must_use]
pub fn like_literal(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_literal(r"50%_a\b"), r"50\%\_a\\b");
    }
}
