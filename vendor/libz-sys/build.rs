//! Hands the zlib headers to the C builds that depend on libz-sys
//! (libgit2-sys and libssh2-sys read DEP_Z_INCLUDE): zlib 1.3's own
//! `zlib.h` and `zconf.h`, whose ABI zlib-rs implements.
fn main() {
    let include = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("include");
    println!("cargo:rerun-if-changed=include");
    println!("cargo:include={}", include.display());
}
