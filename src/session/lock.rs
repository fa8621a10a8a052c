//! One writer per actor file, enforced with an OS file lock.
//!
//! The lock lives on a side file `<actor>.lock` that also holds the pid of
//! its owner, so a second process can say *who* holds it. The OS drops the
//! lock when the owner dies, so a crashed writer never leaves a stale lock.

use std::fs::{File, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Why an actor file could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{} is in use by pid {pid}: another greenlight is writing as this actor (close it, or act as another person with --user-email)", path.display())]
    InUse { path: PathBuf, pid: String },
    #[error("cannot lock {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A held lock; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct ActorLock {
    _file: File,
    path: PathBuf,
}

impl ActorLock {
    /// Take the lock without waiting.
    pub fn acquire(lock_path: &Path) -> Result<ActorLock, LockError> {
        let io = |source| LockError::Io {
            path: lock_path.to_path_buf(),
            source,
        };
        let mut file = super::files::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(lock_path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut pid = String::new();
                // Best effort: the owner may be between lock and write.
                let _ = file.read_to_string(&mut pid);
                let pid = pid.trim();
                let pid = if pid.is_empty() {
                    "unknown".to_string()
                } else {
                    pid.to_string()
                };
                return Err(LockError::InUse {
                    path: lock_path.to_path_buf(),
                    pid,
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        write!(file, "{}", std::process::id()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(ActorLock {
            _file: file,
            path: lock_path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_names_the_owner_pid() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.lock");
        let _held = ActorLock::acquire(&p).unwrap();
        match ActorLock::acquire(&p) {
            Err(LockError::InUse { pid, .. }) => assert_eq!(pid, std::process::id().to_string()),
            other => panic!("expected InUse, got {other:?}"),
        }
    }

    #[test]
    fn lock_is_free_again_after_drop() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.lock");
        drop(ActorLock::acquire(&p).unwrap());
        assert!(ActorLock::acquire(&p).is_ok());
    }
}
