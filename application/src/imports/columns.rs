//! Which column of a file holds what: the header read against sensible defaults
//! (`First name`, `surname`, `E-mail`, an export's own names...) and the caller's
//! explicit mapping, which wins.

use djcrm_domain::ImportColumn;

/// Why a file's header cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ColumnsError {
    /// A `--map` (or `map`) entry is not `HEADER=COLUMN`.
    #[error("{0:?} is not HEADER=COLUMN (columns: {columns})", columns = column_names())]
    Malformed(String),
    /// A mapping names a column DJ CRM does not have.
    #[error("{0:?} is not a column (columns: {columns})", columns = column_names())]
    UnknownColumn(String),
    /// A mapping names a header the file does not have.
    #[error("the file has no column headed {0:?}")]
    UnknownHeader(String),
    /// The file has no header row.
    #[error("the file is empty: it needs a header row")]
    Empty,
    /// The header row is not UTF-8.
    #[error("the header row is not valid UTF-8")]
    HeaderEncoding,
    /// Two headers hold the same column.
    #[error("both {0:?} and {1:?} would be read as {2}; map one of them to ignore")]
    Twice(String, String, &'static str),
    /// A column every lead needs has no header.
    #[error("no column holds {0}; name one with a mapping such as \"Given name={0}\"")]
    Missing(&'static str),
}

fn column_names() -> String {
    ImportColumn::ALL.map(ImportColumn::as_str).join(", ")
}

/// Parses mapping entries `HEADER=COLUMN` (e.g. `Given name=first_name`).
///
/// # Errors
/// [`ColumnsError::Malformed`] or [`ColumnsError::UnknownColumn`].
pub fn parse_mapping<'a>(
    entries: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<(String, ImportColumn)>, ColumnsError> {
    entries
        .into_iter()
        .filter(|entry| !entry.trim().is_empty())
        .map(|entry| {
            let (header, column) = entry
                .rsplit_once('=')
                .filter(|(header, _)| !header.trim().is_empty())
                .ok_or_else(|| ColumnsError::Malformed(entry.to_owned()))?;
            let column = column.trim();
            ImportColumn::from_name(column)
                .map(|c| (header.trim().to_owned(), c))
                .ok_or_else(|| ColumnsError::UnknownColumn(column.to_owned()))
        })
        .collect()
}

/// The column a header holds when nothing maps it: its letters and digits,
/// lower-cased, against the names people and other CRMs give them.
fn default_column(header: &str) -> Option<ImportColumn> {
    let key: String = header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    Some(match key.as_str() {
        "firstname" | "givenname" | "forename" | "first" => ImportColumn::FirstName,
        "lastname" | "surname" | "familyname" | "last" => ImportColumn::LastName,
        "email" | "emailaddress" | "mail" => ImportColumn::Email,
        "phone" | "phonenumber" | "telephone" | "tel" | "mobile" => ImportColumn::Phone,
        "description" | "notes" | "note" | "comments" | "comment" => ImportColumn::Description,
        "status" | "stage" => ImportColumn::Status,
        "category" | "source" => ImportColumn::Category,
        "agentemail" | "agent" | "owneremail" | "owner" => ImportColumn::AgentEmail,
        // an export's own bookkeeping: a lead gets a new id and times here
        "id" | "createdat" | "updatedat" => ImportColumn::Ignore,
        _ => return None,
    })
}

/// What each position of a file's rows holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    headers: Vec<String>,
    columns: Vec<ImportColumn>,
    unknown: Vec<String>,
}

