//! libgit2 (with its `https` transport, on OpenSSL) builds its whole
//! OpenSSL context as it initialises: OpenSSL's cipher and digest tables
//! and the system CA bundle, about a third of a small command's time
//! (and, with the CA bundle, 40 ms), on every command that opens a
//! repository, although almost none of them talks to a server.
//!
//! The `greenlight` binary therefore links libgit2 with the OpenSSL
//! stream's entry points wrapped (`build.rs` passes `--wrap` to the linker
//! for the binary only; the wrappers are in `main.rs`, the only code that
//! may name the linker's `__real_` symbols): libgit2's own start-up step
//! for OpenSSL is skipped, and [`deferred_init`] runs it, once, when the
//! first TLS stream is made or a certificate option is set. libgit2 then
//! behaves exactly as stock libgit2 from that moment (the same context,
//! the same default certificate locations). Test binaries and examples
//! link libgit2 unwrapped: they start it eagerly, as stock git2 does.
//!
//! git2 also starts OpenSSL itself explicitly (`openssl_sys::init`: its
//! configuration file and error strings), another tenth of a small
//! command; [`start`] leaves that to OpenSSL, which starts itself the same
//! way at its first real use (every `SSL_CTX_new` does).

use std::ffi::c_int;
use std::sync::OnceLock;

/// Run libgit2's OpenSSL start-up (`real`) the first time any caller needs
/// it and return its result (0, or libgit2's -1 with its error set) to
/// every caller; the callers wait for the one that runs it.
pub fn deferred_init(real: unsafe extern "C" fn() -> c_int) -> c_int {
    static DONE: OnceLock<c_int> = OnceLock::new();
    // SAFETY: `real` is libgit2's own global start-up for OpenSSL, which
    // libgit2 expects to run once, after `git_libgit2_init` began; the
    // wrappers call this only from libgit2's TLS entry points, which run
    // after that.
    *DONE.get_or_init(|| unsafe { real() })
}

/// Start libgit2 now, on the main thread: git2 sets OpenSSL's
/// certificate variables in the process environment as it starts, which
/// is only sound while no other thread exists. With the binary's wrapped
/// OpenSSL stream this costs well under a millisecond.
///
/// # Safety
///
/// No other thread may exist yet.
pub unsafe fn start() {
    #[cfg(target_os = "linux")]
    {
        // What openssl-sys's explicit start-up would add to OpenSSL's own
        // is only "no exit handler" (OpenSSL's clean-up at exit could pull
        // its tables from under a thread still using them): ask for that
        // alone, which loads nothing; then tell openssl-sys the start-up
        // is done.
        unsafe extern "C" {
            fn OPENSSL_init_crypto(opts: u64, settings: *const std::ffi::c_void) -> c_int;
        }
        // SAFETY: documented as callable at any time, from any thread;
        // the settings may be null. A failure leaves OpenSSL to start
        // itself at its first use, with its exit handler.
        unsafe { OPENSSL_init_crypto(openssl_sys::OPENSSL_INIT_NO_ATEXIT, std::ptr::null()) };
        // SAFETY: OpenSSL (1.1 and later, as linked here) starts itself
        // at its first use, which is what openssl-sys's `assume_init`
        // requires.
        unsafe { openssl_sys::assume_init() };
    }
    // Any option initialises libgit2 (once); caching is on by default.
    git2::opts::enable_caching(true);
}
