//! Pictures drawn on the server as inline SVG: horizontal bar charts (the statistics page) and the text
//! measuring and wrapping they share with the phases schematic.
//!
//! Only geometry is computed here, in whole viewBox units; the templates (`_bar_chart.html`) write the
//! elements, so every label goes through askama's escaping. Colours come from classes in `site.css` (the CSP
//! forbids inline styles); sizes are presentation attributes, because the layout is computed from them.

/// Width of every chart's viewBox. Narrow on purpose: on a 375 px screen the picture is drawn at about its
/// own size, so 13-unit text reads as 13 px; wider screens cap the picture's width in CSS.
pub const CHART_WIDTH: i32 = 320;
/// Category labels and value labels.
pub const LABEL_SIZE: i32 = 13;
/// Tick labels under the value axis.
pub const TICK_SIZE: i32 = 11;
const LINE_HEIGHT: i32 = 16;
const BAR_HEIGHT: i32 = 18;
const LABEL_GAP: i32 = 4;
const ROW_GAP: i32 = 12;
const PAD: i32 = 4;
const VALUE_GAP: i32 = 6;
/// Ticks along the value axis, at most (plus zero).
const MAX_TICKS: i64 = 5;

/// Approximate advance of `text` at `size`: CJK characters are square, Latin ones about 0.6 em. Good enough
/// to wrap labels and reserve room for values; the browser's own font decides the exact width.
pub fn text_width(text: &str, size: i32) -> i32 {
    let em: f64 = text.chars().map(|c| if is_wide(c) { 1.0 } else { 0.6 }).sum();
    (em * f64::from(size)).ceil() as i32
}

fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6)
}

