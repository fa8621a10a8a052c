//! The Canary pane's draw, from the latest judgement the collector sent:
//! a verdict banner (word and icon, not colour alone), the plan's
//! progress, one row per metric with braille charts of canary and
//! baseline on one scale, their medians, the ratio and the outcome, and
//! the selected metric's rule. Zoomed, each metric gets a full chart.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph};

use super::Canary;
use crate::canary::MetricJudgement;
use crate::canary::explain::num;
use crate::canary::plan::{self as canary_plan, PlanAction};
use crate::canary::snapshot::{CanarySnapshot, MetricSeries};
use crate::tui::ctx::{Ctx, window_start};
use crate::tui::keymap::KeyAction;
use crate::tui::pane::Drawn;
use crate::tui::place::Pane;
use crate::tui::theme::Theme;
use crate::tui::ui::{
    Lines, draw_empty_pane, inner, outcome_mark, pane_block, short_time, verdict_mark, wrap,
};

/// `values` as a one-row braille area chart of `width` cells (two
/// samples a cell), scaled to `lo..hi` so two series drawn with the same
/// bounds compare by height. Each dot column is the mean of its samples.
pub fn spark(values: &[f64], lo: f64, hi: f64, width: usize) -> String {
    const LEFT: [u32; 4] = [0x40, 0x04, 0x02, 0x01];
    const RIGHT: [u32; 4] = [0x80, 0x20, 0x10, 0x08];
    if width == 0 {
        return String::new();
    }
    let cols = width * 2;
    let n = values.len();
    let level = |c: usize| -> Option<usize> {
        if n == 0 {
            return None;
        }
        let (a, b) = (c * n / cols, ((c + 1) * n / cols).max(c * n / cols + 1));
        let part = &values[a.min(n - 1)..b.min(n)];
        let finite: Vec<f64> = part.iter().copied().filter(|v| v.is_finite()).collect();
        if finite.is_empty() {
            return None;
        }
        let mean = finite.iter().sum::<f64>() / finite.len() as f64;
        let span = hi - lo;
        let f = if span > 0.0 && span.is_finite() {
            ((mean - lo) / span).clamp(0.0, 1.0)
        } else {
            0.5
        };
        Some((f * 3.0).round() as usize)
    };
    (0..width)
        .map(|cell| {
            let mut bits = 0u32;
            for (side, dots) in [(0, LEFT), (1, RIGHT)] {
                if let Some(l) = level(cell * 2 + side) {
                    for d in dots.iter().take(l + 1) {
                        bits |= d;
                    }
                }
            }
            char::from_u32(0x2800 + bits).unwrap_or(' ')
        })
        .collect()
}

/// "3m10s", "25s".
fn short_secs(secs: i64) -> String {
    let secs = secs.max(0);
    if secs >= 60 {
        let s = secs % 60;
        if s == 0 {
            format!("{}m", secs / 60)
        } else {
            format!("{}m{s:02}s", secs / 60)
        }
    } else {
        format!("{secs}s")
    }
}

/// `weight 25% · step 2/4 · next: 50% after Promote (3m left)`; when it
/// does not fit `width`, `25% · 2/4 · 50% after Promote (3m)`.
fn plan_words(c: &Canary, ctx: &Ctx, now: jiff::Timestamp, width: usize) -> Option<String> {
    let long = plan_text(c, ctx, now, false)?;
    if long.chars().count() <= width {
        return Some(long);
    }
    plan_text(c, ctx, now, true)
}

