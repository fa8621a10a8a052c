//! The Logs pane's draw: a title with the counts and the view's state,
//! the error rate against the ten minutes before the release, and the
//! lines of the view, coloured by level and by source, with filter
//! matches highlighted, as many as the frame gives it (the view's own
//! height is what the last frame reported). Until a source exists it
//! says there is none.

use std::ops::Range;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use super::{HEADER_ROWS, Logs};
use crate::logs::config::COLORS;
use crate::logs::time::parse_rfc3339;
use crate::logs::{Level, LogsModel, SourceStatus};
use crate::tui::ctx::Ctx;
use crate::tui::pane::Drawn;
use crate::tui::place::Pane;
use crate::tui::theme::Theme;
use crate::tui::ui::{Lines, draw_empty_pane, inner, pane_block};

/// Where the lines go inside the pane's frame.
fn rows_area(pane: Rect) -> Rect {
    let inside = inner(pane);
    Rect {
        y: inside.y.saturating_add(HEADER_ROWS).min(inside.bottom()),
        height: inside.height.saturating_sub(HEADER_ROWS),
        ..inside
    }
}

impl Logs {
    pub fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx, focused: bool) -> Drawn {
        let mut drawn = Drawn {
            area,
            ..Drawn::default()
        };
        if area.is_empty() {
            return drawn;
        }
        let theme = ctx.theme;
        if !self.is_live() {
            draw_empty_pane(
                frame,
                area,
                Pane::Logs.title(),
                "not configured",
                "no log source configured — see [[logs]] in .greenlight.toml",
                focused,
                theme,
            );
            return drawn;
        }
        let m = &self.model;
        frame.render_widget(
            pane_block(Pane::Logs.title(), m.title(), focused, theme),
            area,
        );
        let inside = inner(area);
        let header = Rect {
            height: HEADER_ROWS.min(inside.height),
            ..inside
        };
        frame.render_widget(Lines(vec![rate_line(ctx, m, theme)]), header);
        let rows = rows_area(area);
        drawn.rows = rows;
        if rows.is_empty() {
            return drawn;
        }
        frame.render_widget(
            Lines(lines(
                m,
                self.raw,
                ctx.now.map(|t| t.as_millisecond()),
                theme,
                rows.width as usize,
                rows.height as usize,
            )),
            rows,
        );
        drawn
    }
}

/// When the release began, for the error rate: the first step started,
/// else the session's start.
fn release_start(ctx: &Ctx) -> Option<i64> {
    let st = ctx.state()?;
    st.steps
        .iter()
        .filter_map(|s| s.started.as_ref())
        .filter_map(|s| parse_rfc3339(&s.at))
        .min()
        .or_else(|| st.started.as_ref().and_then(|s| parse_rfc3339(&s.at)))
}

/// "errors/min 2.0 now vs 0.5 in the 10 min before the step (×4.0) ·
/// web-api · deploy: exited 0 · 120 not shown".
fn rate_line<'a>(ctx: &Ctx, m: &'a LogsModel, theme: &Theme) -> Line<'a> {
    let mut spans = Vec::new();
    match (release_start(ctx), ctx.now) {
        (Some(start), Some(now)) => {
            let r = m.error_rate(start, now.as_millisecond());
            let style = match r.ratio() {
                Some(x) if x >= 2.0 => theme.bad,
                Some(x) if x > 1.2 => theme.warn,
                _ => theme.dim,
            };
            spans.push(Span::styled(r.summary(), style));
        }
        (None, _) => spans.push(Span::styled(
            "errors/min: no release step started yet",
            theme.dim,
        )),
        (Some(_), None) => spans.push(Span::styled("errors/min: waiting for the clock", theme.dim)),
    }
    for s in m.sources() {
        spans.push(Span::styled(" · ", theme.dim));
        spans.push(Span::styled(s.name.as_str(), source_style(theme, s.color)));
        if let Some(st) = &s.status
            && !matches!(
                st,
                SourceStatus::Following { .. } | SourceStatus::Dropped { .. }
            )
        {
            let tone = match st {
                SourceStatus::Failed { .. } => theme.bad,
                SourceStatus::Waiting { .. } | SourceStatus::Notice { .. } => theme.warn,
                _ => theme.dim,
            };
            spans.push(Span::styled(format!(": {}", short_status(st)), tone));
        }
    }
    let dropped = m.dropped();
    if dropped > 0 {
        spans.push(Span::styled(
            format!(" · {dropped} lines not shown (screen behind; counts keep them)"),
            theme.warn,
        ));
    }
    let cut = m.buffer.truncated();
    if cut > 0 {
        spans.push(Span::styled(
            format!(" · {cut} long lines cut ✂"),
            theme.dim,
        ));
    }
    Line::from(spans)
}

