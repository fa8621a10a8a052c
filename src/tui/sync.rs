//! The audit trail's sync state in the app: the header's badge, a sync
//! by hand (`Y`), the automatic sync after each new event, and the
//! status read off the UI thread (requests coalesce while one runs).

use crate::audit::git_sync::SyncStatus;
use crate::session::SessionState;

use super::action::Effect;
use super::out::Out;
use super::theme::Tone;

/// The audit trail's sync state, for the header's badge.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncView {
    /// `[audit] remote`.
    pub remote: String,
    /// `[audit] auto_sync`: sync after each new event.
    pub auto: bool,
    /// The latest status (what is not pushed yet, when the remote was
    /// last seen), or why it could not be read.
    pub status: Option<Result<SyncStatus, String>>,
    pub status_running: bool,
    /// When the latest status arrived (by the app's clock).
    pub status_at: Option<jiff::Timestamp>,
    /// Asked for again while one was running: run once more after it.
    pub status_wanted: bool,
    pub syncing: bool,
    pub sync_wanted: bool,
    /// Why the last sync failed, until one succeeds.
    pub failed: Option<String>,
    /// When it failed (a later sync elsewhere clears it).
    pub failed_at: Option<jiff::Timestamp>,
    /// When this app last synced successfully.
    pub last_sync: Option<jiff::Timestamp>,
    /// The session's newest Lamport clock seen: a new one means new
    /// events, so the unpushed count (and an automatic sync) is due.
    pub seen_lamport: Option<(String, u64)>,
    /// The key that syncs by hand (what the badge says retries).
    pub key: String,
    /// Follow the remote: pull every `pull_every` seconds while a session
    /// is open, and push new events (`[audit] live`; None: when the
    /// remote exists).
    pub live: Option<bool>,
    pub pull_every: i64,
    /// When the last live pull started (by the app's clock).
    pub last_pull: Option<jiff::Timestamp>,
    /// Live pulls failed in a row: each doubles the wait (up to 2 min).
    pub live_failures: u32,
    /// The sync running is a live pull in the background: the badge does
    /// not flash "syncing" every few seconds for it.
    pub background: bool,
}

/// What a finished sync reports to the app.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncOutcome {
    /// One line, e.g. "synced with origin: 2 files pulled, pushed".
    pub summary: String,
    /// Forks or tampering found, one sentence each.
    pub warnings: Vec<String>,
    /// The status right after the sync.
    pub status: Option<SyncStatus>,
}

/// The gist of why a sync failed, short enough for the header: its last
/// clause (git's errors end with the cause), at most 28 characters.
fn short_reason(why: &str) -> String {
    let last = why.rsplit(": ").next().unwrap_or(why).trim();
    let mut out: String = last.chars().take(28).collect();
    if last.chars().count() > 28 {
        out.push('…');
    }
    out
}

/// "3m ago" between `then` and `now`.
fn ago(then: jiff::Timestamp, now: jiff::Timestamp) -> String {
    let s = now.as_second().saturating_sub(then.as_second()).max(0);
    match s {
        0..=59 => format!("{s}s ago"),
        60..=3599 => format!("{}m ago", s / 60),
        3600..=86_399 => format!("{}h ago", s / 3600),
        _ => format!("{}d ago", s / 86_400),
    }
}

impl SyncView {
    pub fn new(config: &crate::config::RepoConfig) -> SyncView {
        SyncView {
            remote: config.audit.remote.clone(),
            auto: config.audit.auto_sync,
            key: "Y".into(),
            live: config.audit.live,
            pull_every: config
                .audit
                .pull_every()
                .map_or(5, |s| i64::try_from(s).unwrap_or(5)),
            ..Default::default()
        }
    }

    /// Is the app following the remote now?
    pub fn is_live(&self) -> bool {
        let remote = matches!(&self.status, Some(Ok(st)) if st.remote_exists);
        remote && self.live != Some(false)
    }

    /// Seconds until the next live pull is due after the last one.
    fn live_wait(&self) -> i64 {
        let backoff = 1i64 << self.live_failures.min(5);
        self.pull_every.saturating_mul(backoff).min(120)
    }