fn plan_text(c: &Canary, ctx: &Ctx, now: jiff::Timestamp, compact: bool) -> Option<String> {
    let plan = c.plan(ctx)?;
    let st = ctx.state()?;
    Canary::step(ctx)?;
    let progress = canary_plan::progress(&plan, &st.canary);
    let n = plan.steps.len();
    let at = progress
        .iter()
        .position(|p| p.status == canary_plan::StepStatus::Current)
        .map(|i| i + 1)
        .unwrap_or_else(|| {
            progress
                .iter()
                .filter(|p| p.status == canary_plan::StepStatus::Done)
                .count()
        });
    let weight = match (st.canary.weight, compact) {
        (Some(w), false) => format!("weight {w}%"),
        (Some(w), true) => format!("{w}%"),
        (None, _) => "weight not set".to_owned(),
    };
    let k = ctx.keymap;
    let next = match canary_plan::next_action(&plan, &st.canary, now) {
        PlanAction::SetWeight { weight, .. } => format!(
            "next: {weight}% now ({} sets it)",
            k.label(KeyAction::SetWeight)
        ),
        PlanAction::Wait { weight, until } => {
            let left = short_secs(until.duration_since(now).as_secs());
            match (plan.next_after(weight), compact) {
                (Some(s), false) => format!("next: {}% after Promote ({left} left)", s.weight),
                (Some(s), true) => format!("{}% after Promote ({left})", s.weight),
                (None, _) => format!("watching ({left} left)"),
            }
        }
        PlanAction::NeedsPromote { next, .. } => format!("next: {next}% after a Promote"),
        PlanAction::ProposeRollback { .. } => format!(
            "next: ROLL BACK ({} in this pane)",
            k.label(KeyAction::Rollback)
        ),
        PlanAction::RolledBack => "rolled back".to_owned(),
        PlanAction::Done { weight } => format!("done: the canary reached {weight}%"),
    };
    let next = if compact {
        next.trim_start_matches("next: ").to_owned()
    } else {
        next
    };
    Some(if compact {
        format!("{weight} · {at}/{n} · {next}")
    } else {
        format!("{weight} · step {at}/{n} · {next}")
    })
}

/// The lowest and highest finite value of both tracks: one scale.
fn bounds(s: &MetricSeries) -> Option<(f64, f64)> {
    let mut it = s
        .canary
        .iter()
        .chain(&s.baseline)
        .map(|p| p.1)
        .filter(|v| v.is_finite());
    let first = it.next()?;
    Some(it.fold((first, first), |(lo, hi), v| (lo.min(v), hi.max(v))))
}

fn median(v: Option<f64>) -> String {
    v.map_or("—".into(), num)
}

/// The banner: the verdict as a badge, then the rest of its summary.
fn banner(snap: &CanarySnapshot, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let (icon, word, tone) = verdict_mark(snap.judgement.verdict);
    let badge = format!(" {icon} {word} ");
    let style = theme
        .tone(tone)
        .add_modifier(Modifier::REVERSED | Modifier::BOLD);
    let summary = snap.judgement.summary.as_str();
    let rest = summary
        .split_once(" — ")
        .map_or(summary, |(_, r)| r)
        .to_owned();
    let mut first = vec![Span::styled(badge.clone(), style)];
    if snap.stale {
        first.push(Span::raw(" "));
        first.push(Span::styled(
            " STALE ",
            theme.warn.add_modifier(Modifier::REVERSED),
        ));
    }
    let used: usize = first.iter().map(|s| s.width()).sum::<usize>() + 1;
    let mut words = wrap(&rest, width.saturating_sub(used).max(8)).into_iter();
    if let Some(w) = words.next() {
        first.push(Span::raw(" "));
        first.push(Span::styled(w, theme.tone(tone)));
    }
    let mut out = vec![Line::from(first)];
    let tail: Vec<String> = words.collect();
    if !tail.is_empty() {
        out.extend(
            wrap(&tail.join(" "), width.saturating_sub(2))
                .into_iter()
                .map(|l| Line::styled(format!("  {l}"), theme.tone(tone))),
        );
    }
    out
}

/// Lines about the source: its error, a record that failed, a command.
fn notes(
    v: &Canary,
    theme: &Theme,
    snap: Option<&CanarySnapshot>,
    width: usize,
) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if let Some(s) = snap
        && let Some(e) = &s.error
    {
        let kept = if s.stale {
            " — the charts keep the last good series (stale)"
        } else {
            ""
        };
        for l in wrap(&format!("⚠ source error: {e}{kept}"), width) {
            out.push(Line::styled(l, theme.bad));
        }
    }
    if let Some(cmd) = &v.running {
        out.push(Line::styled(format!("⏵ running `{cmd}`…"), theme.info));
    }
    if let Some(e) = &v.record_error {
        for l in wrap(&format!("⚠ judgement not recorded: {e}"), width) {
            out.push(Line::styled(l, theme.warn));
        }
    }
    out
}

/// Column widths of the metric rows.
struct Cols {
    name: usize,
    spark: usize,
    value: usize,
    ratio: usize,
    outcome: usize,
}

