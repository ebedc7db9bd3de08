//! An organization's display name.

use super::text::text_value;

text_value!(
    /// An organization's name: 1 to 200 characters, trimmed, one line.
    OrganizationName, max = 200, kind = Name
);