    /// When this clone last synced the audit trail: by this app, or by
    /// another process (the CLI, an earlier run), else as the remote's
    /// audit commit says.
    fn last(&self) -> Option<jiff::Timestamp> {
        let seen = match &self.status {
            Some(Ok(st)) => st
                .last_synced
                .or(st.last_seen)
                .and_then(|s| jiff::Timestamp::from_second(s).ok()),
            _ => None,
        };
        match (self.last_sync, seen) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// The header's badge at a width: the text and how it should look.
    pub fn badge(&self, now: Option<jiff::Timestamp>, width: BadgeWidth) -> Option<(String, Tone)> {
        let tiny = width == BadgeWidth::Tiny;
        if self.syncing && !self.background {
            return Some((
                if tiny { "⇅…" } else { "audit: syncing…" }.into(),
                Tone::Info,
            ));
        }
        if self.failed.is_some() && self.is_live() {
            let text = match width {
                BadgeWidth::Long => format!(
                    "audit: offline ({}), retrying every {}s",
                    self.failed.as_deref().map(short_reason).unwrap_or_default(),
                    self.live_wait()
                ),
                BadgeWidth::Short => "audit: offline".into(),
                BadgeWidth::Tiny => "⇅✘".into(),
            };
            return Some((text, Tone::Bad));
        }
        if self.failed.is_some() {
            let text = match width {
                BadgeWidth::Long => format!("audit: sync failed ({} retries)", self.key),
                BadgeWidth::Short => "audit: sync failed".into(),
                BadgeWidth::Tiny => "⇅✘".into(),
            };
            return Some((text, Tone::Bad));
        }
        let st = match self.status.as_ref()? {
            Ok(st) => st,
            Err(_) => {
                return Some((
                    if tiny {
                        "⇅?"
                    } else {
                        "audit: status unknown"
                    }
                    .into(),
                    Tone::Warn,
                ));
            }
        };
        if !st.remote_exists {
            return (!tiny).then(|| ("audit: local only".into(), Tone::Dim));
        }
        let last = self.last();
        let when = match (last, now) {
            (Some(t), Some(now)) if width == BadgeWidth::Long => format!("synced {}", ago(t, now)),
            (Some(_), _) => "synced".to_string(),
            (None, _) => "never synced".to_string(),
        };
        let pending = if self.auto || self.is_live() {
            Tone::Info
        } else {
            Tone::Warn
        };
        Some(match (st.unpushed_events, width) {
            (0, BadgeWidth::Tiny) => ("⇅✔".into(), Tone::Ok),
            (0, _) if last.is_some() => (format!("audit: {when}"), Tone::Ok),
            (0, _) => ("audit: nothing to push".into(), Tone::Dim),
            (n, BadgeWidth::Long) => (format!("audit: {n} unpushed, {when}"), pending),
            (n, BadgeWidth::Short) => (format!("audit: {n} unpushed"), pending),
            (n, BadgeWidth::Tiny) => (format!("⇅{n}"), pending),
        })
    }
}

/// How much room the header gives the audit badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadgeWidth {
    /// "audit: 3 unpushed, synced 5m ago"
    Long,
    /// "audit: 3 unpushed"
    Short,
    /// "⇅3"
    Tiny,
}

/// Read the sync status again every this many seconds: another process
/// (the CLI, a sync elsewhere) changes it without an event here.
pub const STATUS_EVERY_SECS: i64 = 30;

impl SyncView {
    /// `Y`: sync the audit trail now.
    pub fn sync_now(&mut self, out: &mut Out) {
        if self.syncing {
            out.say(Tone::Dim, "an audit sync is already running");
            return;
        }
        self.syncing = true;
        self.background = false;
        out.say(
            Tone::Info,
            format!("syncing the audit trail with {}…", self.remote),
        );
        out.effect(Effect::Sync { manual: true });
    }