fn columns(snap: &CanarySnapshot, width: usize) -> Cols {
    let ms = &snap.judgement.metrics;
    let name = ms
        .iter()
        .map(|m| m.name.chars().count())
        .max()
        .unwrap_or(6)
        .clamp(6, 16);
    let value = ms
        .iter()
        .flat_map(|m| [median(m.canary_median), median(m.baseline_median)])
        .map(|v| v.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let outcome = ms
        .iter()
        .map(|m| outcome_mark(m.outcome).0.chars().count())
        .max()
        .unwrap_or(6)
        .max(7);
    let ratio = 5;
    // "▸ " + name + " " + [spark " " value " "] x2 + ratio + " " + outcome
    let fixed = 2 + name + 1 + ratio + 1 + outcome;
    let room = width.saturating_sub(fixed);
    let (spark, value) = if room >= 2 * (4 + 1 + value + 1) {
        (((room / 2).saturating_sub(value + 2)).min(30), value)
    } else {
        ((room / 2).saturating_sub(1).min(30), 0)
    };
    Cols {
        name,
        spark,
        value,
        ratio,
        outcome,
    }
}

fn pad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n >= w {
        s.chars().take(w).collect()
    } else {
        format!("{s}{}", " ".repeat(w - n))
    }
}

fn header(c: &Cols, stale: bool, theme: &Theme) -> Line<'static> {
    let track = c.spark + if c.value > 0 { 1 + c.value } else { 0 };
    let mut text = format!("  {} ", pad("metric", c.name));
    if c.spark > 0 {
        let (cn, bn) = if stale {
            ("canary (stale)", "baseline (stale)")
        } else {
            ("canary", "baseline")
        };
        text.push_str(&format!("{} {} ", pad(cn, track), pad(bn, track)));
    }
    text.push_str(&format!("{:>w$} outcome", "ratio", w = c.ratio));
    Line::styled(text, theme.dim)
}

fn row(
    m: &MetricJudgement,
    s: Option<&MetricSeries>,
    c: &Cols,
    selected: bool,
    focused: bool,
    stale: bool,
    theme: &Theme,
) -> Line<'static> {
    let (label, tone) = outcome_mark(m.outcome);
    let mark = if selected { "▸ " } else { "  " };
    let name_style = if selected && focused {
        theme.selected
    } else if selected {
        theme.base.add_modifier(Modifier::BOLD)
    } else {
        theme.base
    };
    let mut spans = vec![
        Span::styled(mark, theme.accent),
        Span::styled(pad(&m.name, c.name), name_style),
        Span::raw(" "),
    ];
    if c.spark > 0 {
        let (canary_style, base_style) = if stale {
            (theme.dim, theme.dim)
        } else {
            (theme.accent, theme.dim)
        };
        let scale = s.and_then(bounds);
        for (track, style, value) in [
            (s.map(|x| &x.canary), canary_style, m.canary_median),
            (s.map(|x| &x.baseline), base_style, m.baseline_median),
        ] {
            let chart = match (track, scale) {
                (Some(t), Some((lo, hi))) if !t.is_empty() => {
                    let v: Vec<f64> = t.iter().map(|p| p.1).collect();
                    spark(&v, lo, hi, c.spark)
                }
                _ => pad("no data", c.spark),
            };
            spans.push(Span::styled(chart, style));
            spans.push(Span::raw(" "));
            if c.value > 0 {
                spans.push(Span::raw(format!("{:>w$} ", median(value), w = c.value)));
            }
        }
    }
    spans.push(Span::raw(format!(
        "{:>w$} ",
        m.ratio.map_or("—".into(), num),
        w = c.ratio
    )));
    spans.push(Span::styled(pad(label, c.outcome), theme.tone(tone)));
    Line::from(spans)
}

/// The selected metric's rule, wrapped.
fn rule(snap: &CanarySnapshot, selected: usize, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let Some(m) = snap.judgement.metrics.get(selected) else {
        return Vec::new();
    };
    let tone = outcome_mark(m.outcome).1;
    wrap(&format!("▸ {}", m.rule), width)
        .into_iter()
        .map(|l| Line::styled(l, theme.tone(tone)))
        .collect()
}

impl Canary {
    pub fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx, focused: bool) -> Drawn {
        if !area.is_empty() {
            draw_pane(self, frame, area, ctx, focused);
        }
        Drawn {
            area,
            ..Drawn::default()
        }
    }
}

