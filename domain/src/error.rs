//! The one error type of the domain. It says *what* went wrong; mapping that to a
//! status code is the HTTP adapter's business alone.

use std::fmt;

use crate::LeadStatus;

/// One invalid input field and why it is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name as the caller spelled it (`email`, `first_name`, ...).
    pub field: String,
    /// A sentence a person can act on.
    pub message: String,
}

/// Every invalid field of one request, collected so a client can fix them at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors {
    errors: Vec<FieldError>,
}

impl ValidationErrors {
    /// An empty collection.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a failure of `field`.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Keeps the value of `result`, or records its error against `field`.
    pub fn check<T, E: fmt::Display>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.add(field, error.to_string());
                None
            }
        }
    }

    /// Like [`check`](Self::check) for an optional input: `None` stays `None`.
    pub fn check_optional<T, E: fmt::Display>(
        &mut self,
        field: &str,
        result: Option<Result<T, E>>,
    ) -> Option<Option<T>> {
        match result {
            None => Some(None),
            Some(result) => self.check(field, result).map(Some),
        }
    }

    /// True when no field failed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The failures, in the order they were found.
    #[must_use]
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// `Ok(())` when nothing failed, otherwise the collected failures as an error.
    ///
    /// # Errors
    /// [`DomainError::Validation`] when at least one field failed.
    pub fn into_result(self) -> Result<(), DomainError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Validation(self))
        }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for e in &self.errors {
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            write!(f, "{}: {}", e.field, e.message)?;
        }
        Ok(())
    }
}

impl From<FieldError> for ValidationErrors {
    fn from(error: FieldError) -> Self {
        Self {
            errors: vec![error],
        }
    }
}

/// What can go wrong in DJ CRM, independent of how it is stored or served.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The input broke a rule; every offending field is named.
    #[error("invalid input: {0}")]
    Validation(ValidationErrors),
    /// No such record in the caller's organization (another tenant's records are
    /// reported the same way, so their existence does not leak).
    #[error("{entity} not found")]
    NotFound {
        /// What was looked for (`lead`, `agent`, ...).
        entity: &'static str,
    },
    /// No valid credentials or token.
    #[error("authentication required")]
    Unauthenticated,
    /// The caller is known but their role does not allow this.
    #[error("not allowed: {0}")]
    Forbidden(&'static str),
    /// The change clashes with existing data (a taken email, a duplicate name).
    #[error("{message}")]
    Conflict {
        /// The field whose value clashes.
        field: &'static str,
        /// What clashes.
        message: String,
    },
    /// The pipeline does not allow this status change.
    #[error("a lead cannot move from {from} to {to}")]
    InvalidTransition {
        /// The lead's current status.
        from: LeadStatus,
        /// The requested status.
        to: LeadStatus,
    },
    /// The record changed since the version the caller based its change on.
    #[error("the record has changed since version {expected}")]
    PreconditionFailed {
        /// The version the caller expected.
        expected: i64,
    },
    /// Too many attempts (failed logins for one email, requests of one client): the
    /// caller must wait before trying again.
    #[error("too many attempts; retry in {retry_after_seconds} s")]
    RateLimited {
        /// Seconds until an attempt is allowed again.
        retry_after_seconds: u32,
    },
    /// The server is at capacity for this kind of work (password hashing); the
    /// request was not started and can be retried shortly.
    #[error("busy {what}; retry in {retry_after_seconds} s")]
    Busy {
        /// What is at capacity.
        what: &'static str,
        /// Seconds after which a retry is likely to be served.
        retry_after_seconds: u32,
    },
    /// The store failed. The cause is kept for the log line of the 500, never shown
    /// to clients.
    #[error("storage failure: {context}")]
    Storage {
        /// What the store was doing.
        context: String,
        /// Why it failed (the driver's error, with its own chain).
        #[source]
        source: BoxError,
    },
    /// A port other than the store failed (hasher, randomness, ...).
    #[error("internal failure: {context}")]
    Internal {
        /// What was being done.
        context: String,
        /// Why it failed, when a cause is known.
        #[source]
        source: Option<BoxError>,
    },
}

/// `error` and its causes on one line (`outer: cause: root cause`), as logs and
/// operators read them.
#[must_use]
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Some errors already quote their source in their message.
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Any error, boxed, as the cause of a [`DomainError::Storage`] or
/// [`DomainError::Internal`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

impl DomainError {
    /// Shorthand for a single-field validation failure.
    #[must_use]
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = ValidationErrors::new();
        errors.add(field, message);
        Self::Validation(errors)
    }

    /// A storage failure while doing `context`, caused by `source`.
    pub fn storage(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Storage {
            context: context.into(),
            source: source.into(),
        }
    }

    /// An internal failure while doing `context`, with its cause if there is one.
    pub fn internal(context: impl Into<String>, source: Option<BoxError>) -> Self {
        Self::Internal {
            context: context.into(),
            source,
        }
    }

    /// Shorthand for [`DomainError::NotFound`].
    #[must_use]
    pub const fn not_found(entity: &'static str) -> Self {
        Self::NotFound { entity }
    }
}

impl From<ValidationErrors> for DomainError {
    fn from(errors: ValidationErrors) -> Self {
        Self::Validation(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_names_every_cause_once() {
        let inner = std::io::Error::other("disk full");
        let outer = DomainError::storage("writing a lead", inner);
        let line = chain(&outer);
        assert!(line.contains("writing a lead"), "{line}");
        assert_eq!(line.matches("disk full").count(), 1, "{line}");
    }

    #[test]
    fn validation_errors_collect_every_field() {
        let mut v = ValidationErrors::new();
        let ok: Option<u8> = v.check("a", Ok::<u8, String>(1));
        let bad: Option<u8> = v.check("b", Err::<u8, _>("is wrong"));
        assert_eq!(ok, Some(1));
        assert_eq!(bad, None);
        let err = v.into_result().expect_err("one field failed");
        let DomainError::Validation(errors) = err else {
            panic!("expected a validation error");
        };
        assert_eq!(errors.errors()[0].field, "b");
        assert_eq!(errors.to_string(), "b: is wrong");
    }

    #[test]
    fn an_absent_optional_input_is_valid() {
        let mut v = ValidationErrors::new();
        let none: Option<Option<u8>> = v.check_optional("x", None::<Result<u8, String>>);
        assert_eq!(none, Some(None));
        assert!(v.is_empty());
    }
}
