//! The one rule shared by every free-text value: trimmed, not empty, bounded, and
//! free of control characters that would corrupt CSV exports and logs.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("must not contain control characters")]
    ControlCharacter,
}

/// Trims `raw` and checks it against the shared rules. `allow_newlines` is for
/// multi-line text such as descriptions and notes.
pub fn clean(raw: &str, max: usize, allow_newlines: bool) -> Result<String, TextError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(TextError::Empty);
    }
    if trimmed.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    let bad = |c: char| c.is_control() && !(allow_newlines && matches!(c, '\n' | '\r' | '\t'));
    if trimmed.chars().any(bad) {
        return Err(TextError::ControlCharacter);
    }
    Ok(trimmed.to_owned())
}

macro_rules! text_value {
    ($(#[$doc:meta])* $name:ident, max = $max:expr, newlines = $nl:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// The longest accepted value, in characters.
            pub const MAX_CHARS: usize = $max;

            /// Trims and validates `raw`.
            ///
            /// # Errors
            /// When `raw` is blank, longer than [`Self::MAX_CHARS`] or holds control characters.
            pub fn parse(raw: &str) -> Result<Self, crate::values::text::TextError> {
                crate::values::text::clean(raw, $max, $nl).map(Self)
            }

            /// The validated text.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The validated text, owned.
            #[must_use]
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}
pub(crate) use text_value;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_accepts_ordinary_text() {
        assert_eq!(clean("  Ada  ", 10, false), Ok("Ada".to_owned()));
    }

    #[test]
    fn rejects_blank_text() {
        assert_eq!(clean(" \t ", 10, false), Err(TextError::Empty));
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert!(clean("ééééé", 5, false).is_ok());
        assert_eq!(
            clean("éééééé", 5, false),
            Err(TextError::TooLong { max: 5 })
        );
    }

    #[test]
    fn newlines_only_where_allowed() {
        assert_eq!(clean("a\nb", 10, false), Err(TextError::ControlCharacter));
        assert!(clean("a\nb", 10, true).is_ok());
        assert_eq!(clean("a\u{0}b", 10, true), Err(TextError::ControlCharacter));
    }
}
