//! The pipeline over time: how leads moved between stages day by day, and the
//! counts per stage at the end of past days that follow from those moves.

use chrono::NaiveDate;

use crate::{LeadStatus, PipelineCounts};

/// Leads that made one kind of move on one day (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PipelineFlow {
    /// The day.
    pub day: NaiveDate,
    /// The stage they left; `None` for leads created that day.
    pub from: Option<LeadStatus>,
    /// The stage they entered; `None` for leads deleted that day.
    pub to: Option<LeadStatus>,
    /// How many leads.
    pub leads: u64,
}

/// The pipeline as it stood at the end of one day (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PipelineSnapshot {
    /// The day.
    pub day: NaiveDate,
    /// Live leads per stage at its end.
    pub counts: PipelineCounts,
}

/// The pipeline at the end of each of `days`, oldest first, from the counts of
/// `now` and every move made after the earliest of them: each day's counts are
/// today's with every later move undone. The moves of one day come summed, in
/// no order, so they are undone in signed arithmetic and only a day's result is
/// held at zero: a move the history lost (a row written outside the use cases)
/// cannot make a negative stage.
#[must_use]
pub fn pipeline_history(
    now: PipelineCounts,
    flows: &[PipelineFlow],
    days: &[NaiveDate],
) -> Vec<PipelineSnapshot> {
    let mut flows: Vec<&PipelineFlow> = flows.iter().collect();
    // Newest first, as they are undone.
    flows.sort_by_key(|flow| std::cmp::Reverse(flow.day));
    let mut days = days.to_vec();
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    let mut undone = Undone::default();
    let mut pending = flows.into_iter().peekable();
    let mut snapshots = Vec::with_capacity(days.len());
    for day in days {
        while let Some(flow) = pending.next_if(|flow| flow.day > day) {
            undone.flow(flow);
        }
        snapshots.push(PipelineSnapshot {
            day,
            counts: undone.applied_to(now),
        });
    }
    snapshots.reverse();
    snapshots
}

/// The change per stage of undoing moves, in the order of [`LeadStatus::ALL`].
#[derive(Default)]
struct Undone([i128; LeadStatus::ALL.len()]);

impl Undone {
    fn flow(&mut self, flow: &PipelineFlow) {
        let leads = i128::from(flow.leads);
        if let Some(to) = flow.to {
            self.0[Self::slot(to)] -= leads;
        }
        if let Some(from) = flow.from {
            self.0[Self::slot(from)] += leads;
        }
    }

    fn slot(status: LeadStatus) -> usize {
        LeadStatus::ALL
            .iter()
            .position(|stage| *stage == status)
            .unwrap_or_default()
    }

    fn applied_to(&self, now: PipelineCounts) -> PipelineCounts {
        let mut counts = PipelineCounts::default();
        for (status, change) in LeadStatus::ALL.into_iter().zip(self.0) {
            let count = i128::from(now.of(status)).saturating_add(change).max(0);
            counts.add(status, u64::try_from(count).unwrap_or(u64::MAX));
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use LeadStatus::{Contacted, Converted, New};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default()
    }

    fn flow(d: u32, from: Option<LeadStatus>, to: Option<LeadStatus>, leads: u64) -> PipelineFlow {
        PipelineFlow {
            day: day(d),
            from,
            to,
            leads,
        }
    }

    fn counts(new: u64, contacted: u64, converted: u64) -> PipelineCounts {
        PipelineCounts {
            new,
            contacted,
            converted,
            ..PipelineCounts::default()
        }
    }

    #[test]
    fn a_day_with_no_later_moves_is_today() {
        let now = counts(3, 2, 1);
        let history = pipeline_history(now, &[flow(10, None, Some(New), 3)], &[day(10)]);
        assert_eq!(
            history,
            [PipelineSnapshot {
                day: day(10),
                counts: now
            }]
        );
    }

    #[test]
    fn later_creations_and_moves_are_undone() {
        // Day 2: two leads created. Day 3: one contacted. Day 4: it converts and a
        // third lead arrives.
        let flows = [
            flow(2, None, Some(New), 2),
            flow(3, Some(New), Some(Contacted), 1),
            flow(4, Some(Contacted), Some(Converted), 1),
            flow(4, None, Some(New), 1),
        ];
        let history = pipeline_history(counts(2, 0, 1), &flows, &[day(1), day(2), day(3), day(4)]);
        let seen: Vec<_> = history.iter().map(|s| (s.day, s.counts)).collect();
        assert_eq!(
            seen,
            [
                (day(1), counts(0, 0, 0)),
                (day(2), counts(2, 0, 0)),
                (day(3), counts(1, 1, 0)),
                (day(4), counts(2, 0, 1)),
            ]
        );
    }

    #[test]
    fn a_later_deletion_counts_the_lead_back_in() {
        let flows = [flow(5, Some(Contacted), None, 1)];
        let history = pipeline_history(counts(0, 0, 0), &flows, &[day(4)]);
        assert_eq!(history[0].counts, counts(0, 1, 0));
    }

    #[test]
    fn a_lead_created_and_moved_on_one_later_day_is_not_counted_before_it() {
        // Day 5: two leads created; one of them is contacted the same day.
        let flows = [
            flow(5, None, Some(New), 2),
            flow(5, Some(New), Some(Contacted), 1),
        ];
        let history = pipeline_history(counts(1, 1, 0), &flows, &[day(4)]);
        assert_eq!(history[0].counts, counts(0, 0, 0));
    }

    #[test]
    fn a_lost_move_never_makes_a_stage_negative() {
        let flows = [flow(5, None, Some(New), 4)];
        let history = pipeline_history(counts(1, 0, 0), &flows, &[day(4)]);
        assert_eq!(history[0].counts, counts(0, 0, 0));
    }
}
