//! The pipeline over time: one stacked column per week, a segment per stage,
//! drawn by `charts/stacked.html`.

use chrono::NaiveDate;
use djcrm_domain::{LeadStatus, PipelineSnapshot};

use super::{status_label, swatch, tone};

/// The drawing's width; as the bar charts, about a phone's width.
const WIDTH: u32 = 360;
/// Room left of the plot for the scale's figures.
const AXIS_WIDTH: u32 = 40;
/// The plot's top margin (room for the top figure of the scale).
const TOP: u32 = 10;
/// The plot's height.
const PLOT_HEIGHT: u32 = 160;
/// Room below the plot for the weeks' dates.
const DATES_HEIGHT: u32 = 24;
/// The stages bottom to top: the pipeline in order, lost leads on top.
const STACK: [LeadStatus; 5] = [
    LeadStatus::New,
    LeadStatus::Contacted,
    LeadStatus::Qualified,
    LeadStatus::Converted,
    LeadStatus::Lost,
];

/// One stage's part of a week's column.
pub struct Segment {
    /// Top edge.
    pub y: u32,
    /// Height.
    pub height: u32,
    /// Fill classes for both themes.
    pub tone: &'static str,
    /// What it stands for, shown on hover ("12 contacted").
    pub title: String,
}

/// One week.
pub struct Column {
    /// Left edge.
    pub x: u32,
    /// Width.
    pub width: u32,
    /// The week's day, as written under the column (every few weeks) and in the
    /// table.
    pub day: String,
    /// Whether the date is written under this column.
    pub dated: bool,
    /// Its segments, bottom to top (empty stages left out).
    pub segments: Vec<Segment>,
    /// The week's figures per stage, in [`STACK`] order, for the table.
    pub counts: Vec<u64>,
}

impl Column {
    /// Where its date is centred.
    pub fn middle(&self) -> u32 {
        self.x + self.width / 2
    }
}

/// A line of the scale.
pub struct Tick {
    /// Its height in the drawing.
    pub y: u32,
    /// Its figure.
    pub label: String,
}

/// A legend entry.
pub struct Key {
    /// The stage's name.
    pub label: &'static str,
    /// Its swatch classes.
    pub swatch: &'static str,
}

/// Stacked columns, one per week.
pub struct StackChart {
    /// An id for `aria-labelledby`.
    pub id: &'static str,
    /// What the chart shows.
    pub title: String,
    /// The weeks, oldest first.
    pub columns: Vec<Column>,
    /// The scale.
    pub ticks: Vec<Tick>,
    /// The stages' colours.
    pub keys: Vec<Key>,
    /// The stages' names, for the table's header.
    pub stages: Vec<&'static str>,
    /// The drawing's width.
    pub width: u32,
    /// The drawing's height.
    pub height: u32,
    /// Where the plot starts, right of the scale.
    pub plot_left: u32,
    /// The plot's baseline.
    pub baseline: u32,
    /// The baseline of the dates.
    pub dates_y: u32,
}

/// `value` of `max` as a height in the plot.
fn scaled(value: u64, max: u64) -> u32 {
    if max == 0 {
        return 0;
    }
    let height = u128::from(value) * u128::from(PLOT_HEIGHT) / u128::from(max);
    u32::try_from(height).unwrap_or(PLOT_HEIGHT)
}

/// A round top for the scale at or above `max`: 1, 2 or 5 times a power of ten.
fn ceiling(max: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for factor in [1, 2, 5] {
            let top = step.saturating_mul(factor);
            if top >= max || top == u64::MAX {
                return top;
            }
        }
        step = step.saturating_mul(10);
    }
}

fn short(day: NaiveDate) -> String {
    day.format("%b %-d").to_string()
}