fn draw_pane(v: &Canary, frame: &mut Frame, area: Rect, ctx: &Ctx, focused: bool) {
    let Some(config) = &v.config else {
        let (summary, message) = match &v.problem {
            Some(p) => ("unusable", p.as_str()),
            None => (
                "not configured",
                "no canary source configured — see [canary] in .greenlight.toml",
            ),
        };
        draw_empty_pane(
            frame,
            area,
            Pane::Canary.title(),
            summary,
            message,
            focused,
            ctx.theme,
        );
        return;
    };
    let theme = ctx.theme;
    let zoom = ctx.zoom;
    let snap = v.snapshot.as_ref();
    let every = humantime::format_duration(config.interval()).to_string();
    let extra = match snap {
        Some(s) => format!(
            "{} · every {every} · {}",
            s.source,
            short_time(&s.at.to_string())
        ),
        None => format!("{} · every {every}", config.source.as_str()),
    };
    frame.render_widget(
        pane_block(Pane::Canary.title(), extra, focused, theme),
        area,
    );
    let inside = inner(area);
    if inside.is_empty() {
        return;
    }
    let width = inside.width as usize;
    let h = inside.height as usize;
    let now = ctx
        .now
        .or(snap.map(|s| s.at))
        .unwrap_or_else(jiff::Timestamp::now);

    let Some(snap) = snap else {
        let mut lines = Vec::new();
        let msg = match &v.problem {
            Some(p) => (format!("⚠ {p}"), theme.bad),
            None => (
                format!(
                    "judging the {} canary every {every}; the first judgement comes in a moment…",
                    config.source.as_str()
                ),
                theme.dim,
            ),
        };
        lines.extend(
            wrap(&msg.0, width)
                .into_iter()
                .map(|l| Line::styled(l, msg.1)),
        );
        if let Some(p) = plan_words(v, ctx, now, width) {
            lines.push(Line::styled(p, theme.dim));
        }
        frame.render_widget(Lines(lines), inside);
        return;
    };

    let mut top = banner(snap, width, theme);
    top.truncate(2);
    let mut extra = notes(v, theme, Some(snap), width);
    extra.truncate(3);
    let plan = plan_words(v, ctx, now, width).map(|p| Line::styled(pad(&p, width), theme.base));
    let rules = {
        let mut r = rule(snap, v.selected, width, theme);
        r.truncate(if zoom { 4 } else { 6 });
        r
    };
    let ms = &snap.judgement.metrics;
    let cols = columns(snap, width);

    // Fit by priority: banner, plan, the metric rows, one line each of
    // the rule and the notes (a source error), then the rest of them, the
    // summary's second line and the header.
    let n = ms.len();
    let mut budget = h;
    let take = |budget: &mut usize, want: usize| {
        let got = want.min(*budget);
        *budget -= got;
        got
    };
    let banner_n = take(&mut budget, 1);
    let plan_n = take(&mut budget, plan.is_some() as usize);
    let rows_n = take(&mut budget, n);
    let mut rule_n = take(&mut budget, rules.len().min(1));
    let mut notes_n = take(&mut budget, extra.len().min(1));
    rule_n += take(&mut budget, rules.len().saturating_sub(1));
    notes_n += take(&mut budget, extra.len().saturating_sub(1));
    let banner_n = banner_n + take(&mut budget, top.len().saturating_sub(1));
    let header_n = take(&mut budget, 1);

    let mut lines: Vec<Line> = Vec::new();
    lines.extend(top.into_iter().take(banner_n));
    lines.extend(extra.into_iter().take(notes_n));
    lines.extend(plan.into_iter().take(plan_n));
    let stale = snap.stale;
    if zoom && budget + rows_n + header_n >= n * 4 {
        // Zoomed: a chart per metric in the space left.
        let above = lines.len();
        let space = h - above - rule_n;
        frame.render_widget(Lines(lines), inside);
        let each = space / n.max(1);
        for (i, m) in ms.iter().enumerate() {
            let r = Rect::new(
                inside.x,
                inside.y + (above + i * each) as u16,
                inside.width,
                each as u16,
            );
            draw_chart(frame, r, m, snap, i == v.selected, focused, theme);
        }
        let r = Rect::new(
            inside.x,
            inside.y + (h - rule_n) as u16,
            inside.width,
            rule_n as u16,
        );
        frame.render_widget(Lines(rules.into_iter().take(rule_n).collect::<Vec<_>>()), r);
        return;
    }
    if header_n > 0 {
        lines.push(header(&cols, stale, theme));
    }
    let start = window_start(v.selected, n, rows_n);
    for (i, m) in ms.iter().enumerate().skip(start).take(rows_n) {
        let s = snap.series.iter().find(|s| s.name == m.name);
        lines.push(row(m, s, &cols, i == v.selected, focused, stale, theme));
    }
    lines.extend(rules.into_iter().take(rule_n));
    frame.render_widget(Lines(lines), inside);
}

