//! The blob id each local journal had when the audit sync last committed
//! it, keyed by the file's stamp (size, inode, change and modify times),
//! like git's index does for a work tree.
//!
//! Why: a sync commits every local file, and hashing a file to find its
//! blob id is collision-detecting SHA-1 over every byte, twice for a
//! journal the trail already holds (once to check it still extends the
//! synced copy, once to make the blob). For a 100,000-event session that
//! was most of a sync with nothing new, and the app pulls every few
//! seconds. A file whose stamp has not moved is the same file: its id is
//! reused without reading it.
//!
//! The cache is local and disposable (`sync-blobs.cache` beside the
//! sessions, never synced). Any line that does not parse, a stamp that
//! differs, or an id the object database no longer holds means "hash
//! it"; the worst a stale entry can do is commit the copy that was
//! synced before, never bytes that were not in the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use git2::Oid;

/// What identifies one state of a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    ino: u64,
    ctime_ns: i128,
    mtime_ns: i128,
}

impl Stamp {
    /// The file's length when stamped.
    pub fn bytes(self) -> u64 {
        self.len
    }

    /// The stamp of `meta`; `None` where the platform gives no inode and
    /// change time (then every file is hashed, as before).
    pub fn of(meta: &std::fs::Metadata) -> Option<Stamp> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
            Some(Stamp {
                len: meta.len(),
                ino: meta.ino(),
                ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
                mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            None
        }
    }
}

/// File key (`sessions/<id>/<name>`) → its stamp and blob id when last
/// committed.
#[derive(Debug, Default)]
pub struct BlobCache {
    entries: BTreeMap<String, (Stamp, Oid)>,
}

/// Where the cache of a store's sessions folder lives.
pub fn path(sessions_dir: &Path) -> PathBuf {
    sessions_dir
        .parent()
        .unwrap_or(sessions_dir)
        .join("sync-blobs.cache")
}

impl BlobCache {
    /// The cache as last saved; empty when missing or unreadable.
    pub fn load(sessions_dir: &Path) -> BlobCache {
        let text = std::fs::read_to_string(path(sessions_dir)).unwrap_or_default();
        BlobCache {
            entries: text.lines().filter_map(parse_line).collect(),
        }
    }

    /// The blob id recorded for `key` if the file still has `stamp`.
    pub fn get(&self, key: &str, stamp: Stamp) -> Option<Oid> {
        self.entries
            .get(key)
            .filter(|(s, _)| *s == stamp)
            .map(|(_, oid)| *oid)
    }

    pub fn insert(&mut self, key: &str, stamp: Stamp, oid: Oid) {
        self.entries.insert(key.to_string(), (stamp, oid));
    }

    /// Write the cache (replacing it whole, through a temporary file).
    /// A failure only costs hashing again next time, so it is ignored.
    pub fn save(&self, sessions_dir: &Path) {
        let mut text = String::new();
        for (key, (s, oid)) in &self.entries {
            text.push_str(&format!(
                "{key}\t{}\t{}\t{}\t{}\t{oid}\n",
                s.len, s.ino, s.ctime_ns, s.mtime_ns
            ));
        }
        let target = path(sessions_dir);
        let tmp = target.with_extension("cache.tmp");
        if std::fs::write(&tmp, text).is_ok() {
            let _ = std::fs::rename(&tmp, &target);
        }
    }
}

fn parse_line(line: &str) -> Option<(String, (Stamp, Oid))> {
    let mut f = line.split('\t');
    let key = f.next()?.to_string();
    let stamp = Stamp {
        len: f.next()?.parse().ok()?,
        ino: f.next()?.parse().ok()?,
        ctime_ns: f.next()?.parse().ok()?,
        mtime_ns: f.next()?.parse().ok()?,
    };
    let oid = Oid::from_str(f.next()?).ok()?;
    f.next().is_none().then_some((key, (stamp, oid)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_what_does_not_parse() {
        let dir = tempfile::tempdir().unwrap();
        let sessions = dir.path().join("sessions");
        let file = dir.path().join("f");
        std::fs::write(&file, "a\n").unwrap();
        let stamp = Stamp::of(&std::fs::metadata(&file).unwrap()).unwrap();
        let oid = Oid::hash_object(git2::ObjectType::Blob, b"a\n").unwrap();
        let mut c = BlobCache::default();
        c.insert("sessions/x/a.jsonl", stamp, oid);
        c.save(&sessions);
        let back = BlobCache::load(&sessions);
        assert_eq!(back.get("sessions/x/a.jsonl", stamp), Some(oid));
        // The file moved on: its stamp differs, so it is hashed again.
        std::fs::write(&file, "a\nb\n").unwrap();
        let moved = Stamp::of(&std::fs::metadata(&file).unwrap()).unwrap();
        assert_eq!(back.get("sessions/x/a.jsonl", moved), None);
        assert_eq!(back.get("sessions/x/other.jsonl", stamp), None);
        // Damaged lines are dropped, not guessed at.
        let p = path(&sessions);
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, format!("{text}junk\nk\t1\t2\t3\t4\tnot-an-oid\n")).unwrap();
        assert_eq!(BlobCache::load(&sessions).entries.len(), 1);
    }
}
