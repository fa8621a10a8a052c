//! Themes: TOML files naming a colour for each role on screen.
//!
//! The built-ins live in `themes/` and are embedded; users add their own in
//! `<config dir>/themes/NAME.toml` (a user theme with a built-in's name
//! replaces it). A theme may leave keys out: they come from the default.
//! A broken theme never stops the app: it falls back to the default and
//! says why (file, line, column) in the status line. `NO_COLOR` turns every
//! colour off and leaves meaning to icons, words, bold and reverse video.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::config::{ConfigError, line_col};

/// The built-in themes: (name, TOML text).
pub const BUILTIN: [(&str, &str); 4] = [
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    (
        "colour-blind",
        include_str!("../../themes/colour-blind.toml"),
    ),
];

/// How a line of text should look: the UI says what it means, the theme
/// says which colour that is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Normal,
    Dim,
    Accent,
    Ok,
    Warn,
    Bad,
    Info,
}

/// Resolved styles for every role on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    /// False under `NO_COLOR`: styles carry modifiers only.
    pub color: bool,
    pub base: Style,
    pub dim: Style,
    pub accent: Style,
    pub title: Style,
    pub border: Style,
    pub border_focus: Style,
    pub selected: Style,
    pub header: Style,
    pub key: Style,
    pub ok: Style,
    pub warn: Style,
    pub bad: Style,
    pub info: Style,
}

impl Theme {
    pub fn tone(&self, tone: Tone) -> Style {
        match tone {
            Tone::Normal => self.base,
            Tone::Dim => self.dim,
            Tone::Accent => self.accent,
            Tone::Ok => self.ok,
            Tone::Warn => self.warn,
            Tone::Bad => self.bad,
            Tone::Info => self.info,
        }
    }

    /// The built-in default theme. It is part of the program and a test
    /// proves it parses; were it ever broken this falls back to a plain
    /// monochrome theme rather than panic.
    pub fn default_theme() -> Theme {
        parse_theme(
            "default",
            BUILTIN[0].1,
            Path::new("<built-in>/default.toml"),
            None,
        )
        .unwrap_or_else(|_| Theme::no_color("default"))
    }

    /// No colours at all (`NO_COLOR`): selection is reverse video, focus
    /// and headings are bold, problems are bold and carry their words.
    pub fn no_color(name: &str) -> Theme {
        let plain = Style::new();
        Theme {
            name: name.to_string(),
            color: false,
            base: plain,
            dim: plain,
            accent: plain.add_modifier(Modifier::BOLD),
            title: plain.add_modifier(Modifier::BOLD),
            border: plain,
            border_focus: plain.add_modifier(Modifier::BOLD),
            selected: plain.add_modifier(Modifier::REVERSED),
            header: plain.add_modifier(Modifier::REVERSED),
            key: plain.add_modifier(Modifier::BOLD),
            ok: plain,
            warn: plain.add_modifier(Modifier::BOLD),
            bad: plain.add_modifier(Modifier::BOLD),
            info: plain,
        }
    }
}

/// The colour keys of a theme file, each optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColorsFile {
    fg: Option<toml::Spanned<String>>,
    bg: Option<toml::Spanned<String>>,
    dim: Option<toml::Spanned<String>>,
    accent: Option<toml::Spanned<String>>,
    border: Option<toml::Spanned<String>>,
    border_focus: Option<toml::Spanned<String>>,
    title: Option<toml::Spanned<String>>,
    selected_fg: Option<toml::Spanned<String>>,
    selected_bg: Option<toml::Spanned<String>>,
    header_fg: Option<toml::Spanned<String>>,
    header_bg: Option<toml::Spanned<String>>,
    key: Option<toml::Spanned<String>>,
    ok: Option<toml::Spanned<String>>,
    warn: Option<toml::Spanned<String>>,
    bad: Option<toml::Spanned<String>>,
    info: Option<toml::Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    #[allow(dead_code)] // read so that the key is accepted; shown by no view yet
    description: Option<String>,
    #[serde(default)]
    colors: ColorsFile,
}

/// Raw colours, before they become styles.
#[derive(Debug, Clone, Copy)]
struct Palette {
    fg: Color,
    bg: Color,
    dim: Color,
    accent: Color,
    border: Color,
    border_focus: Color,
    title: Color,
    selected_fg: Color,
    selected_bg: Color,
    header_fg: Color,
    header_bg: Color,
    key: Color,
    ok: Color,
    warn: Color,
    bad: Color,
    info: Color,
}

impl Palette {
    /// What a theme leaves out before the default is known: the terminal's
    /// own colours.
    fn terminal() -> Palette {
        let r = Color::Reset;
        Palette {
            fg: r,
            bg: r,
            dim: Color::Gray,
            accent: Color::Cyan,
            border: Color::DarkGray,
            border_focus: Color::Cyan,
            title: r,
            selected_fg: Color::Black,
            selected_bg: Color::Cyan,
            header_fg: Color::Black,
            header_bg: Color::Green,
            key: Color::Yellow,
            ok: Color::Green,
            warn: Color::Yellow,
            bad: Color::Red,
            info: Color::Blue,
        }
    }

