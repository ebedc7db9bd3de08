//! The sales pipeline.

use std::fmt;
use std::str::FromStr;

/// Where a lead stands in the pipeline:
/// `new -> contacted -> qualified -> converted`, and `lost` from any open stage;
/// a lost lead can be reopened to `contacted`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    /// Not yet contacted.
    New,
    /// First contact made.
    Contacted,
    /// Confirmed as a real opportunity.
    Qualified,
    /// Became a customer. Final.
    Converted,
    /// Will not buy (for now).
    Lost,
}

impl LeadStatus {
    /// Every status, in pipeline order.
    pub const ALL: [Self; 5] = [
        Self::New,
        Self::Contacted,
        Self::Qualified,
        Self::Converted,
        Self::Lost,
    ];

    /// The stable lower-case name used in storage and the API.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Contacted => "contacted",
            Self::Qualified => "qualified",
            Self::Converted => "converted",
            Self::Lost => "lost",
        }
    }

    /// True while the lead is still being worked (not converted, not lost).
    #[must_use]
    pub const fn is_open(self) -> bool {
        matches!(self, Self::New | Self::Contacted | Self::Qualified)
    }

    /// True once the lead has been reached at least once.
    #[must_use]
    pub const fn has_been_contacted(self) -> bool {
        matches!(self, Self::Contacted | Self::Qualified | Self::Converted)
    }

    /// The pipeline graph. Staying in place is not a transition.
    #[must_use]
    pub const fn can_transition_to(self, to: Self) -> bool {
        matches!(
            (self, to),
            (Self::New, Self::Contacted)
                | (Self::Contacted, Self::Qualified)
                | (Self::Qualified, Self::Converted)
                | (Self::New | Self::Contacted | Self::Qualified, Self::Lost)
                | (Self::Lost, Self::Contacted)
        )
    }

    /// The stages a lead in this one may move to next, in pipeline order.
    pub fn next_stages(self) -> impl Iterator<Item = Self> {
        Self::ALL
            .into_iter()
            .filter(move |to| self.can_transition_to(*to))
    }
}

impl fmt::Display for LeadStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no [`LeadStatus`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be one of new, contacted, qualified, converted, lost")]
pub struct UnknownLeadStatus;

impl FromStr for LeadStatus {
    type Err = UnknownLeadStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or(UnknownLeadStatus)
    }
}

#[cfg(test)]
mod tests {
    use super::LeadStatus::{self, *};

    #[test]
    fn the_happy_path_moves_one_stage_at_a_time() {
        assert!(New.can_transition_to(Contacted));
        assert!(Contacted.can_transition_to(Qualified));
        assert!(Qualified.can_transition_to(Converted));
    }

    #[test]
    fn stages_cannot_be_skipped_or_reversed() {
        assert!(!New.can_transition_to(Qualified));
        assert!(!New.can_transition_to(Converted));
        assert!(!Qualified.can_transition_to(Contacted));
        assert!(!Converted.can_transition_to(New));
    }

    #[test]
    fn every_open_stage_can_be_lost_and_lost_reopens_to_contacted() {
        for open in [New, Contacted, Qualified] {
            assert!(open.can_transition_to(Lost), "{open}");
        }
        assert!(Lost.can_transition_to(Contacted));
    }

    #[test]
    fn next_stages_are_the_legal_moves_in_pipeline_order() {
        let next = |from: LeadStatus| from.next_stages().collect::<Vec<_>>();
        assert_eq!(next(New), [Contacted, Lost]);
        assert_eq!(next(Qualified), [Converted, Lost]);
        assert_eq!(next(Converted), []);
        assert_eq!(next(Lost), [Contacted]);
        assert!(!Lost.can_transition_to(New));
        assert!(!Lost.can_transition_to(Converted));
    }

    #[test]
    fn converted_is_final_and_staying_put_is_not_a_move() {
        for to in LeadStatus::ALL {
            assert!(!Converted.can_transition_to(to), "{to}");
        }
        for status in LeadStatus::ALL {
            assert!(!status.can_transition_to(status), "{status}");
        }
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in LeadStatus::ALL {
            assert_eq!(status.as_str().parse::<LeadStatus>(), Ok(status));
        }
        assert!("won".parse::<LeadStatus>().is_err());
    }
}
