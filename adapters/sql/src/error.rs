//! sqlx errors, translated once. The driver's error is kept as the source, so the
//! whole chain reaches the log line of the 500; nothing of SQL reaches a client.

use djcrm_domain::DomainError;

/// A failure while `context`, as a storage error keeping its cause.
pub fn storage(context: &'static str) -> impl FnOnce(sqlx::Error) -> DomainError {
    move |error| DomainError::storage(context, error)
}

/// A unique-constraint violation becomes a conflict on `field`; a foreign-key
/// violation means the organization (or another referenced record) is missing;
/// anything else is a storage failure.
pub fn on_insert(
    context: &'static str,
    field: &'static str,
    message: &'static str,
) -> impl FnOnce(sqlx::Error) -> DomainError {
    move |error| match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => DomainError::Conflict {
            field,
            message: message.to_owned(),
        },
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            DomainError::not_found("organization")
        }
        _ => DomainError::storage(context, error),
    }
}

/// A foreign-key violation while writing a lead: the category or agent it names was
/// removed after the use case checked it. A conflict the client can retry, not a 500.
pub fn on_lead_write(context: &'static str) -> impl FnOnce(sqlx::Error) -> DomainError {
    move |error| match &error {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => DomainError::Conflict {
            field: "lead",
            message: "a category or agent it names was removed meanwhile; try again".to_owned(),
        },
        _ => DomainError::storage(context, error),
    }
}

/// A stored value the domain refuses (hand-edited, or corrupt).
#[derive(Debug, thiserror::Error)]
#[error("stored {what} is invalid: {detail}")]
pub struct Corrupt {
    what: &'static str,
    detail: String,
}

/// A row that no longer satisfies the domain's rules.
pub fn corrupt(what: &'static str, detail: impl std::fmt::Display) -> DomainError {
    DomainError::storage(
        "reading a row",
        Corrupt {
            what,
            detail: detail.to_string(),
        },
    )
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
