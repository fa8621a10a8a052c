//! What the start screen lists: the playbooks, every session of the
//! repository (each journal read and folded) and the version proposed
//! from git history. Slow on a long history or many sessions, so it is
//! read off the UI thread from owned parts of the workspace.

use super::Driver;
use crate::playbook::Catalog;
use crate::session::Store;
use crate::tui::action::{ScenarioRow, StartData, VersionProposal};

/// What reading the start screen's list needs, owned.
pub struct StartJob {
    root: std::path::PathBuf,
    store: Store,
    key: String,
    notes: crate::workspace::NotesJob,
}

impl StartJob {
    /// Read the list (blocking).
    pub fn read(&self) -> StartData {
        let mut data = StartData::default();
        match Catalog::load(Some(&self.root)) {
            Ok(c) => {
                data.scenarios = c
                    .list()
                    .map(|p| ScenarioRow {
                        id: p.id.clone(),
                        title: p.title.clone(),
                        description: p.description.clone(),
                        steps: p.steps.len(),
                    })
                    .collect();
            }
            Err(e) => data.error = Some(format!("playbooks: {e}")),
        }
        match self.store.summaries(&self.key) {
            Ok(mut list) => {
                list.reverse();
                data.sessions = list;
            }
            Err(e) => data.error = Some(format!("sessions: {e}")),
        }
        data.proposal = Some(
            self.notes
                .next_version()
                .map(|nv| VersionProposal::of(&nv))
                .map_err(|e| format!("{e:#}")),
        );
        data
    }
}

impl Driver {
    pub(super) fn start_job(&self) -> StartJob {
        StartJob {
            root: self.ws.repo.root.clone(),
            store: self.ws.store.clone(),
            key: self.ws.repo.key.clone(),
            notes: self.ws.notes_job(),
        }
    }
}
