//! Link settings for the `greenlight` binary only (tests, benches and
//! examples link as usual): libgit2's OpenSSL stream entry points are
//! wrapped so that its OpenSSL context is built at the first TLS stream
//! instead of at every start (see `src/git_tls.rs`; the wrappers are in
//! `src/main.rs`).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
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
