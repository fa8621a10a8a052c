//! A person's signing key: where it is configured and how it signs.
//!
//! The key is greenlight's own `[signing] key` in the user config, else
//! git's `user.signingkey` when `gpg.format = ssh`, so someone who signs
//! commits needs no new setup. Like git, the setting is a path to a key
//! file (private or public) or a literal public key (`key::ssh-ed25519
//! AAAA…`).
//!
//! An unencrypted private key file signs in this process (a fraction of a
//! millisecond). Anything else (a public key whose private half is in
//! ssh-agent, a hardware key, an encrypted key file) signs through
//! `ssh-keygen -Y sign`, as git does, which asks the agent.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ssh_key::{HashAlg, PrivateKey, PublicKey};

use super::sig::{self, NAMESPACE};

/// Why a signing key cannot be used or could not sign.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("signing key {origin}: cannot read {path}: {source}")]
    Read {
        origin: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "signing key {origin}: {path} is neither an OpenSSH private key nor a public key ({why})"
    )]
    NotAKey {
        origin: String,
        path: PathBuf,
        why: String,
    },
    #[error("signing key {origin}: `{literal}` is not a public key ({why})")]
    BadLiteral {
        origin: String,
        literal: String,
        why: String,
    },
    #[error("signing key {origin}: cannot write the public key to a temporary file: {0}", origin = .0)]
    TempFile(String),
    #[error(
        "signing with {fingerprint} through `{program}` failed: {why} (is the key loaded in ssh-agent? `ssh-add -l` lists what the agent holds)"
    )]
    Program {
        fingerprint: String,
        program: String,
        why: String,
    },
    #[error("signing with {fingerprint} failed: {why}")]
    InProcess { fingerprint: String, why: String },
}

/// How a configured key signs.
enum How {
    InProcess(Box<PrivateKey>),
    /// `ssh-keygen -Y sign -f key_file`; a literal key is written to a file
    /// removed when the signer is dropped.
    Program {
        program: String,
        key_file: PathBuf,
        temporary: bool,
    },
}

/// A key ready to sign events.
pub struct Signer {
    how: How,
    public: PublicKey,
    fingerprint: String,
    /// Where the key was configured, for messages (`[signing] key`, …).
    origin: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the private key.
        f.debug_struct("Signer")
            .field("fingerprint", &self.fingerprint)
            .field("origin", &self.origin)
            .finish()
    }
}

/// Two signers are the same when they sign with the same key.
impl PartialEq for Signer {
    fn eq(&self, other: &Self) -> bool {
        self.fingerprint == other.fingerprint
    }
}

impl Eq for Signer {}

impl Drop for Signer {
    fn drop(&mut self) {
        if let How::Program {
            key_file,
            temporary: true,
            ..
        } = &self.how
        {
            let _ = std::fs::remove_file(key_file);
        }
    }
}

/// Where a key setting came from and what program signs for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySetting {
    /// A path or `key::<public key>`.
    pub key: String,
    /// `ssh-keygen` unless configured (`[signing] program`, git's
    /// `gpg.ssh.program`).
    pub program: String,
    /// For messages: `[signing] key in config.toml`, `git config user.signingkey`.
    pub origin: String,
}

impl KeySetting {
    /// The configured key: greenlight's own setting first, else git's SSH
    /// signing key. `None` when neither is set (or git signs with GPG).
    pub fn find(
        own_key: Option<&str>,
        own_program: Option<&str>,
        git: Option<&git2::Config>,
    ) -> Option<KeySetting> {
        let git_str = |k: &str| {
            git.and_then(|c| c.get_string(k).ok())
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let program = own_program
            .map(str::to_string)
            .or_else(|| git_str("gpg.ssh.program"))
            .unwrap_or_else(|| "ssh-keygen".to_string());
        if let Some(key) = own_key.map(str::trim).filter(|k| !k.is_empty()) {
            return Some(KeySetting {
                key: key.to_string(),
                program,
                origin: "([signing] key in greenlight's config.toml)".into(),
            });
        }
        let ssh = git_str("gpg.format").is_some_and(|f| f.eq_ignore_ascii_case("ssh"));
        let key = git_str("user.signingkey").filter(|_| ssh)?;
        Some(KeySetting {
            key,
            program,
            origin: "(git config user.signingkey)".into(),
        })
    }
}

/// `~/x` as the home folder's `x`, as git reads the setting.
fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(p),
    }
}