    fn styles(&self, name: &str) -> Theme {
        let base = Style::new().fg(self.fg).bg(self.bg);
        let fg = |c: Color| Style::new().fg(c);
        Theme {
            name: name.to_string(),
            color: true,
            base,
            dim: fg(self.dim),
            accent: fg(self.accent).add_modifier(Modifier::BOLD),
            title: fg(self.title).add_modifier(Modifier::BOLD),
            border: fg(self.border),
            border_focus: fg(self.border_focus).add_modifier(Modifier::BOLD),
            selected: Style::new()
                .fg(self.selected_fg)
                .bg(self.selected_bg)
                .add_modifier(Modifier::BOLD),
            header: Style::new()
                .fg(self.header_fg)
                .bg(self.header_bg)
                .add_modifier(Modifier::BOLD),
            key: fg(self.key).add_modifier(Modifier::BOLD),
            ok: fg(self.ok),
            warn: fg(self.warn).add_modifier(Modifier::BOLD),
            bad: fg(self.bad).add_modifier(Modifier::BOLD),
            info: fg(self.info),
        }
    }
}

fn parse_color(text: &str) -> Option<Color> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("default") || t.eq_ignore_ascii_case("none") {
        return Some(Color::Reset);
    }
    Color::from_str(t).ok()
}

fn palette_of(text: &str, file: &Path, base: Palette) -> Result<Palette, ConfigError> {
    let parsed: ThemeFile = crate::config::parse_toml(text, file)?;
    let c = parsed.colors;
    let mut p = base;
    let slots: [(&Option<toml::Spanned<String>>, &mut Color); 16] = [
        (&c.fg, &mut p.fg),
        (&c.bg, &mut p.bg),
        (&c.dim, &mut p.dim),
        (&c.accent, &mut p.accent),
        (&c.border, &mut p.border),
        (&c.border_focus, &mut p.border_focus),
        (&c.title, &mut p.title),
        (&c.selected_fg, &mut p.selected_fg),
        (&c.selected_bg, &mut p.selected_bg),
        (&c.header_fg, &mut p.header_fg),
        (&c.header_bg, &mut p.header_bg),
        (&c.key, &mut p.key),
        (&c.ok, &mut p.ok),
        (&c.warn, &mut p.warn),
        (&c.bad, &mut p.bad),
        (&c.info, &mut p.info),
    ];
    for (value, slot) in slots {
        let Some(v) = value else { continue };
        match parse_color(v.get_ref()) {
            Some(col) => *slot = col,
            None => {
                let (line, column) = line_col(text, v.span().start);
                return Err(ConfigError {
                    file: file.to_path_buf(),
                    line,
                    column,
                    message: format!(
                        "unknown colour `{}`; use a name (red, light-blue, dark-gray, reset, ...), \"#rrggbb\" or an index 0-255",
                        v.get_ref()
                    ),
                });
            }
        }
    }
    Ok(p)
}

fn default_palette() -> Palette {
    palette_of(
        BUILTIN[0].1,
        Path::new("<built-in>/default.toml"),
        Palette::terminal(),
    )
    .unwrap_or_else(|_| Palette::terminal())
}

/// Parse a theme file's text. Missing keys come from `base` (the default
/// theme when `None`).
fn parse_theme(
    name: &str,
    text: &str,
    file: &Path,
    base: Option<Palette>,
) -> Result<Theme, ConfigError> {
    let base = base.unwrap_or_else(Palette::terminal);
    Ok(palette_of(text, file, base)?.styles(name))
}

/// Parse a theme (missing keys from the default theme).
pub fn parse(name: &str, text: &str, file: &Path) -> Result<Theme, ConfigError> {
    parse_theme(name, text, file, Some(default_palette()))
}

/// Where users keep their themes: `themes/` beside the user config file.
pub fn user_dir() -> Option<PathBuf> {
    crate::config::UserConfig::path().and_then(|p| p.parent().map(|d| d.join("themes")))
}

/// Names of every theme available: built-ins, then the user's.
pub fn available(user_dir: Option<&Path>) -> Vec<String> {
    let mut names: Vec<String> = BUILTIN.iter().map(|(n, _)| n.to_string()).collect();
    if let Some(dir) = user_dir
        && let Ok(entries) = std::fs::read_dir(dir)
    {
        let mut user: Vec<String> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(str::to_string))
            .filter(|n| !names.contains(n))
            .collect();
        user.sort();
        names.extend(user);
    }
    names
}

/// The theme a session of the app uses, and any warning about the choice.
#[derive(Debug, Clone)]
pub struct Choice {
    pub theme: Theme,
    pub warning: Option<String>,
}

