//! Charts drawn on the server as inline SVG (no chart script, nothing for the CSP
//! to allow): this module lays the bars out, `charts/bars.html` draws them with
//! theme-aware classes, so they read in light and dark alike.

mod history;

use djcrm_domain::{LeadStatus, PipelineCounts};

pub use history::{StackChart, pipeline_over_time};

/// The drawing's width in SVG units; it scales to its container, which is about
/// as wide on a 375 px phone, so its 13-unit text reads at about 13 px there.
/// Labels sit above their bars, so a bar has the whole width on a phone too.
const WIDTH: u32 = 360;
/// Room for the figures right of the bars.
const VALUE_WIDTH: u32 = 100;
/// Room for a label above its bar.
const LABEL_HEIGHT: u32 = 18;
const BAR_HEIGHT: u32 = 20;
const GAP: u32 = 12;
/// One row: label, bar, gap.
const ROW: u32 = LABEL_HEIGHT + BAR_HEIGHT + GAP;
/// The longest label drawn whole (about the drawing's width); the chart's table
/// of figures has the full names.
const LABEL_CHARS: usize = 44;

/// One bar.
pub struct Bar {
    /// What it measures.
    pub label: String,
    /// The figure shown beside it.
    pub text: String,
    /// Left edge of the bar.
    pub x: u32,
    /// Top edge of the bar.
    pub y: u32,
    /// Its length.
    pub width: u32,
    /// Its fill (Tailwind classes for both themes).
    pub tone: &'static str,
}

impl Bar {
    /// The baseline of the label, above the bar.
    pub fn label_y(&self) -> u32 {
        self.y - 5
    }

    /// The baseline of the figure, level with the bar.
    pub fn text_y(&self) -> u32 {
        self.y + BAR_HEIGHT / 2 + 5
    }

    /// Where the figure starts: right of the bar.
    pub fn text_x(&self) -> u32 {
        self.x + self.width + 8
    }
}

/// Horizontal bars, one per row.
pub struct BarChart {
    /// An id for `aria-labelledby`.
    pub id: &'static str,
    /// What the chart shows, read out by screen readers.
    pub title: String,
    /// The bars, top to bottom.
    pub bars: Vec<Bar>,
    /// The drawing's width.
    pub width: u32,
    /// The drawing's height.
    pub height: u32,
}

impl BarChart {
    fn new(id: &'static str, title: String, bars: Vec<Bar>) -> Self {
        let rows = u32::try_from(bars.len()).unwrap_or(u32::MAX);
        Self {
            id,
            title,
            bars,
            width: WIDTH,
            height: (rows * ROW).saturating_sub(GAP).max(ROW),
        }
    }
}

/// The length of a bar for `value` out of `max`, at least a sliver when non-zero.
fn length(value: f64, max: f64) -> u32 {
    let room = f64::from(WIDTH - VALUE_WIDTH);
    if max <= 0.0 || value <= 0.0 {
        return 0;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let scaled = (value / max * room).round() as u32;
    scaled.max(2)
}

/// The top of the bar of row `row` (its label is above it).
const fn top(row: u32) -> u32 {
    row * ROW + LABEL_HEIGHT
}

/// `name`, cut with an ellipsis when longer than a chart's label can be.
fn clipped(name: &str) -> String {
    if name.chars().count() <= LABEL_CHARS {
        return name.to_owned();
    }
    let kept: String = name.chars().take(LABEL_CHARS - 1).collect();
    format!("{}…", kept.trim_end())
}

/// A stage's fill in an SVG drawing.
fn tone(status: LeadStatus) -> &'static str {
    match status {
        LeadStatus::New => "fill-sky-600 dark:fill-sky-400",
        LeadStatus::Contacted => "fill-indigo-600 dark:fill-indigo-400",
        LeadStatus::Qualified => "fill-violet-600 dark:fill-violet-400",
        LeadStatus::Converted => "fill-emerald-600 dark:fill-emerald-400",
        LeadStatus::Lost => "fill-slate-500 dark:fill-slate-400",
    }
}

/// A stage's colour as a background (a legend's swatch), matching [`tone`].
pub fn swatch(status: LeadStatus) -> &'static str {
    match status {
        LeadStatus::New => "bg-sky-600 dark:bg-sky-400",
        LeadStatus::Contacted => "bg-indigo-600 dark:bg-indigo-400",
        LeadStatus::Qualified => "bg-violet-600 dark:bg-violet-400",
        LeadStatus::Converted => "bg-emerald-600 dark:bg-emerald-400",
        LeadStatus::Lost => "bg-slate-500 dark:bg-slate-400",
    }
}

/// A status's name as the UI writes it.
pub fn status_label(status: LeadStatus) -> &'static str {
    match status {
        LeadStatus::New => "New",
        LeadStatus::Contacted => "Contacted",
        LeadStatus::Qualified => "Qualified",
        LeadStatus::Converted => "Converted",
        LeadStatus::Lost => "Lost",
    }
}

