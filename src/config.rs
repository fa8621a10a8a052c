//! Configuration: the repository's `.greenlight.toml` (shared by the team)
//! and the user's `config.toml` (personal). Both optional; defaults make a
//! bare repository work. Unknown keys are errors naming file, line, column.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A configuration file that could not be read, with where and why.
#[derive(Debug, thiserror::Error)]
#[error("{}:{line}:{column}: {message}", file.display())]
pub struct ConfigError {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// The first byte of a file that is not UTF-8, and where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not valid UTF-8 (byte 0x{byte:02x}); save the file as UTF-8")]
pub struct NotUtf8 {
    /// 1-based line of the byte.
    pub line: usize,
    /// 1-based column of the byte, in characters.
    pub column: usize,
    pub byte: u8,
}

/// A file's bytes as text. Files people edit (configuration, playbooks,
/// the manifest) are reported by position, so a byte that is not UTF-8
/// (a file saved as Latin-1, a stray binary) is named at its line and
/// column like any other mistake, instead of "stream did not contain
/// valid UTF-8".
pub fn utf8_text(bytes: Vec<u8>) -> Result<String, NotUtf8> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let (line, column) =
            std::str::from_utf8(&bytes[..at]).map_or((1, 1), |valid| line_col(valid, at));
        NotUtf8 {
            line,
            column,
            byte: bytes.get(at).copied().unwrap_or_default(),
        }
    })
}

/// The text of an optional configuration file: `None` when it does not
/// exist, an error naming the file (and the place, for bytes that are not
/// UTF-8) when it cannot be read.
pub fn read_optional(file: &Path) -> Result<Option<String>, ConfigError> {
    let error = |line, column, message| ConfigError {
        file: file.to_path_buf(),
        line,
        column,
        message,
    };
    match std::fs::read(file) {
        Ok(bytes) => utf8_text(bytes)
            .map(Some)
            .map_err(|e| error(e.line, e.column, e.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(error(1, 1, e.to_string())),
    }
}

/// Parse TOML into `T`, turning errors into `file:line:col: message`.
pub fn parse_toml<T: serde::de::DeserializeOwned>(
    text: &str,
    file: &Path,
) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
        ConfigError {
            file: file.to_path_buf(),
            line,
            column,
            message: e.message().trim().to_string(),
        }
    })
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub name: Option<String>,
    /// Release tags: `{version}` and optionally `{component}`.
    #[serde(default = "default_tag_pattern")]
    pub tag_pattern: String,
    /// Below 1.0.0 a breaking change bumps the minor (semver's "anything
    /// may change" range); set false to bump the major anyway.
    #[serde(default = "yes")]
    pub pre_1_breaking_bumps_minor: bool,
    /// Below 1.0.0 a feature bumps the patch.
    #[serde(default = "yes")]
    pub pre_1_feat_bumps_patch: bool,
    /// Conventional types release notes leave out (a breaking change is
    /// always listed); `[]` lists every commit.
    #[serde(default = "default_notes_skip")]
    pub notes_skip: Vec<String>,
}

/// What release notes leave out by default: housekeeping nobody outside
/// the team reads.
pub fn default_notes_skip() -> Vec<String> {
    crate::release::notes::DEFAULT_SKIP
        .map(String::from)
        .to_vec()
}

fn yes() -> bool {
    true
}

impl Default for Project {
    fn default() -> Self {
        Project {
            name: None,
            tag_pattern: default_tag_pattern(),
            pre_1_breaking_bumps_minor: true,
            pre_1_feat_bumps_patch: true,
            notes_skip: default_notes_skip(),
        }
    }
}

fn default_tag_pattern() -> String {
    "v{version}".into()
}

/// A member of the team, with the roles they may sign off for.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Environments {
    #[serde(default)]
    pub order: Vec<String>,
}

