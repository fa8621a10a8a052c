//! The train's release notes: one section per component (its commits
//! since its own last release, from its own repository and folder), under
//! the system version.

use color_eyre::eyre::Result;
use serde::Serialize;

use super::component::Location;
use super::status::TrainStatus;
use crate::release::{self, Notes, VersionOptions};

/// One component's part of the notes.
#[derive(Debug, Clone, Serialize)]
pub struct ComponentNotes {
    pub component: String,
    pub from: String,
    pub to: String,
    pub notes: Option<Notes>,
    /// Why there are none, when its repository could not be read.
    pub error: Option<String>,
}

/// Notes for every component that brings a change to the train.
pub fn collect(t: &TrainStatus) -> Result<Vec<ComponentNotes>> {
    let mut out = Vec::new();
    for c in &t.components {
        if c.train_version == c.manifest_version && c.reading.commits.is_empty() {
            continue;
        }
        let dir = match &c.reading.location {
            Location::Checkout { path } => path.clone(),
            Location::Remote { cache, .. } => cache.clone(),
            Location::Unknown => continue,
        };
        let opts = VersionOptions {
            tag_pattern: c
                .reading
                .tag_pattern
                .clone()
                .unwrap_or_else(|| VersionOptions::default().tag_pattern),
            component: Some(c.name.clone()),
            path: c.reading.path.clone(),
            ..VersionOptions::default()
        };
        let read = git2::Repository::open(&dir)
            .map_err(|e| e.message().to_owned())
            .and_then(|repo| release::notes(&repo, None, None, &opts).map_err(|e| e.to_string()));
        let (notes, error) = match read {
            Ok(n) => (Some(n), None),
            Err(e) => (None, Some(e)),
        };
        out.push(ComponentNotes {
            component: c.name.clone(),
            from: c.manifest_version.clone(),
            to: c.train_version.clone(),
            notes,
            error,
        });
    }
    Ok(out)
}

/// Markdown: the system version as the title, a section per component.
pub fn render(t: &TrainStatus, parts: &[ComponentNotes]) -> String {
    let mut out = format!("## System {}\n", t.next_system_version);
    if parts.is_empty() {
        out.push_str("\nNo component brings a change.\n");
        return out;
    }
    for p in parts {
        let title = if p.from == p.to {
            format!("{} {}", p.component, p.to)
        } else {
            format!("{} {} → {}", p.component, p.from, p.to)
        };
        out.push('\n');
        match (&p.notes, &p.error) {
            (Some(n), _) => out.push_str(&release::notes::render_markdown_at(n, &title, 3)),
            (None, e) => out.push_str(&format!(
                "### {title}\n\nIts notes could not be read: {}\n",
                crate::text::one_line(e.as_deref().unwrap_or("unknown error"))
            )),
        }
    }
    out
}