/// The pipeline at the end of each week, as stacked columns.
pub fn pipeline_over_time(history: &[PipelineSnapshot]) -> StackChart {
    let weeks = u32::try_from(history.len()).unwrap_or(u32::MAX).max(1);
    let max = ceiling(
        history
            .iter()
            .map(|s| s.counts.total())
            .max()
            .unwrap_or(0)
            .max(1),
    );
    let room = WIDTH - AXIS_WIDTH;
    let slot = room / weeks;
    let width = (slot * 2 / 3).max(1);
    let baseline = TOP + PLOT_HEIGHT;
    // A date under every column when they fit, else under every third, ending
    // with the latest week.
    let every = if slot >= 48 { 1 } else { 3 };
    let last = history.len().saturating_sub(1);
    let columns = history
        .iter()
        .zip(0u32..)
        .map(|(snapshot, index)| {
            let mut top = baseline;
            let segments = STACK
                .iter()
                .filter_map(|&status| {
                    let count = snapshot.counts.of(status);
                    let height = scaled(count, max);
                    if count == 0 || height == 0 {
                        return None;
                    }
                    top -= height;
                    Some(Segment {
                        y: top,
                        height,
                        tone: tone(status),
                        title: format!("{count} {}", status_label(status).to_lowercase()),
                    })
                })
                .collect();
            let position = index as usize;
            Column {
                x: AXIS_WIDTH + index * slot + (slot - width) / 2,
                width,
                day: short(snapshot.day),
                dated: (last - position).is_multiple_of(every),
                segments,
                counts: STACK.iter().map(|&s| snapshot.counts.of(s)).collect(),
            }
        })
        .collect();
    let ticks = [0, max / 2, max]
        .into_iter()
        .map(|value| Tick {
            y: baseline - scaled(value, max),
            label: value.to_string(),
        })
        .collect();
    StackChart {
        id: "pipeline-history",
        title: format!("Leads per stage at the end of each of the last {weeks} weeks"),
        columns,
        ticks,
        keys: STACK
            .iter()
            .map(|&status| Key {
                label: status_label(status),
                swatch: swatch(status),
            })
            .collect(),
        stages: STACK.iter().map(|&s| status_label(s)).collect(),
        width: WIDTH,
        height: baseline + DATES_HEIGHT,
        plot_left: AXIS_WIDTH,
        baseline,
        dates_y: baseline + 16,
    }
}

#[cfg(test)]
mod tests {
    use djcrm_domain::PipelineCounts;

    use super::*;

    fn week(d: u32, new: u64, converted: u64) -> PipelineSnapshot {
        PipelineSnapshot {
            day: NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default(),
            counts: PipelineCounts {
                new,
                converted,
                ..PipelineCounts::default()
            },
        }
    }

    #[test]
    fn the_scale_tops_at_a_round_figure() {
        assert_eq!(ceiling(1), 1);
        assert_eq!(ceiling(3), 5);
        assert_eq!(ceiling(18), 20);
        assert_eq!(ceiling(120), 200);
        assert_eq!(ceiling(100_000), 100_000);
    }

    #[test]
    fn segments_stack_from_the_baseline_in_pipeline_order() {
        let chart = pipeline_over_time(&[week(1, 30, 10), week(8, 10, 30)]);
        let first = &chart.columns[0];
        assert_eq!(first.segments.len(), 2);
        assert_eq!(
            first.segments[0].y + first.segments[0].height,
            chart.baseline
        );
        assert_eq!(
            first.segments[1].y + first.segments[1].height,
            first.segments[0].y
        );
        assert_eq!(first.segments[0].title, "30 new");
        assert_eq!(first.counts, [30, 0, 0, 10, 0]);
    }

    #[test]
    fn columns_fit_the_plot_and_the_last_week_is_dated() {
        let history: Vec<_> = (1..=12).map(|d| week(d, u64::from(d), 0)).collect();
        let chart = pipeline_over_time(&history);
        let right = chart.columns.iter().map(|c| c.x + c.width).max();
        assert!(right.is_some_and(|r| r <= chart.width));
        assert!(chart.columns.last().is_some_and(|c| c.dated));
        assert!(chart.columns.iter().filter(|c| c.dated).count() <= 4);
    }

    #[test]
    fn an_empty_history_draws_nothing_and_does_not_divide_by_zero() {
        let chart = pipeline_over_time(&[week(1, 0, 0)]);
        assert!(chart.columns[0].segments.is_empty());
        assert_eq!(chart.ticks.len(), 3);
    }
}