/// One metric, zoomed: a title line and a chart of canary (braille line)
/// over baseline (dots), both on one scale.
fn draw_chart(
    frame: &mut Frame,
    area: Rect,
    m: &MetricJudgement,
    snap: &CanarySnapshot,
    selected: bool,
    focused: bool,
    theme: &Theme,
) {
    if area.height == 0 {
        return;
    }
    let (label, tone) = outcome_mark(m.outcome);
    let name_style = if selected && focused {
        theme.selected
    } else {
        theme.title
    };
    let s = snap.series.iter().find(|s| s.name == m.name);
    let stale = if snap.stale { " · stale" } else { "" };
    let title = Line::from(vec![
        Span::styled(if selected { "▸ " } else { "  " }, theme.accent),
        Span::styled(m.name.clone(), name_style),
        Span::styled(format!("  {label}"), theme.tone(tone)),
        Span::styled(
            format!(
                "  canary {} · baseline {} · ratio {}{stale}   ",
                median(m.canary_median),
                median(m.baseline_median),
                m.ratio.map_or("—".into(), num)
            ),
            theme.dim,
        ),
        Span::styled(
            "⣿ canary",
            if snap.stale { theme.dim } else { theme.accent },
        ),
        Span::styled("  • baseline", theme.dim),
    ]);
    let title_area = Rect { height: 1, ..area };
    frame.render_widget(Paragraph::new(title), title_area);
    let chart_area = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    let Some((s, (lo, hi))) = s.and_then(|s| bounds(s).map(|b| (s, b))) else {
        let why = s
            .and_then(|s| s.error.clone())
            .unwrap_or_else(|| "no samples".into());
        frame.render_widget(
            Paragraph::new(Line::styled(format!("  no data: {why}"), theme.dim)),
            chart_area,
        );
        return;
    };
    let pad_y = ((hi - lo) * 0.1)
        .max(hi.abs() * 1e-6)
        .max(f64::MIN_POSITIVE);
    let (y0, y1) = (lo - pad_y, hi + pad_y);
    let canary_style = if snap.stale { theme.dim } else { theme.accent };
    let datasets = vec![
        Dataset::default()
            .marker(Marker::Dot)
            .graph_type(GraphType::Scatter)
            .style(theme.dim)
            .data(&s.baseline),
        Dataset::default()
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(canary_style)
            .data(&s.canary),
    ];
    let chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .bounds([snap.window_start, snap.window_end])
                .style(theme.dim),
        )
        .y_axis(
            Axis::default()
                .bounds([y0, y1])
                .style(theme.dim)
                .labels(vec![
                    Span::styled(num(lo), theme.dim),
                    Span::styled(num(hi), theme.dim),
                ]),
        );
    frame.render_widget(chart, chart_area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spark_scales_to_shared_bounds() {
        assert_eq!(spark(&[0.0, 0.0, 1.0, 1.0], 0.0, 1.0, 2), "⣀⣿");
        assert_eq!(spark(&[], 0.0, 1.0, 3), "⠀⠀⠀");
        // A flat series on a flat scale sits in the middle.
        assert_eq!(spark(&[5.0; 10], 5.0, 5.0, 1), "⣶");
        assert_eq!(spark(&[1.0], 0.0, 1.0, 0), "");
        // More cells than samples: samples repeat.
        assert_eq!(spark(&[0.0, 1.0], 0.0, 1.0, 2).chars().count(), 2);
    }

    #[test]
    fn short_durations() {
        assert_eq!(short_secs(25), "25s");
        assert_eq!(short_secs(180), "3m");
        assert_eq!(short_secs(190), "3m10s");
        assert_eq!(short_secs(-3), "0s");
    }
}
