//! The tenant.

use chrono::{DateTime, Utc};

use crate::{OrgId, OrganizationName};

/// A company using DJ CRM. Every other record belongs to exactly one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    /// Its id.
    pub id: OrgId,
    /// Its display name.
    pub name: OrganizationName,
    /// When it signed up.
    pub created_at: DateTime<Utc>,
    /// When its settings last changed.
    pub updated_at: DateTime<Utc>,
}

/// The whole installation in numbers, for operators.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Census {
    /// Organizations.
    pub organizations: u64,
    /// Users, active or not.
    pub users: u64,
    /// Live leads per status, over every organization.
    pub leads: crate::PipelineCounts,
    /// The store's size on disk, in bytes.
    pub store_bytes: u64,
}
