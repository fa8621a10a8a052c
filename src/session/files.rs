//! Making files and folders in the data dir: folders 0700 and files 0600
//! whatever the umask (journals hold the tails of command output), and
//! never through a symbolic link (a dangling link planted where a side
//! file will be created must not send our bytes somewhere else).

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Owner only.
pub const DIR_MODE: u32 = 0o700;
pub const FILE_MODE: u32 = 0o600;

/// `mkdir -p` with every folder it makes at 0700.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
}

/// Tighten a folder we own that an earlier version (or the umask) left
/// readable by others. Best effort: a folder we do not own stays as is.
pub fn tighten_dir(dir: &Path) {
    if let Ok(meta) = std::fs::symlink_metadata(dir)
        && meta.is_dir()
        && meta.permissions().mode() & 0o077 != 0
    {
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE));
    }
}

/// Open options that refuse to follow a symbolic link at the last
/// component and create files at 0600.
pub fn options() -> OpenOptions {
    let mut o = OpenOptions::new();
    o.custom_flags(libc::O_NOFOLLOW).mode(FILE_MODE);
    o
}

/// Create a file that must not exist yet (not even as a dangling link).
pub fn create_new(path: &Path) -> io::Result<File> {
    options().write(true).create_new(true).open(path)
}

/// Open a journal for reading and appending, creating it at 0600.
pub fn open_append(path: &Path) -> io::Result<File> {
    options().read(true).append(true).create(true).open(path)
}

/// Open an existing file for reading and writing, never through a link.
pub fn open_rw(path: &Path) -> io::Result<File> {
    options().read(true).write(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_ignore_the_umask_and_links_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("a/b");
        create_dir_all(&d).unwrap();
        let mode = std::fs::metadata(&d).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{mode:o}");
        let f = d.join("x.jsonl");
        open_append(&f).unwrap();
        let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{mode:o}");
        // A dangling link where a side file goes: refused, nothing written
        // where it points.
        let target = dir.path().join("elsewhere");
        let link = d.join("x.jsonl.torn-1");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(create_new(&link).is_err());
        assert!(!target.exists());
        std::os::unix::fs::symlink(&target, d.join("y.jsonl")).unwrap();
        assert!(open_append(&d.join("y.jsonl")).is_err());
        assert!(!target.exists());
    }
}
