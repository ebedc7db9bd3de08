//! Categories that group leads (source, segment, ...).

use chrono::{DateTime, Utc};

use crate::{CategoryId, CategoryName, OrgId};

/// A label an organization puts on leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// Its id.
    pub id: CategoryId,
    /// The organization.
    pub org_id: OrgId,
    /// Its name, unique in the organization ignoring case.
    pub name: CategoryName,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last renamed.
    pub updated_at: DateTime<Utc>,
}