impl Signer {
    /// Load the key a setting names.
    pub fn load(setting: &KeySetting) -> Result<Signer, SignError> {
        let origin = setting.origin.clone();
        if let Some(literal) = setting.key.strip_prefix("key::") {
            let public =
                PublicKey::from_openssh(literal.trim()).map_err(|e| SignError::BadLiteral {
                    origin: origin.clone(),
                    literal: literal.chars().take(40).collect(),
                    why: e.to_string(),
                })?;
            let key_file = write_temp_public(&public).map_err(SignError::TempFile)?;
            return Ok(Signer::with(
                How::Program {
                    program: setting.program.clone(),
                    key_file,
                    temporary: true,
                },
                public,
                origin,
            ));
        }
        let path = expand_home(&setting.key);
        let text = std::fs::read_to_string(&path).map_err(|source| SignError::Read {
            origin: origin.clone(),
            path: path.clone(),
            source,
        })?;
        if text.contains("PRIVATE KEY") {
            let private = PrivateKey::from_openssh(&text).map_err(|e| SignError::NotAKey {
                origin: origin.clone(),
                path: path.clone(),
                why: e.to_string(),
            })?;
            let public = private.public_key().clone();
            let how = if private.is_encrypted() {
                // The agent (or ssh-keygen's own prompt, which has no
                // terminal here and fails) unlocks it.
                How::Program {
                    program: setting.program.clone(),
                    key_file: path,
                    temporary: false,
                }
            } else {
                How::InProcess(Box::new(private))
            };
            return Ok(Signer::with(how, public, origin));
        }
        let public = PublicKey::from_openssh(text.trim()).map_err(|e| SignError::NotAKey {
            origin: origin.clone(),
            path: path.clone(),
            why: e.to_string(),
        })?;
        Ok(Signer::with(
            How::Program {
                program: setting.program.clone(),
                key_file: path,
                temporary: false,
            },
            public,
            origin,
        ))
    }

    fn with(how: How, public: PublicKey, origin: String) -> Signer {
        let fingerprint = public.fingerprint(HashAlg::Sha256).to_string();
        Signer {
            how,
            public,
            fingerprint,
            origin,
        }
    }

    /// `SHA256:…`, as `ssh-keygen -l` prints it.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// Where the key was configured.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Does it sign through ssh-agent (`ssh-keygen`) rather than in process?
    pub fn uses_program(&self) -> bool {
        matches!(self.how, How::Program { .. })
    }

    /// Sign `message` in the `greenlight` namespace; the stored form.
    pub fn sign(&self, message: &[u8]) -> Result<String, SignError> {
        self.sign_in(NAMESPACE, message)
    }

    /// Sign `message` in `namespace` (`git` for commits and tags, as
    /// `git verify-commit` expects); the stored form (`sig::armor` gives
    /// the text git and ssh-keygen read).
    pub fn sign_in(&self, namespace: &str, message: &[u8]) -> Result<String, SignError> {
        match &self.how {
            How::InProcess(key) => {
                let sig = key.sign(namespace, HashAlg::Sha512, message).map_err(|e| {
                    SignError::InProcess {
                        fingerprint: self.fingerprint.clone(),
                        why: e.to_string(),
                    }
                })?;
                sig::encode(&sig).map_err(|e| SignError::InProcess {
                    fingerprint: self.fingerprint.clone(),
                    why: e.to_string(),
                })
            }
            How::Program {
                program, key_file, ..
            } => sign_with_program(program, key_file, namespace, message).map_err(|why| {
                SignError::Program {
                    fingerprint: self.fingerprint.clone(),
                    program: program.clone(),
                    why,
                }
            }),
        }
    }
}

/// `ssh-keygen -Y sign` over standard input. It runs in its own session
/// with no terminal, so a key that wants a passphrase fails at once
/// instead of stopping on (or drawing over) the app's terminal.
fn sign_with_program(
    program: &str,
    key_file: &Path,
    namespace: &str,
    message: &[u8],
) -> Result<String, String> {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(program);
    cmd.args(["-Y", "sign", "-n", namespace, "-f"])
        .arg(key_file)
        .env("SSH_ASKPASS_REQUIRE", "never")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setsid is async-signal-safe and touches no memory of ours;
    // it is what detaches ssh-keygen from the controlling terminal.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let mut child = cmd.spawn().map_err(|e| format!("cannot run it: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(message)
            .map_err(|e| format!("cannot write the message to it: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("it did not finish: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let err = crate::text::escape(err.trim());
        return Err(format!("{} ({})", err, out.status));
    }
    let armored = String::from_utf8_lossy(&out.stdout);
    sig::unarmor(&armored).map_err(|e| e.to_string())
}

/// A literal public key as a file ssh-keygen can be pointed at.
fn write_temp_public(public: &PublicKey) -> Result<PathBuf, String> {
    let text = public.to_openssh().map_err(|e| e.to_string())?;
    let name = format!(
        "greenlight-signing-{}-{}.pub",
        std::process::id(),
        ulid::Ulid::new()
    );
    let path = std::env::temp_dir().join(name);
    std::fs::write(&path, format!("{text}\n")).map_err(|e| e.to_string())?;
    Ok(path)
}
