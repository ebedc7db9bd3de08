//! A category's name.

use super::text::text_value;

text_value!(
    /// A category's name: 1 to 100 characters, trimmed, one line. Unique within an
    /// organization, ignoring case.
    CategoryName, max = 100, kind = Name
);
