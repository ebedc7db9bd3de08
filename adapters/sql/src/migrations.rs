//! Which migrations a database has, for `djcrm-admin migrate --status` and `doctor`.

use sqlx::migrate::Migrator;

/// One migration of this binary, and whether the database has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationState {
    /// Its version (the timestamp in its file name).
    pub version: i64,
    /// What it does (the rest of its file name).
    pub description: String,
    /// Whether the database has applied it.
    pub applied: bool,
}

/// Each migration of `migrator`, marked applied when its version is in `applied`;
/// then the versions in `applied` this binary does not know (a newer binary's), as
/// applied with no description.
#[must_use]
pub fn states(migrator: &Migrator, applied: &[i64]) -> Vec<MigrationState> {
    let mut states: Vec<MigrationState> = migrator
        .iter()
        .map(|m| MigrationState {
            version: m.version,
            description: m.description.to_string(),
            applied: applied.contains(&m.version),
        })
        .collect();
    for version in applied {
        if !migrator.iter().any(|m| m.version == *version) {
            states.push(MigrationState {
                version: *version,
                description: "unknown to this binary (a newer one applied it)".to_owned(),
                applied: true,
            });
        }
    }
    states
}