    /// The session as loaded: new events make a status (and, with
    /// `auto_sync`, a sync) due. Requests coalesce while one is running.
    pub fn loaded(&mut self, st: &SessionState, out: &mut Out) {
        let mark = (st.id.clone(), st.max_lamport);
        if self.seen_lamport.as_ref() == Some(&mark) {
            return;
        }
        let first = self
            .seen_lamport
            .as_ref()
            .is_none_or(|(id, _)| *id != mark.0);
        self.seen_lamport = Some(mark);
        self.want_status(out);
        // Opening a session is not a new event: sync only on news (live:
        // our own events go out as they are written).
        if (self.auto || self.is_live()) && !first {
            if self.syncing {
                self.sync_wanted = true;
            } else {
                self.syncing = true;
                self.background = self.is_live();
                out.effect(Effect::Sync { manual: false });
            }
        }
        // The manifest may have changed with the news (`manifest set`
        // notes it in the session): read it again, it is one small file.
        out.effect(Effect::LoadManifest);
    }

    /// Ask for the sync status, unless one is on its way (then once more
    /// after it).
    pub fn want_status(&mut self, out: &mut Out) {
        if self.status_running {
            self.status_wanted = true;
            return;
        }
        self.status_running = true;
        out.effect(Effect::SyncStatus);
    }

    /// The clock ticked: refresh a stale sync status (with a session open).
    pub fn tick(&mut self, now: jiff::Timestamp, session_open: bool, out: &mut Out) {
        let stale = self
            .status_at
            .is_some_and(|t| now.as_second().saturating_sub(t.as_second()) >= STATUS_EVERY_SECS);
        if stale && session_open && !self.status_running {
            self.want_status(out);
        }
        // Live: pull what other clones pushed (the merge lands in the
        // session folder, which the app watches and folds in).
        let due = self
            .last_pull
            .is_none_or(|t| now.as_second().saturating_sub(t.as_second()) >= self.live_wait());
        if self.is_live() && session_open && !self.syncing && due {
            self.last_pull = Some(now);
            self.syncing = true;
            self.background = true;
            out.effect(Effect::Sync { manual: false });
        }
    }

    /// The sync status arrived (`now`: the app's clock, if it has one).
    pub fn status_read(
        &mut self,
        status: Result<SyncStatus, String>,
        now: Option<jiff::Timestamp>,
        out: &mut Out,
    ) {
        self.status_running = false;
        // A sync made elsewhere (the CLI) after ours failed clears the failure.
        if let (Ok(st), Some(at)) = (&status, self.failed_at)
            && st.last_synced.is_some_and(|s| s >= at.as_second())
        {
            self.failed = None;
            self.failed_at = None;
        }
        self.status = Some(status);
        // Before the first tick (the session opened at launch) the app has
        // no clock yet: the real time keeps the 30 s refresh going.
        self.status_at = now.or_else(|| Some(jiff::Timestamp::now()));
        if std::mem::take(&mut self.status_wanted) {
            self.want_status(out);
        }
    }