fn short_status(s: &SourceStatus) -> String {
    match s {
        SourceStatus::Exited { code: Some(c), .. } => format!("exited {c}"),
        SourceStatus::Exited {
            signal: Some(s), ..
        } => format!("killed by signal {s}"),
        SourceStatus::Exited { .. } => "ended".into(),
        SourceStatus::Stopped => "stopped".into(),
        other => other.describe(),
    }
}

/// A source's colour, as the theme allows: none under `NO_COLOR`, darker
/// shades on a light background.
pub fn source_style(theme: &Theme, color: u8) -> Style {
    if !theme.color {
        return Style::new().add_modifier(Modifier::BOLD);
    }
    let light = theme.name.contains("light");
    let name = COLORS.get(usize::from(color)).copied().unwrap_or("cyan");
    let c = match (name, light) {
        ("cyan", false) => Color::Cyan,
        ("cyan", true) => Color::Rgb(0, 95, 135),
        ("magenta", false) => Color::Magenta,
        ("magenta", true) => Color::Rgb(135, 0, 135),
        ("yellow", false) => Color::Yellow,
        ("yellow", true) => Color::Rgb(135, 95, 0),
        ("green", false) => Color::Green,
        ("green", true) => Color::Rgb(0, 95, 0),
        ("blue", false) => Color::LightBlue,
        ("blue", true) => Color::Rgb(0, 0, 175),
        ("red", _) => return theme.bad,
        ("gray", _) => return theme.dim,
        _ => return theme.base,
    };
    Style::new().fg(c)
}

fn level_style(theme: &Theme, level: Level) -> Style {
    match level {
        Level::Fatal | Level::Error => theme.bad,
        Level::Warn => theme.warn,
        Level::Debug | Level::Trace => theme.dim,
        Level::Info | Level::Unknown => theme.base,
    }
}

/// The text's spans, with `ranges` (byte ranges, ascending) highlighted.
fn highlighted<'a>(text: &'a str, ranges: &[Range<usize>], style: Style) -> Vec<Span<'a>> {
    let hi = style.add_modifier(Modifier::REVERSED | Modifier::BOLD);
    let mut out = Vec::new();
    let mut at = 0;
    for r in ranges {
        let (s, e) = (r.start.max(at), r.end.min(text.len()));
        if s >= e || !text.is_char_boundary(s) || !text.is_char_boundary(e) {
            continue;
        }
        if s > at {
            out.push(Span::styled(&text[at..s], style));
        }
        out.push(Span::styled(&text[s..e], hi));
        at = e;
    }
    if at < text.len() {
        out.push(Span::styled(&text[at..], style));
    }
    out
}

/// Cut spans into lines of at most `width` columns.
fn wrap_spans(spans: Vec<Span<'_>>, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut lines: Vec<Vec<Span<'static>>> = vec![Vec::new()];
    let mut used = 0;
    let mut buf = [0u8; 4];
    for span in spans {
        let mut piece = String::new();
        for c in span.content.chars() {
            let w = Span::raw(&*c.encode_utf8(&mut buf)).width();
            if used + w > width && used > 0 {
                if let Some(l) = lines.last_mut() {
                    l.push(Span::styled(std::mem::take(&mut piece), span.style));
                }
                lines.push(Vec::new());
                used = 0;
            }
            piece.push(c);
            used += w;
        }
        if !piece.is_empty()
            && let Some(l) = lines.last_mut()
        {
            l.push(Span::styled(piece, span.style));
        }
    }
    lines.into_iter().map(Line::from).collect()
}

/// `HH:MM:SS.mmm` of a line's time (UTC, as the rest of the app), with
/// `MM-DD ` before it when it is not the day of `today` (ms); without
/// the milliseconds in a narrow pane.
fn line_time(at: i64, today: Option<i64>, narrow: bool) -> String {
    const DAY: i64 = 86_400_000;
    let ms = at.rem_euclid(DAY);
    let (h, m, sec, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    let mut out = String::with_capacity(18);
    if today.is_some_and(|t| t.div_euclid(DAY) != at.div_euclid(DAY))
        && let Ok(t) = jiff::Timestamp::from_millisecond(at)
    {
        let d = jiff::tz::TimeZone::UTC.to_datetime(t).date();
        out.push_str(&format!("{:02}-{:02} ", d.month(), d.day()));
    }
    if narrow {
        out.push_str(&format!("{h:02}:{m:02}:{sec:02}"));
    } else {
        out.push_str(&format!("{h:02}:{m:02}:{sec:02}.{milli:03}"));
    }
    out
}

/// A level's badge: five columns, the word a reader scans for.
fn badge(level: Level) -> &'static str {
    match level {
        Level::Fatal => "FATAL",
        Level::Error => "ERROR",
        Level::Warn => "WARN ",
        Level::Info => "INFO ",
        Level::Debug => "DEBUG",
        Level::Trace => "TRACE",
        Level::Unknown => "  ·  ",
    }
}

