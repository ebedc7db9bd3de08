//! Phone numbers.

use std::fmt;

/// Why a string is not a [`PhoneNumber`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneNumberError {
    /// Nothing was given.
    #[error("must not be empty")]
    Empty,
    /// A character other than digits, spaces, `+`, `-`, `.`, `(` and `)`.
    #[error("may contain only digits, spaces, '+', '-', '.', '(' and ')'")]
    InvalidCharacter,
    /// Fewer than 7 or more than 15 digits (E.164 allows at most 15).
    #[error("must have between 7 and 15 digits")]
    WrongLength,
}

/// A phone number as people write it (`+44 20 7946 0958`, `(555) 010-9999`):
/// 7 to 15 digits, an optional leading `+`, and common separators. Stored as typed,
/// trimmed; [`PhoneNumber::digits`] gives the comparable form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneNumberError;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<PhoneNumber> for String {
    fn from(value: PhoneNumber) -> Self {
        value.0
    }
}

impl PhoneNumber {
    /// Validates `raw`.
    ///
    /// # Errors
    /// [`PhoneNumberError`] when `raw` is empty, has other characters, or has a
    /// digit count outside 7..=15.
    pub fn parse(raw: &str) -> Result<Self, PhoneNumberError> {
        let phone = raw.trim();
        if phone.is_empty() {
            return Err(PhoneNumberError::Empty);
        }
        let body = phone.strip_prefix('+').unwrap_or(phone);
        if !body
            .chars()
            .all(|c| c.is_ascii_digit() || " -.()".contains(c))
        {
            return Err(PhoneNumberError::InvalidCharacter);
        }
        let digits = body.chars().filter(char::is_ascii_digit).count();
        if !(7..=15).contains(&digits) {
            return Err(PhoneNumberError::WrongLength);
        }
        Ok(Self(phone.to_owned()))
    }

    /// The number as entered (trimmed).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits alone, with the leading `+` kept: `+442079460958`.
    #[must_use]
    pub fn digits(&self) -> String {
        let plus = if self.0.starts_with('+') { "+" } else { "" };
        let digits: String = self.0.chars().filter(char::is_ascii_digit).collect();
        format!("{plus}{digits}")
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_formats() {
        for ok in [
            "+44 20 7946 0958",
            "(555) 010-9999",
            "555.010.9999",
            "5550109",
        ] {
            assert!(PhoneNumber::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn digits_strip_separators() {
        let phone = PhoneNumber::parse("+44 (20) 7946-0958").expect("valid");
        assert_eq!(phone.digits(), "+442079460958");
    }

    #[test]
    fn rejects_letters_and_wrong_lengths() {
        assert_eq!(
            PhoneNumber::parse("555-CALL-NOW"),
            Err(PhoneNumberError::InvalidCharacter)
        );
        assert_eq!(
            PhoneNumber::parse("12345"),
            Err(PhoneNumberError::WrongLength)
        );
        assert_eq!(
            PhoneNumber::parse("1234567890123456"),
            Err(PhoneNumberError::WrongLength)
        );
        assert_eq!(PhoneNumber::parse("+"), Err(PhoneNumberError::WrongLength));
        assert_eq!(PhoneNumber::parse(""), Err(PhoneNumberError::Empty));
    }
}