    /// A sync ended.
    pub fn synced(
        &mut self,
        manual: bool,
        result: Result<SyncOutcome, String>,
        now: Option<jiff::Timestamp>,
        out: &mut Out,
    ) {
        self.syncing = false;
        match result {
            Ok(o) => {
                self.failed = None;
                self.failed_at = None;
                self.live_failures = 0;
                self.last_sync = now.or_else(|| Some(jiff::Timestamp::now()));
                // What the merge brought is in the session folder now.
                out.effect(Effect::Refresh);
                if let Some(st) = o.status {
                    self.status = Some(Ok(st));
                }
                if let Some(w) = o.warnings.first() {
                    let more = match o.warnings.len() {
                        1 => String::new(),
                        n => format!(" (and {} more: greenlight audit sync says all)", n - 1),
                    };
                    out.say(Tone::Bad, format!("{w}{more}"));
                } else if manual {
                    out.say(Tone::Ok, format!("✔ {}", o.summary));
                }
            }
            Err(why) => {
                // A live pull that keeps failing (the remote is away) says
                // so once; the badge keeps saying it.
                let repeated = self.background && self.failed.is_some();
                if self.background {
                    self.live_failures = self.live_failures.saturating_add(1);
                }
                if !repeated {
                    out.say(
                        Tone::Warn,
                        format!(
                            "audit sync failed (the session goes on; {} retries): {why}",
                            self.key
                        ),
                    );
                }
                self.failed = Some(why);
                self.failed_at = now.or_else(|| Some(jiff::Timestamp::now()));
            }
        }
        self.background = false;
        if std::mem::take(&mut self.sync_wanted) {
            self.syncing = true;
            self.background = self.is_live();
            out.effect(Effect::Sync { manual: false });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(unpushed: usize, last_seen: Option<i64>) -> SyncStatus {
        SyncStatus {
            remote: "origin".into(),
            remote_exists: true,
            last_seen,
            unpushed_events: unpushed,
            last_synced: None,
        }
    }

    /// Live: a pull every `pull_every` seconds of the app's clock while a
    /// session is open, quietly (no "syncing" flash); a failing remote
    /// doubles the wait, says so once, and the badge says offline.
    #[test]
    fn the_live_app_pulls_on_its_interval_and_backs_off_when_the_remote_is_away() {
        let t = |s: i64| jiff::Timestamp::from_second(1_800_000_000 + s).unwrap();
        let mut v = SyncView {
            remote: "origin".into(),
            key: "Y".into(),
            pull_every: 5,
            status: Some(Ok(status(0, None))),
            ..Default::default()
        };
        assert!(v.is_live());
        let (e, _) = effects(|o| v.tick(t(0), true, o));
        assert_eq!(e, vec![Effect::Sync { manual: false }]);
        assert!(v.background);
        assert_eq!(
            v.badge(Some(t(0)), BadgeWidth::Long).map(|b| b.0),
            Some("audit: nothing to push".into())
        );
        // Without a session nothing is pulled; while one runs, no second.
        assert!(effects(|o| v.tick(t(1), true, o)).0.is_empty());
        let (_, said) =
            effects(|o| v.synced(false, Err("remote unreachable".into()), Some(t(1)), o));
        assert!(said.is_some(), "the first failure is said");
        assert_eq!(
            v.badge(Some(t(1)), BadgeWidth::Long).map(|b| b.0),
            Some("audit: offline (remote unreachable), retrying every 10s".into())
        );
        // The wait doubled: not due at 5 s, due at 10 s.
        assert!(effects(|o| v.tick(t(5), true, o)).0.is_empty());
        assert_eq!(
            effects(|o| v.tick(t(10), true, o)).0,
            vec![Effect::Sync { manual: false }]
        );
        let (_, said) =
            effects(|o| v.synced(false, Err("remote unreachable".into()), Some(t(10)), o));
        assert!(
            said.is_none(),
            "a repeated failure is not said again: {said:?}"
        );
        assert_eq!(v.live_failures, 2);
        // The remote is back: the wait is the interval again.
        assert_eq!(
            effects(|o| v.tick(t(30), true, o)).0,
            vec![Effect::Sync { manual: false }]
        );
        let ok = SyncOutcome {
            summary: "synced".into(),
            warnings: Vec::new(),
            status: Some(status(0, None)),
        };
        let (e, _) = effects(|o| v.synced(false, Ok(ok), Some(t(30)), o));
        assert_eq!(e, vec![Effect::Refresh]);
        assert_eq!(v.live_failures, 0);
        assert!(v.failed.is_none());
        assert!(effects(|o| v.tick(t(34), true, o)).0.is_empty());
        assert!(
            effects(|o| v.tick(t(40), false, o)).0.is_empty(),
            "no session, no pull"
        );
        assert_eq!(
            effects(|o| v.tick(t(40), true, o)).0,
            vec![Effect::Sync { manual: false }]
        );
        // `live = false` turns it off.
        v.syncing = false;
        v.live = Some(false);
        assert!(effects(|o| v.tick(t(100), true, o)).0.is_empty());
    }

    #[test]
    fn the_badge_says_what_is_unpushed_and_when_it_last_synced() {
        let now = jiff::Timestamp::from_second(1_800_000_000).unwrap();
        let mut v = SyncView {
            remote: "origin".into(),
            live: Some(false),
            ..Default::default()
        };
        assert_eq!(
            v.badge(Some(now), BadgeWidth::Long),
            None,
            "nothing read yet"
        );
        v.status = Some(Ok(status(4, None)));
        assert_eq!(
            v.badge(Some(now), BadgeWidth::Long),
            Some(("audit: 4 unpushed, never synced".into(), Tone::Warn))
        );
        assert_eq!(
            v.badge(Some(now), BadgeWidth::Tiny),
            Some(("⇅4".into(), Tone::Warn))
        );
        v.status = Some(Ok(status(0, Some(now.as_second() - 7200))));
        assert_eq!(
            v.badge(Some(now), BadgeWidth::Long),
            Some(("audit: synced 2h ago".into(), Tone::Ok))
        );
        // This app's own sync is newer than the remote's commit.
        v.last_sync = Some(now);
        assert_eq!(
            v.badge(Some(now), BadgeWidth::Long),
            Some(("audit: synced 0s ago".into(), Tone::Ok))
        );
        v.failed = Some("offline".into());
        assert_eq!(
            v.badge(Some(now), BadgeWidth::Short),
            Some(("audit: sync failed".into(), Tone::Bad))
        );
        v.failed = None;
        v.status = Some(Ok(SyncStatus {
            remote_exists: false,
            ..status(3, None)
        }));
        assert_eq!(
            v.badge(Some(now), BadgeWidth::Long),
            Some(("audit: local only".into(), Tone::Dim))
        );
        assert_eq!(v.badge(Some(now), BadgeWidth::Tiny), None);
    }

    fn effects(f: impl FnOnce(&mut Out)) -> (Vec<Effect>, Option<String>) {
        let mut out = Out::default();
        f(&mut out);
        (out.effects, out.status.map(|s| s.text))
    }

    #[test]
    fn status_and_sync_requests_coalesce_while_one_runs() {
        let mut st = crate::tui::fixture::early().expect("sample");
        // As a fresh app has it.
        let mut v = SyncView {
            remote: "origin".into(),
            auto: true,
            ..Default::default()
        };
        // The first load of a session reads the status and the manifest,
        // and does not sync (opening is not a new event).
        let (first, _) = effects(|o| v.loaded(&st, o));
        assert_eq!(first, vec![Effect::SyncStatus, Effect::LoadManifest]);
        // The same state again: nothing.
        assert!(effects(|o| v.loaded(&st, o)).0.is_empty());
        // A new event while the status is still being read: the sync
        // starts, the status is asked for once more afterwards (and the
        // manifest is read again: `manifest set` notes its changes).
        st.max_lamport += 1;
        assert_eq!(
            effects(|o| v.loaded(&st, o)).0,
            vec![Effect::Sync { manual: false }, Effect::LoadManifest]
        );
        assert!(v.status_wanted);
        st.max_lamport += 1;
        assert_eq!(
            effects(|o| v.loaded(&st, o)).0,
            vec![Effect::LoadManifest],
            "status and sync already running"
        );
        assert!(v.sync_wanted);
        assert_eq!(
            effects(|o| v.status_read(Ok(status(2, None)), None, o)).0,
            vec![Effect::SyncStatus]
        );
        let (again, _) = effects(|o| {
            v.synced(
                false,
                Ok(SyncOutcome {
                    summary: "synced".into(),
                    warnings: Vec::new(),
                    status: Some(status(0, None)),
                }),
                None,
                o,
            )
        });
        // What the sync merged is read in, and the wanted sync runs.
        assert_eq!(again, vec![Effect::Refresh, Effect::Sync { manual: false }]);
        assert!(v.syncing);
        // A failure is shown and kept until a sync succeeds, here or
        // elsewhere (the CLI): a status with a later sync clears it.
        let now = Some(jiff::Timestamp::from_second(1_800_000_000).unwrap());
        let (_, said) = effects(|o| v.synced(false, Err("remote unreachable".into()), now, o));
        assert_eq!(v.failed.as_deref(), Some("remote unreachable"));
        assert!(said.is_some_and(|s| s.contains("the session goes on")));
        v.status_running = true;
        let before = SyncStatus {
            last_synced: Some(1_800_000_000 - 60),
            ..status(1, None)
        };
        effects(|o| v.status_read(Ok(before), now, o));
        assert!(v.failed.is_some(), "an older sync does not clear it");
        let after = SyncStatus {
            last_synced: Some(1_800_000_000 + 5),
            ..status(0, None)
        };
        effects(|o| v.status_read(Ok(after), now, o));
        assert!(v.failed.is_none(), "a later sync elsewhere clears it");
    }
}
