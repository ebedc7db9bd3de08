//! The daily digest: what an organizer reads about yesterday each morning.

use chrono::{DateTime, Utc};

use crate::LeadId;

/// A lead nobody has touched for a while.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UntouchedLead {
    /// Its id.
    pub id: LeadId,
    /// Its name, first and last.
    pub name: String,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// An organization's day, in numbers.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Digest {
    /// Leads created that day.
    pub new_leads: u64,
    /// Leads moved to `converted` that day.
    pub conversions: u64,
    /// Open leads (new, contacted, qualified) unchanged since the cut-off.
    pub untouched: u64,
    /// The longest untouched of them, oldest first (at most [`Digest::LISTED`]).
    pub oldest_untouched: Vec<UntouchedLead>,
}

impl Digest {
    /// How many untouched leads a digest names.
    pub const LISTED: u32 = 10;
}