/// `.greenlight.toml`. Sections owned by later parts of the app (canary,
/// audit) are kept as tables here and read by their own modules; `logs`
/// and `log_buffer` are typed by `crate::logs::config`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RepoConfig {
    #[serde(default)]
    pub project: Project,
    #[serde(default)]
    pub people: Vec<Person>,
    /// `[[notify]]`: who is told what, where.
    #[serde(default)]
    pub notify: Vec<crate::notify::Target>,
    /// `[audiences]`: named lists of addresses e-mail targets write to
    /// (`stakeholders = ["…"]`, `customers`, `support`).
    #[serde(default)]
    pub audiences: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub environments: Environments,
    #[serde(default)]
    pub canary: Option<crate::canary::CanaryConfig>,
    /// `[[logs]]`: the sources the logs pane follows.
    #[serde(default)]
    pub logs: Vec<crate::logs::config::LogSourceConfig>,
    /// `[log_buffer]`: how many lines the logs pane keeps.
    #[serde(default)]
    pub log_buffer: crate::logs::config::LogBufferConfig,
    #[serde(default)]
    pub audit: AuditConfig,
    /// `[policy]`: who may override a rule of the session.
    #[serde(default)]
    pub policy: PolicyConfig,
    /// `[train]`: the release train's cadence, DM and teams (in the
    /// system repository).
    #[serde(default)]
    pub train: Option<crate::train::TrainConfig>,
}

/// `[policy]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// Roles whose people may override a rule with a reason (default:
    /// anyone may, and every override is recorded).
    #[serde(default)]
    pub override_roles: Vec<String>,
}

impl RepoConfig {
    /// The logs' part of it: `[[logs]]` and `[log_buffer]`.
    pub fn logs_config(&self) -> crate::logs::config::LogsConfig<'_> {
        crate::logs::config::LogsConfig {
            sources: &self.logs,
            buffer: self.log_buffer,
        }
    }
}

/// `[audit]`: where the audit trail is synced, and what happens at the end.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// The git remote `audit push/pull/sync` use by default.
    #[serde(default = "default_remote")]
    pub remote: String,
    /// Sync after every recorded event (a failure never blocks the
    /// session; it shows as a warning).
    #[serde(default)]
    pub auto_sync: bool,
    /// Tag the release (annotated, naming the session) when its session
    /// completes: `true` always, `false` never; unset, the app offers to
    /// when a session completes.
    #[serde(default)]
    pub tag_on_complete: Option<bool>,
    /// The largest journal file a sync takes from a remote, in MiB: a
    /// bigger blob is refused and named without being read (a million
    /// events take about 420 MiB across all files of a session).
    #[serde(default = "default_max_file_mib")]
    pub max_file_mib: u64,
    /// Which events must be signed with the person's SSH key: `"none"`
    /// (the default), `"signoffs"` (sign-offs, acknowledgements and
    /// overrides) or `"all"`. Frozen into each session when it starts.
    #[serde(default)]
    pub require_signatures: crate::session::signatures::Require,
    /// The open app follows the remote: it pulls the audit ref every
    /// `pull_interval` and pushes its own events as they are written.
    /// Unset: on when the remote exists.
    #[serde(default)]
    pub live: Option<bool>,
    /// How often the open app pulls (`"5s"`, `"1m"`; default 5 s).
    #[serde(default)]
    pub pull_interval: Option<String>,
}

impl AuditConfig {
    /// `pull_interval` as seconds (at least 1), or why it does not read.
    pub fn pull_every(&self) -> Result<u64, String> {
        match &self.pull_interval {
            None => Ok(5),
            Some(text) => humantime::parse_duration(text.trim())
                .map(|d| d.as_secs().max(1))
                .map_err(|e| format!("[audit] pull_interval `{text}`: {e} (e.g. \"5s\")")),
        }
    }
}

fn default_remote() -> String {
    "origin".into()
}

fn default_max_file_mib() -> u64 {
    512
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            remote: default_remote(),
            auto_sync: false,
            tag_on_complete: None,
            max_file_mib: default_max_file_mib(),
            require_signatures: Default::default(),
            live: None,
            pull_interval: None,
        }
    }
}

