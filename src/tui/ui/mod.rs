//! What every draw shares: the frames of panes and overlays, hints, the
//! header and the status and key lines, marks for verdicts and outcomes,
//! and the last scrub of the frame. No state of its own, and no idea of
//! the app: the panes, the overlays and the app's draw call these.

pub mod footer;
pub mod header;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::symbols::border;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget, Wrap};

use super::keymap::{Hint, KeyAction, Keymap};
use super::theme::{Theme, Tone};
use crate::canary::{Outcome, Verdict};

/// Below this the screen shows "terminal too small".
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// The layouts the screen is designed for, chosen from the terminal's
/// size (see `app::draw::pane_areas`): the panes' columns and how much
/// the next-action and status lines may take follow from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SizeClass {
    /// Under 80 columns or 24 rows (down to the 60x16 minimum): one
    /// column, one status row, the next action shortened to fit a row.
    Minimum,
    /// 80 to 99 columns (80x24): one column, the focused pane open and
    /// the others on their title lines.
    Compact,
    /// 100 to 159 columns (120x40): two columns, the Checklist's wider.
    Medium,
    /// 160 columns and more: two columns, the right one (Canary, Logs)
    /// wider, every column of every list whole.
    Wide,
}

impl SizeClass {
    pub fn of(area: Rect) -> SizeClass {
        if area.width < 80 || area.height < 24 {
            SizeClass::Minimum
        } else if area.width < 100 {
            SizeClass::Compact
        } else if area.width < 160 {
            SizeClass::Medium
        } else {
            SizeClass::Wide
        }
    }

    /// One column of panes (the focused one open)?
    pub fn one_column(self) -> bool {
        self <= SizeClass::Compact
    }
}

/// Spans for a `key label` hint.
pub fn hint<'a>(h: &Hint, theme: &Theme) -> [Span<'a>; 2] {
    [
        Span::styled(h.keys.clone(), theme.key),
        Span::styled(format!(" {}  ", h.label), theme.dim),
    ]
}

/// The inside of a bordered pane.
pub fn inner(area: Rect) -> Rect {
    Block::bordered().inner(area)
}

/// A table's body: everything under its header row.
pub fn table_rows(area: Rect) -> Rect {
    Rect {
        y: area.y.saturating_add(1).min(area.bottom()),
        height: area.height.saturating_sub(1),
        ..area
    }
}

/// A pane's frame: thick and bright when focused (not by colour alone).
pub fn pane_block<'a>(
    title: &'a str,
    extra: String,
    focused: bool,
    theme: &Theme,
) -> PaneFrame<'a> {
    let border = if focused {
        theme.border_focus
    } else {
        theme.border
    };
    let mut spans = vec![Span::styled(format!(" {title} "), theme.title)];
    if !extra.is_empty() {
        spans.push(Span::styled(format!("{extra} "), theme.dim));
    }
    PaneFrame {
        title: Line::from(spans),
        border,
        set: if focused {
            border::THICK
        } else {
            border::PLAIN
        },
    }
}

/// A pane's frame as [`pane_block`] makes it: what a bordered `Block`
/// with a title draws, cell for cell, but only the border cells. A
/// `Block` first styles every cell of its area, which the panes do not
/// need (the app fills the screen with the theme's base style first):
/// on a 200x50 screen that was a tenth of the frame.
pub struct PaneFrame<'a> {
    title: Line<'a>,
    border: Style,
    set: border::Set<'static>,
}

impl Widget for PaneFrame<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let (left, top) = (area.left(), area.top());
        let right = area.right() - 1;
        let bottom = area.bottom() - 1;
        let s = self.set;
        let mut put = |x: u16, y: u16, symbol: &str| {
            if let Some(cell) = buf.cell_mut((x, y)) {
                cell.set_symbol(symbol).set_style(self.border);
            }
        };
        // Sides, then corners over them, as `Block` draws them.
        for y in top..=bottom {
            put(left, y, s.vertical_left);
        }
        for x in left..=right {
            put(x, top, s.horizontal_top);
        }
        for y in top..=bottom {
            put(right, y, s.vertical_right);
        }
        for x in left..=right {
            put(x, bottom, s.horizontal_bottom);
        }
        put(right, bottom, s.bottom_right);
        put(right, top, s.top_right);
        put(left, bottom, s.bottom_left);
        put(left, top, s.top_left);
        let titles = Rect {
            x: left + 1,
            y: top,
            width: area.width.saturating_sub(2),
            height: 1,
        };
        let width = u16::try_from(self.title.width()).unwrap_or(u16::MAX);
        let at = Rect {
            width: width.min(titles.width),
            ..titles
        };
        if !at.is_empty() {
            self.title.render(at, buf);
        }
    }
}

