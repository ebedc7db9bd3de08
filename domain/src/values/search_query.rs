//! The `q` of a lead search.

use super::text::text_value;

text_value!(
    /// Search text over names and email: trimmed, 1 to 100 characters, no control
    /// characters (a NUL would otherwise reach the store as a pattern).
    SearchQuery, max = 100, kind = Line
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_refused() {
        assert!(SearchQuery::parse("\u{0}\u{0}\u{0}").is_err());
        assert!(SearchQuery::parse("a\u{0}b").is_err());
    }

    #[test]
    fn ordinary_text_is_trimmed() {
        let q = SearchQuery::parse("  example.com ").expect("valid");
        assert_eq!(q.as_str(), "example.com");
    }
}