/// The conversion funnel: how many live leads reached each stage of the pipeline
/// (a qualified lead has also been contacted), centred bars narrowing towards
/// conversion, with each stage's share of all leads. Lost leads count towards
/// "New" only: where they dropped out is in their history, not their status.
pub fn funnel(counts: &PipelineCounts) -> BarChart {
    let total = counts.total();
    let reached = [
        (LeadStatus::New, total),
        (
            LeadStatus::Contacted,
            counts.contacted + counts.qualified + counts.converted,
        ),
        (LeadStatus::Qualified, counts.qualified + counts.converted),
        (LeadStatus::Converted, counts.converted),
    ];
    #[allow(clippy::cast_precision_loss)]
    let max = total as f64;
    let room = WIDTH - VALUE_WIDTH;
    let bars = reached
        .into_iter()
        .zip(0u32..)
        .map(|((status, count), row)| {
            #[allow(clippy::cast_precision_loss)]
            let width = length(count as f64, max);
            Bar {
                label: status_label(status).to_owned(),
                text: format!("{count} · {}", percent(count, total)),
                x: (room - width) / 2,
                y: top(row),
                width,
                tone: tone(status),
            }
        })
        .collect();
    BarChart::new(
        "funnel",
        format!("Conversion funnel of {total} leads"),
        bars,
    )
}

/// `part` of `whole` as a whole percentage.
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0%".to_owned();
    }
    #[allow(clippy::cast_precision_loss)]
    let share = part as f64 * 100.0 / whole as f64;
    format!("{share:.0}%")
}

/// One agent on the leaderboard.
pub struct Standing {
    /// Their name.
    pub name: String,
    /// Leads assigned to them.
    pub assigned: u64,
    /// Of which converted.
    pub converted: u64,
    /// Converted over assigned.
    pub rate: f64,
}

/// The leaderboard: agents by conversion rate, best first (ties by conversions).
pub fn leaderboard(mut standings: Vec<Standing>) -> BarChart {
    standings.sort_by(|a, b| {
        b.rate
            .total_cmp(&a.rate)
            .then(b.converted.cmp(&a.converted))
            .then_with(|| a.name.cmp(&b.name))
    });
    let bars = standings
        .into_iter()
        .zip(0u32..)
        .map(|(standing, row)| Bar {
            text: format!(
                "{:.0}% ({}/{})",
                standing.rate * 100.0,
                standing.converted,
                standing.assigned
            ),
            label: clipped(&standing.name),
            x: 0,
            y: top(row),
            width: length(standing.rate, 1.0),
            tone: "fill-emerald-600 dark:fill-emerald-400",
        })
        .collect();
    BarChart::new("leaderboard", "Agents by conversion rate".to_owned(), bars)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(
        new: u64,
        contacted: u64,
        qualified: u64,
        converted: u64,
        lost: u64,
    ) -> PipelineCounts {
        PipelineCounts {
            new,
            contacted,
            qualified,
            converted,
            lost,
        }
    }

    #[test]
    fn the_funnel_counts_every_lead_that_reached_a_stage() {
        let chart = funnel(&counts(10, 5, 3, 2, 4));
        let texts: Vec<_> = chart.bars.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(texts, ["24 · 100%", "10 · 42%", "5 · 21%", "2 · 8%"]);
    }

    #[test]
    fn funnel_bars_narrow_and_stay_centred() {
        let chart = funnel(&counts(10, 5, 3, 2, 0));
        let widths: Vec<_> = chart.bars.iter().map(|b| b.width).collect();
        assert!(widths.windows(2).all(|w| w[0] >= w[1]), "{widths:?}");
        for bar in &chart.bars {
            let centre = bar.x * 2 + bar.width;
            assert!(centre.abs_diff(WIDTH - VALUE_WIDTH) <= 1);
        }
    }

    #[test]
    fn an_empty_pipeline_draws_no_bars_and_no_division_by_zero() {
        let chart = funnel(&PipelineCounts::default());
        assert!(
            chart
                .bars
                .iter()
                .all(|b| b.width == 0 && b.text == "0 · 0%")
        );
    }

    #[test]
    fn a_long_name_is_cut_to_fit_and_a_short_one_kept() {
        assert_eq!(clipped("Alice"), "Alice");
        let long = "Bartholomew-Maximilian Fitzgerald-Worthington the Third of Kent";
        let cut = clipped(long);
        assert!(
            cut.ends_with('…') && cut.chars().count() <= LABEL_CHARS,
            "{cut}"
        );
    }

    #[test]
    fn every_bar_and_its_figure_fit_the_drawing() {
        let chart = funnel(&counts(100_000, 1, 1, 1, 1));
        for bar in &chart.bars {
            assert!(bar.x + bar.width <= WIDTH - VALUE_WIDTH, "{}", bar.label);
            assert!(bar.label_y() > bar.y.saturating_sub(LABEL_HEIGHT));
            assert!(bar.y + BAR_HEIGHT <= chart.height);
        }
    }

    #[test]
    fn the_leaderboard_puts_the_best_rate_first() {
        let standing = |name: &str, assigned, converted| Standing {
            name: name.to_owned(),
            assigned,
            converted,
            #[allow(clippy::cast_precision_loss)]
            rate: if assigned == 0 {
                0.0
            } else {
                converted as f64 / assigned as f64
            },
        };
        let chart = leaderboard(vec![
            standing("Bo", 10, 2),
            standing("Al", 4, 2),
            standing("Cy", 0, 0),
        ]);
        let labels: Vec<_> = chart.bars.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["Al", "Bo", "Cy"]);
        assert_eq!(chart.bars[0].text, "50% (2/4)");
        assert_eq!(chart.bars[2].width, 0);
    }
}