/// Lines drawn top to bottom, each cut at the right edge: what an
/// unwrapped, left-aligned `Paragraph` draws, cell for cell, without its
/// cost where it goes: a span of printable ASCII (most of a screen: log
/// lines, tables, numbers) is written a byte a cell, instead of through
/// grapheme segmentation; any other span goes through ratatui's own
/// `set_span`. The draw bench spent a tenth of its time segmenting ASCII.
pub struct Lines<'a>(pub Vec<Line<'a>>);

impl Widget for Lines<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        for (line, y) in self.0.iter().zip(area.top()..area.bottom()) {
            let mut x = area.left();
            for span in &line.spans {
                if x >= area.right() {
                    break;
                }
                let style = line.style.patch(span.style);
                let text = span.content.as_bytes();
                if text.iter().all(|b| (0x20..0x7f).contains(b)) {
                    let n = text.len().min(usize::from(area.right() - x));
                    for (i, b) in text[..n].iter().enumerate() {
                        if let Some(cell) = buf.cell_mut((x + i as u16, y)) {
                            cell.set_char(char::from(*b)).set_style(style);
                        }
                    }
                    x += n as u16;
                } else {
                    let styled = Span::styled(span.content.as_ref(), style);
                    x = buf.set_span(x, y, &styled, area.right() - x).0;
                }
            }
        }
    }
}

/// `lines` word-wrapped to `width` columns, each span's style kept: what
/// `Paragraph::wrap` shows, as lines [`Lines`] draws (no grapheme
/// segmentation of a whole pane of text each frame). A line that fits is
/// kept as it is (its indentation too); a longer one is filled greedily
/// a word at a time (runs of spaces become one), a word wider than the
/// line cut where the line ends. `rows` of them at most: the rest would
/// not show.
pub fn wrap_lines<'a>(lines: Vec<Line<'a>>, width: u16, rows: u16) -> Vec<Line<'a>> {
    let width = usize::from(width.max(1));
    let rows = usize::from(rows);
    let mut out: Vec<Line<'a>> = Vec::new();
    for line in lines {
        if out.len() >= rows {
            break;
        }
        if line.width() <= width {
            out.push(line);
            continue;
        }
        let mut cur: Vec<Span<'a>> = Vec::new();
        let mut used = 0;
        for span in &line.spans {
            let style = line.style.patch(span.style);
            for word in span.content.split(' ').filter(|w| !w.is_empty()) {
                let mut word = word.to_string();
                loop {
                    let ww = Span::raw(word.as_str()).width();
                    let gap = usize::from(used > 0);
                    if used + gap + ww <= width {
                        if gap == 1 {
                            cur.push(Span::raw(" "));
                        }
                        cur.push(Span::styled(word, style));
                        used += gap + ww;
                        break;
                    }
                    if used > 0 {
                        out.push(Line::from(std::mem::take(&mut cur)));
                        used = 0;
                        continue;
                    }
                    // Wider than a line: what fits, then the rest.
                    let mut head = String::new();
                    let mut hw = 0;
                    for c in word.chars() {
                        let cw = Span::raw(c.encode_utf8(&mut [0; 4]).to_string()).width();
                        if hw + cw > width && hw > 0 {
                            break;
                        }
                        head.push(c);
                        hw += cw;
                    }
                    let rest = word[head.len()..].to_string();
                    out.push(Line::from(vec![Span::styled(head, style)]));
                    if rest.is_empty() {
                        break;
                    }
                    word = rest;
                }
            }
        }
        if !cur.is_empty() {
            out.push(Line::from(cur));
        }
    }
    out.truncate(rows);
    out
}

/// A pane with nothing to show yet: its frame, and why, wrapped.
pub fn draw_empty_pane(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    summary: &str,
    message: &str,
    focused: bool,
    theme: &Theme,
) {
    if area.is_empty() {
        return;
    }
    frame.render_widget(pane_block(title, summary.into(), focused, theme), area);
    frame.render_widget(
        Paragraph::new(Line::styled(message.to_string(), theme.dim)).wrap(Wrap { trim: true }),
        inner(area),
    );
}

/// An overlay's frame: double, bright.
pub fn frame_block<'a>(title: String, theme: &Theme) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.border_focus)
        .title(Span::styled(format!(" {title} "), theme.title))
        .style(theme.base)
}

/// "14:03:11" from an RFC 3339 timestamp.
pub use crate::session::clock_time as short_time;

/// A rectangle of at most `w`x`h`, centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Wrapped height of lines in `width` columns (at least one row each).
pub fn rows_for(lines: &[Line], width: u16) -> u16 {
    let w = width.max(1) as usize;
    lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(w) as u16)
        .sum()
}

/// A large overlay's rectangle: the screen between the header and the
/// status line (which says what just happened), at most 110 wide.
pub fn overlay_area(area: Rect) -> Rect {
    let w = area.width.saturating_sub(4).min(110);
    Rect {
        y: area.y.saturating_add(1),
        height: area.height.saturating_sub(3),
        ..centered(area, w, area.height)
    }
}

