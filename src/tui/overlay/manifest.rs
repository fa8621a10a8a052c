//! The Manifest overlay: the repository's manifest of components (read
//! again when it opens), a component selected, enter to set its version
//! (a prompt over it; leaving the prompt comes back here).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{Drawn, Fate, Help, Prompt, Purpose, scroll_by};
use crate::tui::ctx::{Ctx, move_selection};
use crate::tui::keymap::Hint;
use crate::tui::keymap::KeyAction;
use crate::tui::manifest::{FIRST_COMPONENT_LINE, ManifestState, manifest_lines};
use crate::tui::out::Out;
use crate::tui::ui;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ManifestOverlay {
    pub scroll: u16,
    /// Index into the loaded manifest's components.
    pub selected: usize,
}

impl ManifestOverlay {
    pub(super) fn key(
        &mut self,
        k: KeyAction,
        ctx: &Ctx,
        drawn: Option<Drawn>,
        out: &mut Out,
    ) -> Fate {
        match k {
            KeyAction::Cancel | KeyAction::Quit | KeyAction::ReleaseNotes | KeyAction::Manifest => {
                return Fate::Close;
            }
            KeyAction::Help => {
                out.open(Help::new(None));
                return Fate::Stay;
            }
            _ => {}
        }
        let ManifestState::Loaded { view, .. } = ctx.manifest else {
            scroll_by(&mut self.scroll, k, drawn);
            return Fate::Stay;
        };
        match k {
            KeyAction::Act => {
                let Some(component) = view.components.get(self.selected) else {
                    return Fate::Stay;
                };
                let blocked = match ctx.session {
                    None => Some("no session is open".to_string()),
                    Some(_) => ctx.not_writable(),
                };
                let prompt = Prompt::new(
                    format!("Set {} to a new version", component.name),
                    vec![
                        format!(
                            "{} is {} in {}; the system version follows the largest change.",
                            component.name,
                            component.version,
                            crate::release::MANIFEST_FILE
                        ),
                        match blocked {
                            Some(why) => format!("Not recorded in the session ({why})."),
                            None => "The change is noted in the session's audit trail.".into(),
                        },
                        "New version:".into(),
                    ],
                    true,
                    Purpose::ManifestVersion {
                        component: component.name.clone(),
                    },
                )
                .with_text(&component.version);
                out.open(prompt);
            }
            KeyAction::PageUp | KeyAction::PageDown => {
                scroll_by(&mut self.scroll, k, drawn);
            }
            k => {
                if move_selection(&mut self.selected, view.components.len(), k) {
                    self.keep_in_sight(drawn);
                }
            }
        }
        Fate::Stay
    }

    /// Keep the selected line in sight of the rows the last frame showed.
    fn keep_in_sight(&mut self, drawn: Option<Drawn>) {
        let rows = drawn.map_or(0, |d| d.rows);
        let line = FIRST_COMPONENT_LINE + self.selected;
        let top = usize::from(self.scroll);
        if line < top {
            self.scroll = u16::try_from(line).unwrap_or(u16::MAX);
        } else if rows > 0 && line >= top + rows {
            self.scroll = u16::try_from(line + 1 - rows).unwrap_or(u16::MAX);
        }
    }

    pub(super) fn hints(&self, ctx: &Ctx) -> Vec<Hint> {
        let k = ctx.keymap;
        let loaded = matches!(ctx.manifest, ManifestState::Loaded { .. });
        vec![
            Hint::of(k, KeyAction::Act, "set version"),
            Hint::pair(
                k,
                KeyAction::Down,
                KeyAction::Up,
                if loaded { "select" } else { "scroll" },
            ),
            Hint::of(k, KeyAction::Cancel, "close"),
        ]
    }

    pub(super) fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) -> Drawn {
        let theme = ctx.theme;
        let rect = ui::overlay_area(area);
        frame.render_widget(Clear, rect);
        let loaded = matches!(ctx.manifest, ManifestState::Loaded { .. });
        let mut keys = vec![Span::raw(" ")];
        if loaded {
            let k = ctx.keymap;
            keys.extend([
                Span::styled(format!("{} ", k.label(KeyAction::Act)), theme.key),
                Span::styled("set the selected version  ", theme.dim),
                Span::styled(
                    format!("{}/{} ", k.label(KeyAction::Down), k.label(KeyAction::Up)),
                    theme.key,
                ),
                Span::styled("select  ", theme.dim),
                Span::styled(format!("{} ", k.label(KeyAction::Cancel)), theme.key),
                Span::styled("close ", theme.dim),
            ]);
        } else {
            keys.extend(ui::scroll_and_close(ctx.keymap, theme));
        }
        let block =
            ui::frame_block("Manifest of components".into(), theme).title_bottom(Line::from(keys));
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        let lines = manifest_lines(ctx.manifest, &ctx.key(KeyAction::Act));
        let len = lines.len();
        let start = ui::clamp_scroll(self.scroll, len, inner.height);
        let chosen = loaded.then_some(FIRST_COMPONENT_LINE + self.selected);
        let shown: Vec<Line> = lines
            .into_iter()
            .enumerate()
            .skip(start)
            .map(|(i, (tone, text))| {
                let style = if Some(i) == chosen {
                    theme.selected
                } else {
                    theme.tone(tone)
                };
                Line::styled(text, style)
            })
            .collect();
        frame.render_widget(Paragraph::new(shown).style(theme.base), inner);
        Drawn {
            rows: inner.height as usize,
            len,
        }
    }
}