/// Breaks `text` into lines no wider than `max_width`: between words in Latin text, between any two
/// characters in Chinese; a word longer than a line is cut where it must be.
pub fn wrap(text: &str, size: i32, max_width: i32) -> Vec<String> {
    // Units that may not be split: a Latin word with its trailing space, or one wide character.
    let mut units: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if is_wide(c) {
            if !word.is_empty() {
                units.push(std::mem::take(&mut word));
            }
            units.push(c.to_string());
        } else {
            word.push(c);
            if c == ' ' {
                units.push(std::mem::take(&mut word));
            }
        }
    }
    if !word.is_empty() {
        units.push(word);
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for unit in units {
        let candidate = format!("{line}{unit}");
        if text_width(candidate.trim_end(), size) <= max_width {
            line = candidate;
            continue;
        }
        if !line.trim().is_empty() {
            lines.push(line.trim_end().to_string());
        }
        line = String::new();
        // A unit wider than a whole line: cut it character by character.
        for c in unit.chars() {
            let candidate = format!("{line}{c}");
            if text_width(candidate.trim_end(), size) > max_width && !line.is_empty() {
                lines.push(line.trim_end().to_string());
                line = c.to_string();
            } else {
                line = candidate;
            }
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// One category of a chart, before layout.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    /// None: the source does not state it (drawn as a note, never as zero).
    pub value: Option<i64>,
    /// The value as the page writes it ("4万元", "40,000 yuan", "3").
    pub value_label: String,
    /// Where the category has a page of its own.
    pub href: Option<String>,
}

/// A line of text at a baseline position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub x: i32,
    pub y: i32,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
}

/// One laid-out category: its label lines, its bar (none when not stated) and its value label.
#[derive(Debug, Clone)]
pub struct Row {
    pub bar: Bar,
    pub label_lines: Vec<Line>,
    pub rect: Option<Rect>,
    pub value_text: Line,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    pub x: i32,
    pub value: i64,
    pub label: String,
}

/// A horizontal bar chart with its geometry computed: category labels above their bars, the value at each
/// bar's end, and a value axis with ticks and a title underneath.
#[derive(Debug, Clone)]
pub struct BarChart {
    /// Prefix of the element ids (`{id}-title`, `{id}-caption`): unique on the page.
    pub id: String,
    pub title: String,
    /// Heading of the table's first column ("Sector").
    pub category_heading: String,
    /// Heading of the table's value column, and the axis title ("Companies").
    pub value_heading: String,
    pub width: i32,
    pub height: i32,
    pub rows: Vec<Row>,
    pub ticks: Vec<Tick>,
    /// Left and right ends of the value axis.
    pub axis_x0: i32,
    pub axis_x1: i32,
    pub axis_y: i32,
    pub tick_label_y: i32,
    pub axis_title: Line,
}

/// Texts of a chart (already in the page's language).
pub struct ChartText {
    pub id: &'static str,
    pub title: String,
    pub category_heading: String,
    pub value_heading: String,
}

impl BarChart {
    /// Lays out `bars` in the given order. `tick_label` writes axis values (shorter than value labels:
    /// "10万", "100k").
    pub fn horizontal(text: ChartText, bars: Vec<Bar>, tick_label: impl Fn(i64) -> String) -> BarChart {
        let width = CHART_WIDTH;
        let max = bars.iter().filter_map(|b| b.value).max().unwrap_or(0).max(0);
        let (step, axis_max) = nice_scale(max);
        let ticks_values: Vec<i64> = (0..=axis_max / step).map(|i| i * step).collect();
        let tick_labels: Vec<String> = ticks_values.iter().map(|&v| tick_label(v)).collect();
        // Room at the right for the longest value label after a full-length bar, and for the last tick label
        // centred on the axis end; the axis keeps at least half the width.
        // Value labels are bold, a tenth wider than the estimate for regular text.
        let value_room =
            bars.iter().map(|b| text_width(&b.value_label, LABEL_SIZE) * 11 / 10).max().unwrap_or(0) + VALUE_GAP;
        let tick_room = tick_labels.last().map(|t| text_width(t, TICK_SIZE) / 2).unwrap_or(0);
        let axis_x0 = PAD + tick_labels.first().map(|t| text_width(t, TICK_SIZE) / 2).unwrap_or(0);
        let axis_x1 = (width - PAD - value_room.max(tick_room)).max(width / 2);
        let span = axis_x1 - axis_x0;
        let scale = |v: i64| -> i32 { axis_x0 + ((v as f64) * f64::from(span) / (axis_max as f64)).round() as i32 };

        let mut y = PAD;
        let mut rows = Vec::with_capacity(bars.len());
        for bar in bars {
            let lines = wrap(&bar.label, LABEL_SIZE, width - 2 * PAD);
            let mut label_lines = Vec::with_capacity(lines.len());
            for text in lines {
                y += LINE_HEIGHT;
                // Baseline a little above the line's bottom, so descenders stay inside it.
                label_lines.push(Line { x: PAD, y: y - 4, text });
            }
            y += LABEL_GAP;
            let rect = bar.value.map(|v| Rect {
                x: axis_x0,
                y,
                width: (scale(v.max(0)) - axis_x0).max(if v > 0 { 1 } else { 0 }),
                height: BAR_HEIGHT,
            });
            let end = rect.as_ref().map(|r| r.x + r.width).unwrap_or(axis_x0);
            let value_text =
                Line { x: end + VALUE_GAP, y: y + BAR_HEIGHT / 2 + LABEL_SIZE * 7 / 20, text: bar.value_label.clone() };
            y += BAR_HEIGHT + ROW_GAP;
            rows.push(Row { bar, label_lines, rect, value_text });
        }
        let axis_y = y;
        let tick_label_y = axis_y + 6 + TICK_SIZE;
        let ticks = ticks_values
            .into_iter()
            .zip(tick_labels)
            .map(|(value, label)| Tick { x: scale(value), value, label })
            .collect();
        let axis_title =
            Line { x: axis_x0 + span / 2, y: tick_label_y + 8 + LABEL_SIZE, text: text.value_heading.clone() };
        let height = axis_title.y + PAD + 2;
        BarChart {
            id: text.id.to_string(),
            title: text.title,
            category_heading: text.category_heading,
            value_heading: text.value_heading,
            width,
            height,
            rows,
            ticks,
            axis_x0,
            axis_x1,
            axis_y,
            tick_label_y,
            axis_title,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Tick positions the grid lines are drawn at (zero is the axis itself).
    pub fn grid_ticks(&self) -> impl Iterator<Item = &Tick> {
        self.ticks.iter().filter(|t| t.value > 0)
    }
}

/// A step of 1, 2 or 5 × 10ⁿ giving at most [`MAX_TICKS`] steps up to `max`, and the axis end (a whole
/// number of steps). Counts and yuan are whole numbers, so the step is at least 1.
fn nice_scale(max: i64) -> (i64, i64) {
    if max <= 0 {
        return (1, 1);
    }
    let raw = max as f64 / MAX_TICKS as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = match raw / magnitude {
        r if r <= 1.0 => magnitude,
        r if r <= 2.0 => 2.0 * magnitude,
        r if r <= 5.0 => 5.0 * magnitude,
        _ => 10.0 * magnitude,
    };
    let step = (step.round() as i64).max(1);
    let axis_max = (max + step - 1) / step * step;
    (step, axis_max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text() -> ChartText {
        ChartText { id: "t", title: "T".into(), category_heading: "C".into(), value_heading: "Companies".into() }
    }

    fn bar(label: &str, value: Option<i64>) -> Bar {
        Bar {
            label: label.into(),
            value,
            value_label: value.map(|v| v.to_string()).unwrap_or_else(|| "not stated".into()),
            href: None,
        }
    }

    #[test]
    fn scales_are_round_numbers() {
        assert_eq!(nice_scale(0), (1, 1));
        assert_eq!(nice_scale(3), (1, 3));
        assert_eq!(nice_scale(5), (1, 5));
        assert_eq!(nice_scale(7), (2, 8));
        assert_eq!(nice_scale(22), (5, 25));
        assert_eq!(nice_scale(100_000), (20_000, 100_000));
        assert_eq!(nice_scale(110_000), (50_000, 150_000));
    }

    #[test]
    fn bar_lengths_are_proportional_to_values() {
        let chart = BarChart::horizontal(text(), vec![bar("a", Some(4)), bar("b", Some(2)), bar("c", Some(0))], |v| {
            v.to_string()
        });
        let widths: Vec<i32> = chart.rows.iter().map(|r| r.rect.as_ref().unwrap().width).collect();
        let span = chart.axis_x1 - chart.axis_x0;
        assert_eq!(widths[0], span, "the largest value reaches the axis end (4 of 0..4)");
        assert!((widths[1] * 2 - widths[0]).abs() <= 1, "{widths:?}");
        assert_eq!(widths[2], 0);
        // Ticks 0..4 evenly spaced, starting at the axis origin and ending at its end.
        let xs: Vec<i32> = chart.ticks.iter().map(|t| t.x).collect();
        assert_eq!(xs.first(), Some(&chart.axis_x0));
        assert_eq!(xs.last(), Some(&chart.axis_x1));
        assert_eq!(chart.ticks.iter().map(|t| t.value).collect::<Vec<_>>(), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn everything_fits_inside_the_view_box() {
        let long = "Roadshow of the CAS Advanced Medical Device Industry Incubation Alliance";
        let chart = BarChart::horizontal(
            text(),
            vec![bar(long, Some(60_000)), bar("中科院先进医疗器械产业孵化联盟路演", Some(40_000)), bar("x", None)],
            |v| format!("{}k", v / 1000),
        );
        for row in &chart.rows {
            for line in &row.label_lines {
                assert!(line.x + text_width(&line.text, LABEL_SIZE) <= chart.width, "{line:?}");
                assert!(line.y < chart.height);
            }
            assert!(row.value_text.x + text_width(&row.value_text.text, LABEL_SIZE) <= chart.width, "{row:?}");
            if let Some(r) = &row.rect {
                assert!(r.x + r.width <= chart.axis_x1 && r.y + r.height < chart.axis_y);
            }
        }
        assert!(chart.rows[0].label_lines.len() >= 2, "the long label wraps");
        // Rows never overlap: each starts below the previous bar.
        for pair in chart.rows.windows(2) {
            let prev_bottom = pair[0].rect.as_ref().map(|r| r.y + r.height).unwrap_or(0);
            assert!(pair[1].label_lines[0].y > prev_bottom);
        }
        // A value the source does not state gets no bar, and its note starts at the axis.
        assert!(chart.rows[2].rect.is_none());
        assert_eq!(chart.rows[2].value_text.x, chart.axis_x0 + VALUE_GAP);
        assert!(chart.axis_title.y < chart.height);
    }

    #[test]
    fn wrapping_breaks_words_and_chinese() {
        assert_eq!(wrap("Core Component Design", 10, 80), vec!["Core", "Component", "Design"]);
        assert_eq!(wrap("核心元器件设计与制造", 10, 50), vec!["核心元器件", "设计与制造"]);
        assert_eq!(wrap("short", 10, 200), vec!["short"]);
        assert_eq!(wrap("abcdefghij", 10, 30), vec!["abcde", "fghij"]);
        assert!(wrap("", 10, 100).is_empty());
    }
}