/// The first visible line for a scroll position: never past the end.
pub fn clamp_scroll(scroll: u16, len: usize, height: u16) -> usize {
    (scroll as usize).min(len.saturating_sub(height as usize))
}

/// "j/k scroll  esc close" in the keymap's keys, for an overlay's frame.
pub fn scroll_and_close(k: &Keymap, theme: &Theme) -> [Span<'static>; 4] {
    [
        Span::styled(
            format!("{}/{} ", k.label(KeyAction::Down), k.label(KeyAction::Up)),
            theme.key,
        ),
        Span::styled("scroll  ", theme.dim),
        Span::styled(format!("{} ", k.label(KeyAction::Cancel)), theme.key),
        Span::styled("close ", theme.dim),
    ]
}

/// Style of a line in the selected row.
pub fn row_style(selected: bool, theme: &Theme) -> Style {
    if selected { theme.selected } else { theme.base }
}

/// The verdict's icon, word and tone.
pub fn verdict_mark(v: Verdict) -> (&'static str, &'static str, Tone) {
    match v {
        Verdict::Promote => ("✔", "PROMOTE", Tone::Ok),
        Verdict::Hold => ("‖", "HOLD", Tone::Warn),
        Verdict::Rollback => ("✘", "ROLL BACK", Tone::Bad),
    }
}

/// A metric outcome's label and tone.
pub fn outcome_mark(o: Outcome) -> (&'static str, Tone) {
    match o {
        Outcome::Pass => ("✔ pass", Tone::Ok),
        Outcome::Marginal => ("~ marginal", Tone::Warn),
        Outcome::Fail => ("✘ FAIL", Tone::Bad),
        Outcome::NoData => ("? no data", Tone::Dim),
        Outcome::Inconclusive => ("… unsure", Tone::Warn),
    }
}

/// Greedy word wrap to `width` characters.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let (lw, ww) = (line.chars().count(), word.chars().count());
        if lw > 0 && lw + 1 + ww > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        while line.chars().count() > width {
            let head: String = line.chars().take(width).collect();
            line = line.chars().skip(width).collect();
            out.push(head);
        }
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

pub fn draw_too_small(frame: &mut Frame, area: Rect, theme: &Theme, quit: &str) {
    let text = vec![
        Line::styled("Terminal too small", theme.warn),
        Line::raw(format!(
            "{}x{}; greenlight needs at least {MIN_WIDTH}x{MIN_HEIGHT}.",
            area.width, area.height
        )),
        Line::styled(
            format!("Enlarge the window, or press {quit} to quit."),
            theme.dim,
        ),
    ];
    let h = (text.len() as u16).min(area.height);
    let y = area.y + (area.height - h) / 2;
    let target = Rect::new(area.x, y, area.width, area.height - (y - area.y));
    frame.render_widget(
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true })
            .style(theme.base),
        target,
    );
}

/// The last line of defence for text from outside (journals from other
/// clones, names, notes): no cell reaches the terminal holding a
/// character it would act on instead of showing (see
/// [`crate::text::is_unsafe`]). ratatui drops most controls itself; the
/// direction overrides it keeps would reorder the line. A cell left empty
/// shows `�`, so the columns after it stay where they were drawn.
pub fn scrub(buf: &mut ratatui::buffer::Buffer) {
    for cell in buf.content.iter_mut() {
        let symbol = cell.symbol();
        // Most cells hold one printable ASCII character: nothing to look
        // at there.
        if let [b] = symbol.as_bytes()
            && (0x20..0x7f).contains(b)
        {
            continue;
        }
        if symbol.chars().any(crate::text::is_unsafe) {
            let kept: String = symbol
                .chars()
                .filter(|c| !crate::text::is_unsafe(*c))
                .collect();
            cell.set_symbol(if kept.is_empty() { "\u{fffd}" } else { &kept });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines wrapped between words keep each word's style, cut a word
    /// wider than the line, and stop at the rows that show.
    #[test]
    fn wrap_lines_keeps_styles_and_stops_at_the_rows() {
        let bold = Style::new().add_modifier(ratatui::style::Modifier::BOLD);
        let lines = vec![
            Line::from(vec![
                Span::styled("label ", bold),
                Span::raw("one two three"),
            ]),
            Line::raw("  fits"),
            Line::raw("abcdefghijkl"),
        ];
        let out = wrap_lines(lines.clone(), 10, 10);
        let text: Vec<String> = out.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            ["label one", "two three", "  fits", "abcdefghij", "kl"]
        );
        assert_eq!(out[0].spans[0].style, bold);
        assert_eq!(wrap_lines(lines, 10, 2).len(), 2);
    }

    #[test]
    fn wrap_keeps_words_and_splits_long_ones() {
        assert_eq!(wrap("a bb ccc", 4), vec!["a bb", "ccc"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert!(wrap("", 5).is_empty());
    }
}