impl RepoConfig {
    pub const FILE: &'static str = ".greenlight.toml";

    /// Read `<root>/.greenlight.toml`; defaults when it does not exist.
    pub fn load(root: &Path) -> Result<RepoConfig, ConfigError> {
        let file = root.join(Self::FILE);
        match read_optional(&file)? {
            Some(text) => parse_toml(&text, &file),
            None => Ok(RepoConfig::default()),
        }
    }

    pub fn person(&self, email: &str) -> Option<&Person> {
        self.people
            .iter()
            .find(|p| p.email.eq_ignore_ascii_case(email))
    }
}

/// The user's personal `config.toml`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    pub theme: Option<String>,
    /// Ring the terminal's bell when a wait of the app ends (an
    /// observation time, an approval); default true.
    pub bell: Option<bool>,
    #[serde(default)]
    pub identity: Option<IdentityConfig>,
    #[serde(default)]
    pub keys: Option<toml::Table>,
    #[serde(default)]
    pub signing: Option<SigningConfig>,
}

/// `[signing]`: the SSH key events are signed with. Unset, git's
/// `user.signingkey` is used when `gpg.format = ssh`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SigningConfig {
    /// A key file (private, or public with the private key in ssh-agent),
    /// or `key::<public key>` as git takes it.
    pub key: Option<String>,
    /// The program that signs for keys not signed in process
    /// (`ssh-keygen`, or git's `gpg.ssh.program`).
    pub program: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IdentityConfig {
    pub name: Option<String>,
    pub email: Option<String>,
}

impl UserConfig {
    /// `<config dir>/config.toml`; `GREENLIGHT_CONFIG` overrides the path.
    pub fn path() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os("GREENLIGHT_CONFIG").filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(p));
        }
        directories::ProjectDirs::from("dev", "greenlight", "greenlight")
            .map(|d| d.config_dir().join("config.toml"))
    }

    pub fn load() -> Result<UserConfig, ConfigError> {
        let Some(file) = Self::path() else {
            return Ok(UserConfig::default());
        };
        match read_optional(&file)? {
            Some(text) => parse_toml(&text, &file),
            None => Ok(UserConfig::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_names_line_and_column() {
        let text = "[project]\nname = \"x\"\n\n[[people]]\nname = \"P\"\nemail = \"p@x\"\nrole = [\"pm\"]\n";
        let err = parse_toml::<RepoConfig>(text, Path::new(".greenlight.toml")).unwrap_err();
        assert_eq!((err.line, err.column), (7, 1), "{err}");
        assert!(err.message.contains("unknown field `role`"), "{err}");
    }

    #[test]
    fn bytes_that_are_not_utf8_are_named_at_their_place() {
        let e = utf8_text(b"ok\nname = \"caf\xe9\"\n".to_vec()).unwrap_err();
        assert_eq!((e.line, e.column, e.byte), (2, 12, 0xe9));
        assert_eq!(
            e.to_string(),
            "not valid UTF-8 (byte 0xe9); save the file as UTF-8"
        );
        // Columns count characters, not bytes.
        let e = utf8_text(b"\xc3\xa9\xff".to_vec()).unwrap_err();
        assert_eq!((e.line, e.column), (1, 2));
        assert_eq!(utf8_text(b"fine".to_vec()).unwrap(), "fine");
    }

    #[test]
    fn repository_and_user_config_name_the_bad_byte() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(RepoConfig::FILE),
            b"[project]\nname = \"w\xffb\"\n",
        )
        .unwrap();
        let e = RepoConfig::load(dir.path()).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}:2:10: not valid UTF-8 (byte 0xff); save the file as UTF-8",
                dir.path().join(RepoConfig::FILE).display()
            )
        );
        let user = dir.path().join("config.toml");
        std::fs::write(&user, b"theme = \"\xc3\"\n").unwrap();
        let e = read_optional(&user).unwrap_err();
        assert_eq!((e.line, e.column), (1, 10), "{e}");
        assert!(e.message.contains("byte 0xc3"), "{e}");
    }
}
