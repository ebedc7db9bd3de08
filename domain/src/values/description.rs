//! Multi-line free text: lead descriptions and notes.

use super::text::text_value;

text_value!(
    /// Free text of up to 10,000 characters; newlines and tabs allowed.
    Description, max = 10_000, kind = MultiLine
);
