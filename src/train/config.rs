//! `[train]` in the system repository's `.greenlight.toml`: when trains
//! leave, who is the train's dedicated delivery manager, and which team
//! owns which component.
//!
//! ```toml
//! [train]
//! cadence = "2w"          # a train every two weeks
//! first = 2026-11-02      # the first departure
//! dm = "morgan@example.com"
//! teams = [
//!   { name = "payments", components = ["billing", "ledger"] },
//! ]
//! ```

use serde::{Deserialize, Serialize};

/// `[train]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// How often a train leaves ("2w", "14days", "1w").
    pub cadence: String,
    /// The first departure: a TOML date (`2026-11-02`) or a string.
    pub first: TrainDate,
    /// The dedicated delivery manager's e-mail: only this person gives
    /// the train's DM sign-off.
    #[serde(default)]
    pub dm: Option<String>,
    #[serde(default)]
    pub teams: Vec<Team>,
}

/// A team and the components it owns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    pub name: String,
    #[serde(default)]
    pub components: Vec<String>,
}

/// A date written either as a TOML date or as a string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TrainDate {
    Toml(toml::value::Datetime),
    Text(String),
}

/// Why `[train]` cannot be used, in words naming the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrainConfigError {
    #[error(
        "[train] cadence `{0}` is not a duration of whole days; write e.g. \"2w\" or \"14days\""
    )]
    Cadence(String),
    #[error("[train] first `{0}` is not a date; write e.g. first = 2026-11-02")]
    First(String),
}

impl TrainConfig {
    /// The cadence in whole days (at least one).
    pub fn cadence_days(&self) -> Result<i64, TrainConfigError> {
        let bad = || TrainConfigError::Cadence(self.cadence.clone());
        let d = humantime::parse_duration(self.cadence.trim()).map_err(|_| bad())?;
        let secs = d.as_secs();
        if secs == 0 || secs % 86_400 != 0 || d.subsec_nanos() != 0 {
            return Err(bad());
        }
        i64::try_from(secs / 86_400).map_err(|_| bad())
    }

    /// The first departure as a calendar date.
    pub fn first_date(&self) -> Result<jiff::civil::Date, TrainConfigError> {
        let text = match &self.first {
            TrainDate::Toml(d) => d.to_string(),
            TrainDate::Text(t) => t.trim().to_owned(),
        };
        text.parse::<jiff::civil::Date>()
            .map_err(|_| TrainConfigError::First(text.clone()))
    }

    /// The team owning `component`, if one says so.
    pub fn team_of(&self, component: &str) -> Option<&str> {
        self.teams
            .iter()
            .find(|t| t.components.iter().any(|c| c == component))
            .map(|t| t.name.as_str())
    }

    /// Is `email` the train's dedicated delivery manager?
    pub fn is_dm(&self, email: &str) -> bool {
        self.dm
            .as_deref()
            .is_some_and(|dm| dm.trim().eq_ignore_ascii_case(email.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cadence_and_first_date_read_both_spellings() {
        let c: TrainConfig =
            toml::from_str("cadence = \"2w\"\nfirst = 2026-11-02\ndm = \"m@x\"").unwrap();
        assert_eq!(c.cadence_days(), Ok(14));
        assert_eq!(c.first_date().unwrap().to_string(), "2026-11-02");
        assert!(c.is_dm("M@x"));
        let c: TrainConfig =
            toml::from_str("cadence = \"10days\"\nfirst = \"2026-11-02\"").unwrap();
        assert_eq!(c.cadence_days(), Ok(10));
        let c: TrainConfig = toml::from_str("cadence = \"36h\"\nfirst = \"someday\"").unwrap();
        assert!(c.cadence_days().is_err());
        assert_eq!(
            c.first_date().unwrap_err().to_string(),
            "[train] first `someday` is not a date; write e.g. first = 2026-11-02"
        );
    }
}
