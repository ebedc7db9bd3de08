//! Form input as the browser sends it (`application/x-www-form-urlencoded`, also
//! query strings), and a form as a page shows it again: what the user typed, and
//! each field's error beside it.

use djcrm_domain::{DomainError, FieldError};
use poem::Request;

use crate::failure::Failure;

/// The largest form any page of the UI sends.
pub const FORM_LIMIT: usize = 64 * 1024;

/// Name-value pairs in the order sent; a name may repeat (checkbox lists).
#[derive(Debug, Clone, Default)]
pub struct FormData {
    pairs: Vec<(String, String)>,
}

impl FormData {
    /// Parses urlencoded `bytes`.
    pub fn parse(bytes: &[u8]) -> Self {
        Self {
            pairs: form_urlencoded::parse(bytes).into_owned().collect(),
        }
    }

    /// The query string of `request`.
    pub fn query(request: &Request) -> Self {
        Self::parse(request.uri().query().unwrap_or_default().as_bytes())
    }

    /// The body of `request` (already bounded and checked by the CSRF guard).
    pub async fn body(request: &mut Request) -> Result<Self, Failure> {
        let bytes = request
            .take_body()
            .into_bytes_limit(FORM_LIMIT)
            .await
            .map_err(|_| Failure::TooLarge)?;
        Ok(Self::parse(&bytes))
    }

    /// The first value of `name`, `""` when absent.
    pub fn get(&self, name: &str) -> &str {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The first value of `name`, `None` when absent or blank.
    pub fn filled(&self, name: &str) -> Option<&str> {
        Some(self.get(name).trim()).filter(|v| !v.is_empty())
    }

    /// Every value of `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `name` parsed as `T`, `None` when blank; a value that does not parse is a
    /// request no page of ours sends.
    pub fn parsed<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, Failure> {
        self.filled(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| Failure::BadRequest(format!("{name} is not valid")))
            })
            .transpose()
    }
}

/// A form shown again after a failed submission.
#[derive(Debug, Clone, Default)]
pub struct Form {
    values: FormData,
    errors: Vec<FieldError>,
    /// A message about the whole form (a stale version, a refused move).
    pub message: Option<String>,
}

impl Form {
    /// An empty form.
    pub fn new() -> Self {
        Self::default()
    }

    /// A form holding `values` (shown as typed).
    pub fn with(values: FormData) -> Self {
        Self {
            values,
            ..Self::default()
        }
    }

    /// Shows `error` beside its fields (or above the form, for a stale version or
    /// a refused move); any other error is the page's failure.
    pub fn failed(mut self, error: DomainError) -> Result<Self, Failure> {
        match error {
            DomainError::Validation(errors) => self.errors.extend_from_slice(errors.errors()),
            DomainError::Conflict { field, message } => self.errors.push(FieldError {
                field: field.to_owned(),
                message,
            }),
            DomainError::PreconditionFailed { .. } => {
                self.message = Some(
                    "Someone changed this record since you opened it. Your changes are below: \
                     review the current values and save again."
                        .to_owned(),
                );
            }
            error @ DomainError::InvalidTransition { .. } => {
                self.message = Some(sentence(&error.to_string()));
            }
            other => return Err(other.into()),
        }
        Ok(self)
    }

    /// Adds an error beside `field`.
    pub fn error_on(mut self, field: &str, message: &str) -> Self {
        self.errors.push(FieldError {
            field: field.to_owned(),
            message: message.to_owned(),
        });
        self
    }

    /// The errors renamed with `prefix` (a page with two forms names one form's
    /// fields `invite_email`, the use case says `email`).
    #[must_use]
    pub fn prefixed(mut self, prefix: &str) -> Self {
        for error in &mut self.errors {
            error.field = format!("{prefix}{}", error.field);
        }
        self
    }

    /// What the user typed in `name`.
    pub fn value(&self, name: &str) -> &str {
        self.values.get(name)
    }

    /// Whether `name` was sent with `value` (a checked box, a selected option).
    pub fn has(&self, name: &str, value: &str) -> bool {
        self.values.all(name).any(|v| v == value)
    }

    /// The error beside `name`, if any.
    pub fn error(&self, name: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.as_str())
    }

    /// Whether any field has an error (for the summary at the top of the form).
    pub fn invalid(&self) -> bool {
        !self.errors.is_empty() || self.message.is_some()
    }
}

/// `text` with a capital first letter and a full stop.
pub fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// `text` percent-encoded for a query string.
pub fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use djcrm_domain::ValidationErrors;

    #[test]
    fn repeated_names_keep_every_value_in_order() {
        let form = FormData::parse(b"lead_ids=a&lead_ids=b&agent_id=");
        assert_eq!(form.all("lead_ids").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(form.filled("agent_id"), None);
    }

    #[test]
    fn a_validation_error_stands_beside_its_field_and_keeps_the_input() {
        let mut errors = ValidationErrors::new();
        errors.add("email", "must be an email address");
        let form = Form::with(FormData::parse(b"email=not-an-email"))
            .failed(DomainError::Validation(errors))
            .expect("a form error");
        assert_eq!(form.error("email"), Some("must be an email address"));
        assert_eq!(form.value("email"), "not-an-email");
        assert_eq!(form.error("first_name"), None);
    }

    #[test]
    fn a_storage_failure_is_not_a_form_error() {
        let failed = Form::new().failed(DomainError::Unauthenticated);
        assert!(matches!(failed, Err(Failure::SignIn { .. })));
    }
}
