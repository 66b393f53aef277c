//! The phases schematic: one box per phase holding its buildings and tenants, drawn as inline SVG.
//!
//! It is a diagram of membership, not a map: every box has the same width and boxes are stacked in a fixed
//! order, so nothing in it suggests a position, a size or an orientation the sources never gave. Geometry
//! is computed here; `_schematic.html` writes the elements (escaped by askama).

use super::charts::{Line, Rect, text_width, wrap};

/// Width of each phase's viewBox: the boxes sit side by side on wide screens (a CSS grid) and one under
/// another on phones, where 360 units are drawn at about the screen's width.
pub const WIDTH: i32 = 360;
pub const TITLE_SIZE: i32 = 16;
pub const TEXT_SIZE: i32 = 13;
pub const NOTE_SIZE: i32 = 11;
const PAD: i32 = 12;
const INNER_PAD: i32 = 8;
const CHIP_HEIGHT: i32 = 26;
const CHIP_PAD: i32 = 8;
const CHIP_GAP: i32 = 6;
const GROUP_GAP: i32 = 10;
const LINE: i32 = 17;

/// A tenant (or the "and N more" link) as a labelled link.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub name: String,
    pub href: String,
}

/// A building of the phase with its tenants, or the phase's tenants whose building is not stated.
#[derive(Debug, Clone)]
pub struct Group {
    pub heading: String,
    pub tenants: Vec<Tenant>,
    /// Shown when `tenants` is empty ("no tenants named").
    pub empty_note: String,
    /// Distinguishes stated buildings (solid outline) from the catch-all group (dashed).
    pub is_building: bool,
}

#[derive(Debug, Clone)]
pub struct Chip {
    pub rect: Rect,
    pub text: Line,
    pub href: String,
    /// The whole name, when the chip had to shorten it.
    pub full_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct GroupBox {
    pub rect: Rect,
    pub heading: Vec<Line>,
    pub chips: Vec<Chip>,
    /// "No tenants named", when the group has none.
    pub empty_note: Vec<Line>,
    pub is_building: bool,
}

/// One phase's box, laid out.
#[derive(Debug, Clone)]
pub struct Diagram {
    /// Prefix of element ids, unique on the page.
    pub id: String,
    pub title: String,
    pub width: i32,
    pub height: i32,
    pub frame: Rect,
    pub title_lines: Vec<Line>,
    pub subtitle: Vec<Line>,
    pub groups: Vec<GroupBox>,
    /// Shown when the phase has no group at all.
    pub empty_note: Vec<Line>,
    /// "Schematic, not to scale", inside the picture itself.
    pub scale_note: Line,
    /// Dashed frame: the box gathers what the sources place in no phase.
    pub unplaced: bool,
}

/// Texts of one box, in the page's language.
pub struct DiagramText {
    pub id: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub empty_note: String,
    pub scale_note: String,
    pub unplaced: bool,
}

impl GroupBox {
    /// A group's box across the diagram's inner width, its top at `top`: its heading, then its tenants as
    /// chips (or the note that it has none).
    fn layout(group: Group, left: i32, top: i32, width: i32) -> GroupBox {
        let text_left = left + INNER_PAD;
        let text_width_max = width - 2 * INNER_PAD;
        let mut gy = top + INNER_PAD - 2;
        let heading = wrap(&group.heading, TEXT_SIZE, text_width_max)
            .into_iter()
            .map(|t| {
                gy += LINE;
                Line { x: text_left, y: gy, text: t }
            })
            .collect();
        gy += 6;
        let (chips, bottom) = flow_chips(&group.tenants, text_left, gy, text_width_max);
        let (empty_note, bottom) = if group.tenants.is_empty() {
            let lines = lines_at(&group.empty_note, text_left, gy, text_width_max);
            let bottom = gy + LINE * lines.len() as i32;
            (lines, bottom)
        } else {
            (Vec::new(), bottom)
        };
        let height = bottom + INNER_PAD - top;
        GroupBox {
            rect: Rect { x: left, y: top, width, height },
            heading,
            chips,
            empty_note,
            is_building: group.is_building,
        }
    }
}

impl Diagram {
    pub fn layout(text: DiagramText, groups: Vec<Group>) -> Diagram {
        let inner_left = PAD + 1;
        let inner_width = WIDTH - 2 * inner_left;
        let mut y = PAD;
        let mut title_lines = Vec::new();
        for line in wrap(&text.title, TITLE_SIZE, inner_width) {
            y += TITLE_SIZE + 4;
            title_lines.push(Line { x: inner_left, y, text: line });
        }
        let subtitle = wrap(text.subtitle.as_deref().unwrap_or_default(), TEXT_SIZE, inner_width)
            .into_iter()
            .map(|s| {
                y += LINE;
                Line { x: inner_left, y, text: s }
            })
            .collect();
        y += GROUP_GAP;
        let mut boxes = Vec::with_capacity(groups.len());
        for group in groups {
            let group_box = GroupBox::layout(group, inner_left, y, inner_width);
            y = group_box.rect.y + group_box.rect.height + GROUP_GAP;
            boxes.push(group_box);
        }
        let mut empty_note = Vec::new();
        if boxes.is_empty() {
            empty_note = lines_at(&text.empty_note, inner_left, y, inner_width);
            y += LINE * empty_note.len() as i32 + GROUP_GAP;
        }
        y += NOTE_SIZE;
        let scale_note = Line { x: WIDTH - inner_left, y, text: text.scale_note };
        y += PAD;
        Diagram {
            id: text.id,
            title: text.title,
            width: WIDTH,
            height: y + 1,
            frame: Rect { x: 1, y: 1, width: WIDTH - 2, height: y - 1 },
            title_lines,
            subtitle,
            groups: boxes,
            empty_note,
            scale_note,
            unplaced: text.unplaced,
        }
    }

