//! Build script: a fingerprint of the source, for the fold checkpoint.
//!
//! Why: a checkpoint holds a state folded by some code; a build whose fold
//! may differ must not trust it. The fingerprint of everything under `src/`
//! and of `Cargo.lock` is the same for the binary, the examples and the
//! tests built from one tree (so they share checkpoints), and changes with
//! any edit. It is not a security measure: the checkpoint is a local cache.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

fn walk(dir: &Path, h: &mut DefaultHasher) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            walk(&p, h);
        } else if let Ok(bytes) = std::fs::read(&p) {
            p.to_string_lossy().hash(h);
            bytes.hash(h);
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.lock");
    let mut h = DefaultHasher::new();
    walk(Path::new("src"), &mut h);
    if let Ok(lock) = std::fs::read("Cargo.lock") {
        lock.hash(&mut h);
    }
    println!("cargo:rustc-env=GREENLIGHT_SOURCE_HASH={:016x}", h.finish());
}