impl Columns {
    /// The columns of a file headed `headers`, with `mapping` over the defaults.
    ///
    /// # Errors
    /// [`ColumnsError`] when the mapping names a missing header, two headers hold
    /// one column, or no header holds a name.
    pub fn resolve(
        headers: Vec<String>,
        mapping: &[(String, ImportColumn)],
    ) -> Result<Self, ColumnsError> {
        if headers.iter().all(|h| h.trim().is_empty()) {
            return Err(ColumnsError::Empty);
        }
        if let Some((missing, _)) = mapping
            .iter()
            .find(|(header, _)| !headers.iter().any(|h| h.trim() == header))
        {
            return Err(ColumnsError::UnknownHeader(missing.clone()));
        }
        let mut columns = Vec::with_capacity(headers.len());
        let mut unknown = Vec::new();
        for header in &headers {
            let mapped = mapping
                .iter()
                .find(|(h, _)| h == header.trim())
                .map(|(_, c)| *c)
                .or_else(|| default_column(header));
            if mapped.is_none() {
                unknown.push(header.clone());
            }
            columns.push(mapped.unwrap_or(ImportColumn::Ignore));
        }
        for (i, column) in columns.iter().enumerate() {
            if *column == ImportColumn::Ignore {
                continue;
            }
            if let Some(j) = columns[i + 1..].iter().position(|c| c == column) {
                return Err(ColumnsError::Twice(
                    headers[i].clone(),
                    headers[i + 1 + j].clone(),
                    column.as_str(),
                ));
            }
        }
        for required in [ImportColumn::FirstName, ImportColumn::LastName] {
            if !columns.contains(&required) {
                return Err(ColumnsError::Missing(required.as_str()));
            }
        }
        Ok(Self {
            headers,
            columns,
            unknown,
        })
    }

    /// The header names, as in the file.
    #[must_use]
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// What position `i` holds.
    #[must_use]
    pub fn column(&self, i: usize) -> ImportColumn {
        self.columns.get(i).copied().unwrap_or(ImportColumn::Ignore)
    }

    /// Headers that neither the defaults nor the mapping know: their values are
    /// left alone.
    #[must_use]
    pub fn unknown(&self) -> &[String] {
        &self.unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn an_exports_header_reads_back_without_a_mapping() {
        let names = crate::export::EXPORT_COLUMNS;
        let columns = Columns::resolve(headers(&names), &[]).expect("resolves");
        assert_eq!(columns.column(0), ImportColumn::Ignore);
        assert_eq!(columns.column(1), ImportColumn::FirstName);
        assert_eq!(columns.column(8), ImportColumn::AgentEmail);
        assert!(columns.unknown().is_empty());
    }

    #[test]
    fn common_names_are_understood() {
        let columns =
            Columns::resolve(headers(&["Given Name", "Surname", "E-mail", "Mobile"]), &[])
                .expect("resolves");
        assert_eq!(columns.column(2), ImportColumn::Email);
        assert_eq!(columns.column(3), ImportColumn::Phone);
    }

    #[test]
    fn a_mapping_wins_over_the_defaults() {
        let mapping =
            parse_mapping(["Nom=last_name", "Prénom=first_name", "Email=ignore"]).expect("parses");
        let columns =
            Columns::resolve(headers(&["Prénom", "Nom", "Email"]), &mapping).expect("resolves");
        assert_eq!(columns.column(0), ImportColumn::FirstName);
        assert_eq!(columns.column(2), ImportColumn::Ignore);
    }

    #[test]
    fn names_are_required() {
        let error = Columns::resolve(headers(&["first_name", "email"]), &[]);
        assert_eq!(error, Err(ColumnsError::Missing("last_name")));
    }

    #[test]
    fn a_bad_mapping_is_refused() {
        assert!(matches!(
            parse_mapping(["Name"]),
            Err(ColumnsError::Malformed(_))
        ));
        assert!(matches!(
            parse_mapping(["Name=nickname"]),
            Err(ColumnsError::UnknownColumn(_))
        ));
        let mapping = parse_mapping(["Nickname=first_name"]).expect("parses");
        assert!(matches!(
            Columns::resolve(headers(&["first_name", "last_name"]), &mapping),
            Err(ColumnsError::UnknownHeader(_))
        ));
    }

    #[test]
    fn one_column_in_two_places_is_refused() {
        let error = Columns::resolve(headers(&["first_name", "First Name", "last_name"]), &[]);
        assert!(matches!(error, Err(ColumnsError::Twice(..))));
    }
}
