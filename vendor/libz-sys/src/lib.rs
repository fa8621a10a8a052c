//! libz-sys's place in the build, filled by zlib-rs: the C libraries that
//! link zlib through this crate (libgit2, libssh2) resolve `deflate`,
//! `inflate` and the rest to libz-rs-sys's exported symbols. `extern
//! crate` keeps it on the link line after them even though no Rust code
//! here calls it.
#![no_std]
extern crate libz_rs_sys;

pub use libz_rs_sys::*;
