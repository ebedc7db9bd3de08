//! One row of a file, checked by the domain's own value objects: a lead to write,
//! or a rejection naming every problem of the row.

use csv_async::ByteRecord;
use djcrm_domain::{
    CategoryName, Description, Email, ImportColumn, LeadStatus, PersonName, PhoneNumber, Problem,
    Rejection,
};

use super::columns::Columns;

/// The longest row read: anything longer is refused whole, before its fields are
/// looked at (no value of a lead is anywhere near it).
pub const MAX_ROW_BYTES: usize = 64 * 1024;

/// A row that passed every check.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The line it starts on.
    pub line: u64,
    /// First name.
    pub first_name: PersonName,
    /// Last name.
    pub last_name: PersonName,
    /// Email: the key duplicates are found by.
    pub email: Option<Email>,
    /// Phone.
    pub phone: Option<PhoneNumber>,
    /// Description.
    pub description: Option<Description>,
    /// Status, when the file gives one.
    pub status: Option<LeadStatus>,
    /// Category, by name.
    pub category: Option<CategoryName>,
    /// The agent to assign, by email.
    pub agent: Option<Email>,
}

/// Accumulates the problems of one row.
struct Problems<'a> {
    columns: &'a Columns,
    found: Vec<Problem>,
}

impl Problems<'_> {
    fn add(&mut self, position: Option<usize>, reason: impl Into<String>) {
        self.found.push(Problem {
            column: position.and_then(|i| self.columns.headers().get(i).cloned()),
            reason: reason.into(),
        });
    }

    /// The value at `position` parsed by `parse`, `None` when blank or wrong.
    fn optional<T, E: std::fmt::Display>(
        &mut self,
        value: Option<(usize, &str)>,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let (position, raw) = value.filter(|(_, raw)| !raw.trim().is_empty())?;
        parse(raw)
            .map_err(|e| self.add(Some(position), e.to_string()))
            .ok()
    }
}

/// Reads `record`, which starts on `line`, as `columns` says.
///
/// # Errors
/// The [`Rejection`] of the row, naming each of its problems.
pub fn read(columns: &Columns, record: &ByteRecord, line: u64) -> Result<Candidate, Rejection> {
    let mut problems = Problems {
        columns,
        found: Vec::new(),
    };
    let reject = |found: Vec<Problem>| Rejection {
        line,
        problems: found,
    };
    if record.as_slice().len() > MAX_ROW_BYTES {
        problems.add(
            None,
            format!("the row is longer than {} KiB", MAX_ROW_BYTES / 1024),
        );
        return Err(reject(problems.found));
    }
    if record.len() != columns.headers().len() {
        problems.add(
            None,
            format!(
                "the row has {} fields where the header has {}",
                record.len(),
                columns.headers().len()
            ),
        );
        return Err(reject(problems.found));
    }
    let mut values: [Option<(usize, &str)>; ImportColumn::ALL.len()] =
        [None; ImportColumn::ALL.len()];
    for (i, field) in record.iter().enumerate() {
        let column = columns.column(i);
        if column == ImportColumn::Ignore {
            continue;
        }
        match std::str::from_utf8(field) {
            Ok(text) => values[column as usize] = Some((i, text)),
            Err(_) => problems.add(Some(i), "is not valid UTF-8"),
        }
    }
    let value = |column: ImportColumn| values[column as usize];
    let name = |column: ImportColumn, problems: &mut Problems<'_>| {
        let parsed = problems.optional(value(column), PersonName::parse);
        if parsed.is_none() && value(column).is_none_or(|(_, raw)| raw.trim().is_empty()) {
            let position = (0..columns.headers().len()).find(|&i| columns.column(i) == column);
            problems.add(position, "is required");
        }
        parsed
    };
    let first_name = name(ImportColumn::FirstName, &mut problems);
    let last_name = name(ImportColumn::LastName, &mut problems);
    let email = problems.optional(value(ImportColumn::Email), Email::parse);
    let phone = problems.optional(value(ImportColumn::Phone), PhoneNumber::parse);
    let description = problems.optional(value(ImportColumn::Description), Description::parse);
    let status = problems.optional(value(ImportColumn::Status), |raw| {
        raw.trim().to_lowercase().parse::<LeadStatus>()
    });
    let category = problems.optional(value(ImportColumn::Category), CategoryName::parse);
    let agent = problems.optional(value(ImportColumn::AgentEmail), Email::parse);
    match (first_name, last_name) {
        (Some(first_name), Some(last_name)) if problems.found.is_empty() => Ok(Candidate {
            line,
            first_name,
            last_name,
            email,
            phone,
            description,
            status,
            category,
            agent,
        }),
        _ => Err(reject(problems.found)),
    }
}