    /// Every link in the picture.
    pub fn links(&self) -> impl Iterator<Item = &Chip> {
        self.groups.iter().flat_map(|g| g.chips.iter())
    }
}

/// `text` wrapped into lines of [`TEXT_SIZE`] below `top`.
fn lines_at(text: &str, x: i32, top: i32, max_width: i32) -> Vec<Line> {
    wrap(text, TEXT_SIZE, max_width)
        .into_iter()
        .enumerate()
        .map(|(i, t)| Line { x, y: top + LINE * (i as i32 + 1) - 4, text: t })
        .collect()
}

/// Places tenant chips left to right, wrapping to a new row when the next would overflow. Returns the chips
/// and the bottom of the last row.
fn flow_chips(tenants: &[Tenant], left: i32, top: i32, max_width: i32) -> (Vec<Chip>, i32) {
    let mut chips = Vec::with_capacity(tenants.len());
    let (mut x, mut y) = (left, top);
    for t in tenants {
        let (label, full_name) = fit(&t.name, max_width - 2 * CHIP_PAD);
        let width = text_width(&label, TEXT_SIZE) + 2 * CHIP_PAD;
        if x > left && x + width > left + max_width {
            x = left;
            y += CHIP_HEIGHT + CHIP_GAP;
        }
        chips.push(Chip {
            rect: Rect { x, y, width, height: CHIP_HEIGHT },
            text: Line { x: x + CHIP_PAD, y: y + CHIP_HEIGHT / 2 + TEXT_SIZE * 7 / 20, text: label },
            href: t.href.clone(),
            full_name,
        });
        x += width + CHIP_GAP;
    }
    let bottom = if chips.is_empty() { top } else { y + CHIP_HEIGHT };
    (chips, bottom)
}

/// The name, shortened with an ellipsis if it is wider than a chip may be (the whole name is then kept for
/// the link's tooltip and accessible name).
fn fit(name: &str, max_width: i32) -> (String, Option<String>) {
    if text_width(name, TEXT_SIZE) <= max_width {
        return (name.to_string(), None);
    }
    let mut short = String::new();
    for c in name.chars() {
        if text_width(&format!("{short}{c}…"), TEXT_SIZE) > max_width {
            break;
        }
        short.push(c);
    }
    (format!("{}…", short.trim_end()), Some(name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text() -> DiagramText {
        DiagramText {
            id: "p1".into(),
            title: "Phase 1".into(),
            subtitle: Some("Delivered".into()),
            empty_note: "Nothing named".into(),
            scale_note: "Schematic, not to scale".into(),
            unplaced: false,
        }
    }

    fn tenants(n: usize) -> Vec<Tenant> {
        (0..n).map(|i| Tenant { name: format!("Company number {i}"), href: format!("/companies/c{i}") }).collect()
    }

    #[test]
    fn chips_wrap_inside_their_group_and_groups_stack() {
        let d = Diagram::layout(
            text(),
            vec![
                Group {
                    heading: "Buildings".into(),
                    tenants: tenants(7),
                    empty_note: String::new(),
                    is_building: true,
                },
                Group { heading: "Other".into(), tenants: vec![], empty_note: "None named".into(), is_building: false },
            ],
        );
        assert_eq!(d.links().count(), 7);
        let g = &d.groups[0];
        for chip in &g.chips {
            assert!(chip.rect.x >= g.rect.x && chip.rect.x + chip.rect.width <= g.rect.x + g.rect.width, "{chip:?}");
            assert!(chip.rect.y >= g.rect.y && chip.rect.y + chip.rect.height <= g.rect.y + g.rect.height, "{chip:?}");
        }
        assert!(g.chips.iter().map(|c| c.rect.y).collect::<std::collections::BTreeSet<_>>().len() > 1, "rows wrap");
        assert!(d.groups[1].rect.y > g.rect.y + g.rect.height, "groups do not overlap");
        assert_eq!(d.groups[1].empty_note.len(), 1);
        assert!(d.scale_note.y > d.groups[1].rect.y + d.groups[1].rect.height);
        assert!(d.frame.y + d.frame.height <= d.height);
    }

    #[test]
    fn every_box_has_the_same_width_whatever_it_holds() {
        let small = Diagram::layout(text(), vec![]);
        let big = Diagram::layout(
            text(),
            vec![Group { heading: "B".into(), tenants: tenants(30), empty_note: String::new(), is_building: true }],
        );
        assert_eq!(small.frame.width, big.frame.width);
        assert!(!small.empty_note.is_empty());
        let long =
            DiagramText { empty_note: "The sources name no buildings or tenants of this phase".into(), ..text() };
        let wrapped = Diagram::layout(long, vec![]);
        assert!(wrapped.empty_note.len() > 1, "long notes wrap");
        for line in &wrapped.empty_note {
            assert!(line.x + text_width(&line.text, TEXT_SIZE) <= wrapped.frame.x + wrapped.frame.width);
        }
    }

    #[test]
    fn long_names_are_shortened_but_kept_whole() {
        let long = "A company with a remarkably long official English name that never ends";
        let (label, full) = fit(long, 200);
        assert!(label.ends_with('…') && text_width(&label, TEXT_SIZE) <= 200);
        assert_eq!(full.as_deref(), Some(long));
        assert_eq!(fit("长光辰芯", 200), ("长光辰芯".to_string(), None));
    }
}
