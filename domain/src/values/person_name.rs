//! A person's name (full, first or last).

use super::text::text_value;

text_value!(
    /// A person's name: 1 to 100 characters, trimmed, one line.
    PersonName, max = 100, kind = Name
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_of_101_characters_is_rejected() {
        assert!(PersonName::parse(&"a".repeat(100)).is_ok());
        assert!(PersonName::parse(&"a".repeat(101)).is_err());
    }

    #[test]
    fn names_keep_their_inner_spaces() {
        let name = PersonName::parse(" Ada  Lovelace ").expect("valid");
        assert_eq!(name.as_str(), "Ada  Lovelace");
    }
}