/// The lines on screen: the view's rows, newest at the bottom, each as
/// time, level badge, source, then the message (for JSON and logfmt its
/// `msg` field, the other fields after it, dimmed); the raw line when
/// the pane wraps; the line `raw` (`enter` on it) as it came, whole,
/// wrapped and marked `≡`. As many of the newest rows as fit, keeping the
/// selected one (and the raw one) in sight.
fn lines<'a>(
    m: &'a LogsModel,
    raw_seq: Option<u64>,
    today: Option<i64>,
    theme: &Theme,
    width: usize,
    height: usize,
) -> Vec<Line<'a>> {
    let view = &m.view;
    let rows = view.rows_in(&m.buffer, height);
    let tag_w = m
        .sources()
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0)
        .min(if width < 60 { 8 } else { 14 });
    let highlight = view.search().is_some();
    let narrow = width < 50;
    let mut out: Vec<Vec<Line>> = rows
        .iter()
        .map(|r| {
            let line = r.line;
            let whole = raw_seq == Some(r.seq);
            let raw = whole || view.wrap();
            let level = line.level();
            let base = if r.selected {
                theme.selected
            } else {
                level_style(theme, level)
            };
            let dim = if r.selected {
                theme.selected
            } else {
                theme.dim
            };
            let marker = if whole {
                "≡"
            } else if r.selected {
                "▸"
            } else if line.is_truncated() {
                "✂"
            } else {
                " "
            };
            let mut spans = vec![
                Span::styled(marker, base),
                Span::styled(line_time(line.at(), today, narrow), dim),
                Span::raw(" "),
                Span::styled(
                    badge(level),
                    level_style(theme, level).add_modifier(Modifier::BOLD),
                ),
                Span::raw(" "),
            ];
            let src = m.source(line.source());
            let name: String = src
                .map(|s| s.name.chars().take(tag_w).collect())
                .unwrap_or_default();
            let style = src.map_or(theme.dim, |s| source_style(theme, s.color));
            spans.push(Span::styled(format!("{name:<tag_w$} "), style));
            let ranges = |text: &str| {
                if highlight {
                    view.search_ranges(text)
                } else {
                    Vec::new()
                }
            };
            if raw {
                spans.extend(highlighted(line.text(), &ranges(line.text()), base));
            } else {
                let parts = crate::logs::parts::split(line.text());
                let message = parts.message.into_owned();
                let r = ranges(&message);
                spans.extend(
                    highlighted(&message, &r, base)
                        .into_iter()
                        .map(|s| Span::styled(s.content.into_owned(), s.style)),
                );
                if !parts.fields.is_empty() {
                    let mut rest = String::new();
                    for (k, v) in &parts.fields {
                        rest.push_str("  ");
                        rest.push_str(k);
                        rest.push('=');
                        rest.push_str(v);
                    }
                    let r = ranges(&rest);
                    spans.extend(
                        highlighted(&rest, &r, dim)
                            .into_iter()
                            .map(|s| Span::styled(s.content.into_owned(), s.style)),
                    );
                }
            }
            if raw {
                wrap_spans(spans, width)
            } else {
                vec![Line::from(spans)]
            }
        })
        .collect();
    // Fit the newest rows; if the selection would fall off the top,
    // start at it instead.
    let mut start = out.len();
    let mut used = 0;
    while start > 0 && used + out[start - 1].len() <= height {
        used += out[start - 1].len();
        start -= 1;
    }
    if let Some(sel) = rows
        .iter()
        .position(|r| r.selected || raw_seq == Some(r.seq))
        && sel < start
    {
        start = sel;
    }
    let mut flat: Vec<Line> = out.drain(start..).flatten().collect();
    flat.truncate(height);
    flat
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_split_the_text() {
        let s = Style::new();
        let spans = highlighted("a timeout b timeout", &[2..9, 12..19], s);
        let texts: Vec<&str> = spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(texts, ["a ", "timeout", " b ", "timeout"]);
    }

    #[test]
    fn wrapping_cuts_at_the_width() {
        let lines = wrap_spans(vec![Span::raw(">"), Span::raw("abcdefghij")], 4);
        let texts: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        assert_eq!(texts, [">abc", "defg", "hij"]);
    }
}
