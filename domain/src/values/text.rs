//! The one rule shared by every free-text value: trimmed, not empty, bounded, free of
//! control characters that would corrupt CSV exports and logs, and not able to
//! deceive a reader: text made only of invisible characters is empty, and names may
//! not reorder what follows them with bidirectional overrides.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("must not contain control characters")]
    ControlCharacter,
    #[error("must contain a visible character")]
    Invisible,
    #[error("must not contain bidirectional control characters")]
    Bidirectional,
}

/// What a text value is for, which decides what it may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// A name shown beside others (people, organizations, categories): one line, no
    /// bidirectional controls.
    Name,
    /// One line of other text (a search).
    Line,
    /// Multi-line text (descriptions, notes): newlines and tabs allowed.
    MultiLine,
}

/// Characters that take no visible space: format characters and fillers. Text made
/// only of these (and spaces) looks empty but is not.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}'
            | '\u{17B5}' | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{2800}' | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF9}'..='\u{FFFB}'
            | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// Embeddings, overrides and isolates: they reorder the text around them on screen.
fn is_bidirectional_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Trims `raw` and checks it against the rules for `kind`.
pub fn clean(raw: &str, max: usize, kind: TextKind) -> Result<String, TextError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(TextError::Empty);
    }
    if trimmed.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    let multi_line = kind == TextKind::MultiLine;
    let bad = |c: char| c.is_control() && !(multi_line && matches!(c, '\n' | '\r' | '\t'));
    if trimmed.chars().any(bad) {
        return Err(TextError::ControlCharacter);
    }
    if trimmed.chars().all(is_invisible) {
        return Err(TextError::Invisible);
    }
    if kind == TextKind::Name && trimmed.chars().any(is_bidirectional_control) {
        return Err(TextError::Bidirectional);
    }
    Ok(trimmed.to_owned())
}

macro_rules! text_value {
    ($(#[$doc:meta])* $name:ident, max = $max:expr, kind = $kind:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl TryFrom<String> for $name {
            type Error = crate::values::text::TextError;

            fn try_from(raw: String) -> Result<Self, Self::Error> {
                Self::parse(&raw)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl $name {
            /// The longest accepted value, in characters.
            pub const MAX_CHARS: usize = $max;

            /// Trims and validates `raw`.
            ///
            /// # Errors
            /// When `raw` is blank or invisible, longer than [`Self::MAX_CHARS`], or
            /// holds characters its kind of text may not.
            pub fn parse(raw: &str) -> Result<Self, crate::values::text::TextError> {
                crate::values::text::clean(raw, $max, crate::values::text::TextKind::$kind)
                    .map(Self)
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
        assert_eq!(clean("  Ada  ", 10, TextKind::Name), Ok("Ada".to_owned()));
    }

    #[test]
    fn rejects_blank_text() {
        assert_eq!(clean(" \t ", 10, TextKind::Name), Err(TextError::Empty));
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert!(clean("ééééé", 5, TextKind::Name).is_ok());
        assert_eq!(
            clean("éééééé", 5, TextKind::Name),
            Err(TextError::TooLong { max: 5 })
        );
    }

    #[test]
    fn newlines_only_where_allowed() {
        assert_eq!(
            clean("a\nb", 10, TextKind::Line),
            Err(TextError::ControlCharacter)
        );
        assert!(clean("a\nb", 10, TextKind::MultiLine).is_ok());
        assert_eq!(
            clean("a\u{0}b", 10, TextKind::MultiLine),
            Err(TextError::ControlCharacter)
        );
    }

    #[test]
    fn text_made_only_of_invisible_characters_is_refused() {
        for raw in [
            "\u{200B}",
            "\u{FEFF}\u{200B} \u{2060}",
            "\u{3164}",
            "\u{00AD}\u{200D}",
        ] {
            assert_eq!(
                clean(raw, 10, TextKind::MultiLine),
                Err(TextError::Invisible),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn invisible_characters_beside_visible_ones_are_kept() {
        assert!(clean("Zoë\u{200D}", 10, TextKind::Name).is_ok());
    }

    #[test]
    fn names_refuse_bidirectional_controls_other_text_keeps_them() {
        for c in ['\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}'] {
            let raw = format!("Ada{c}Lovelace");
            assert_eq!(
                clean(&raw, 20, TextKind::Name),
                Err(TextError::Bidirectional)
            );
            assert!(clean(&raw, 20, TextKind::MultiLine).is_ok());
        }
    }
}
