//! One writer at a time per actor file, enforced with an OS file lock.
//!
//! A writer takes the lock for each append (see `JournalWriter::append`),
//! so the same person's app and CLI write one journal between them. Sync
//! and recovery take it without waiting ([`ActorLock::acquire`]), writing
//! their pid in the side file `<actor>.lock` so a refusal can say who
//! holds it. The OS drops the lock when its holder dies, so a crashed
//! writer never leaves a stale lock.

use std::fs::{File, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// How long a writer waits for the lock of its journal before naming who
/// holds it: appends hold it for well under a millisecond; a holder for
/// longer than this is stuck.
pub const WAIT: std::time::Duration = std::time::Duration::from_secs(5);

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

    /// Take the lock, waiting for whoever holds it (another process of
    /// the same person appending a line holds it for a moment), at most
    /// [`WAIT`]; after that, the holder is named as by [`ActorLock::acquire`].
    pub fn wait(lock_path: &Path) -> Result<ActorLock, LockError> {
        Self::wait_for(lock_path, WAIT)
    }

    /// [`ActorLock::wait`] with a deadline of `patience`.
    pub fn wait_for(
        lock_path: &Path,
        patience: std::time::Duration,
    ) -> Result<ActorLock, LockError> {
        let until = std::time::Instant::now() + patience;
        let mut pause = std::time::Duration::from_millis(1);
        loop {
            match Self::acquire(lock_path) {
                Err(LockError::InUse { .. }) if std::time::Instant::now() < until => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(std::time::Duration::from_millis(50));
                }
                other => return other,
            }
        }
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
    fn waiting_gets_the_lock_when_it_is_let_go_and_names_a_stuck_holder() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.lock");
        let held = ActorLock::acquire(&p).unwrap();
        match ActorLock::wait_for(&p, std::time::Duration::from_millis(30)) {
            Err(LockError::InUse { pid, .. }) => assert_eq!(pid, std::process::id().to_string()),
            other => panic!("expected InUse, got {other:?}"),
        }
        let p2 = p.clone();
        let waiter = std::thread::spawn(move || ActorLock::wait(&p2).map(|_| ()));
        std::thread::sleep(std::time::Duration::from_millis(20));
        drop(held);
        assert!(waiter.join().unwrap().is_ok());
    }

    #[test]
    fn lock_is_free_again_after_drop() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.lock");
        drop(ActorLock::acquire(&p).unwrap());
        assert!(ActorLock::acquire(&p).is_ok());
    }
}