/// Pick the theme: `requested` (from `--theme` or the user config) or the
/// default; a user file of that name wins over a built-in. A missing or
/// broken theme falls back to the default with a warning. `no_color`
/// (from `NO_COLOR`) removes every colour from whatever was chosen.
pub fn choose(requested: Option<&str>, user_dir: Option<&Path>, no_color: bool) -> Choice {
    let name = requested
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or("default");
    let (theme, warning) = match load(name, user_dir) {
        Ok(t) => (t, None),
        Err(why) => (
            Theme::default_theme(),
            Some(format!("{why}; using the default theme")),
        ),
    };
    if no_color {
        return Choice {
            theme: Theme::no_color(&theme.name),
            warning,
        };
    }
    Choice { theme, warning }
}

/// Load one theme by name: the user's file first, then the built-ins.
pub fn load(name: &str, user_dir: Option<&Path>) -> Result<Theme, String> {
    if let Some(dir) = user_dir {
        let file = dir.join(format!("{name}.toml"));
        match std::fs::read(&file) {
            Ok(bytes) => {
                let text = crate::config::utf8_text(bytes).map_err(|e| {
                    format!("theme {}:{}:{}: {e}", file.display(), e.line, e.column)
                })?;
                return parse(name, &text, &file).map_err(|e| format!("theme {e}"));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("theme {}: {e}", file.display())),
        }
    }
    match BUILTIN.iter().find(|(n, _)| *n == name) {
        Some((n, text)) => parse(n, text, &PathBuf::from(format!("<built-in>/{n}.toml")))
            .map_err(|e| format!("theme {e}")),
        None => Err(format!(
            "no theme named `{name}`; themes: {}",
            available(user_dir).join(", ")
        )),
    }
}

/// The built-in theme after `current` (in [`BUILTIN`]'s order, round
/// to the first; a user's theme is followed by the first built-in),
/// keeping `NO_COLOR`'s choice: without colour only the name changes.
pub fn next_builtin(current: &Theme) -> Theme {
    let at = BUILTIN.iter().position(|(n, _)| *n == current.name);
    let (name, text) = BUILTIN[at.map_or(0, |i| (i + 1) % BUILTIN.len())];
    if !current.color {
        return Theme::no_color(name);
    }
    parse(
        name,
        text,
        &PathBuf::from(format!("<built-in>/{name}.toml")),
    )
    .unwrap_or_else(|_| Theme::default_theme())
}

/// Is `NO_COLOR` set (to anything but the empty string)?
pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_parses() {
        for (name, text) in BUILTIN {
            let t = parse(name, text, Path::new(name)).expect(name);
            assert!(t.color);
        }
    }

    #[test]
    fn a_bad_colour_names_file_line_and_column() {
        let text = "[colors]\nfg = \"white\"\nok = \"grene\"\n";
        let err = parse("x", text, Path::new("themes/x.toml")).unwrap_err();
        assert_eq!((err.line, err.column), (3, 6), "{err}");
        assert!(
            err.to_string()
                .starts_with("themes/x.toml:3:6: unknown colour `grene`")
        );
    }

    #[test]
    fn an_unknown_key_is_an_error() {
        let err = parse("x", "[colors]\nfgg = \"red\"\n", Path::new("x.toml")).unwrap_err();
        assert_eq!(err.line, 2, "{err}");
    }

    #[test]
    fn a_partial_theme_takes_the_rest_from_the_default() {
        let t = parse("x", "[colors]\nbad = \"magenta\"\n", Path::new("x.toml")).unwrap();
        assert_eq!(t.bad.fg, Some(Color::Magenta));
        assert_eq!(t.ok, Theme::default_theme().ok);
    }

    #[test]
    fn broken_or_unknown_themes_fall_back_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("mine.toml"), "[colors\n").unwrap();
        let c = choose(Some("mine"), Some(dir.path()), false);
        assert_eq!(c.theme.name, "default");
        let w = c.warning.unwrap();
        assert!(w.contains("mine.toml:1:"), "{w}");
        std::fs::write(
            dir.path().join("latin1.toml"),
            b"[colors]\nok = \"gr\xfcn\"\n",
        )
        .unwrap();
        let w = choose(Some("latin1"), Some(dir.path()), false)
            .warning
            .unwrap();
        assert!(
            w.contains("latin1.toml:2:9: not valid UTF-8 (byte 0xfc)"),
            "{w}"
        );
        let c = choose(Some("nope"), Some(dir.path()), false);
        assert!(c.warning.unwrap().contains(
            "no theme named `nope`; themes: default, light, high-contrast, colour-blind, latin1, mine"
        ));
    }

    #[test]
    fn a_user_theme_is_found_and_no_color_removes_colour() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("mine.toml"), "[colors]\nok = \"#00ff00\"\n").unwrap();
        let c = choose(Some("mine"), Some(dir.path()), false);
        assert!(c.warning.is_none());
        assert_eq!(c.theme.ok.fg, Some(Color::Rgb(0, 255, 0)));
        let c = choose(Some("mine"), Some(dir.path()), true);
        assert!(!c.theme.color);
        assert_eq!(c.theme.ok.fg, None);
        assert_eq!(c.theme.selected.fg, None);
    }
}
