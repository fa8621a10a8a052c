//! Build script, for two things:
//!
//! - Link settings for the `greenlight` binary only (tests, benches and
//!   examples link as usual): libgit2's OpenSSL stream entry points are
//!   wrapped so that its OpenSSL context is built at the first TLS stream
//!   instead of at every start (see `src/git_tls.rs`; the wrappers are in
//!   `src/main.rs`).
//! - A fingerprint of the source, for the fold checkpoint: a checkpoint
//!   holds a state folded by some code, and a build whose fold may differ
//!   must not trust it. The fingerprint of everything under `src/` and of
//!   `Cargo.lock` is the same for the binary, the examples and the tests
//!   built from one tree (so they share checkpoints), and changes with any
//!   edit. It is not a security measure: the checkpoint is a local cache.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.lock");
    // git2 uses OpenSSL (and these symbols exist) on Linux only; macOS and
    // Windows have their own TLS stacks in libgit2.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        for symbol in WRAPPED {
            println!("cargo:rustc-link-arg-bin=greenlight=-Wl,--wrap={symbol}");
        }
        // Relative relocations packed (DT_RELR, glibc 2.36+, lld and GNU
        // ld 2.38+): the dynamic loader reads 7 KB instead of a 600 KB
        // table at every start (about a millisecond).
        println!("cargo:rustc-link-arg-bin=greenlight=-Wl,-z,pack-relative-relocs");
    }
    let mut h = DefaultHasher::new();
    walk(Path::new("src"), &mut h);
    if let Ok(lock) = std::fs::read("Cargo.lock") {
        lock.hash(&mut h);
    }
    println!("cargo:rustc-env=GREENLIGHT_SOURCE_HASH={:016x}", h.finish());
}

/// libgit2's global start-up for OpenSSL, and every function that uses
/// the context it builds.
const WRAPPED: [&str; 5] = [
    "git_openssl_stream_global_init",
    "git_openssl_stream_new",
    "git_openssl_stream_wrap",
    "git_openssl__set_cert_location",
    "git_openssl__add_x509_cert",
];

/// Hash every file under `dir`, in name order, with its path.
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
