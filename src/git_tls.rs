//! libgit2 (with its `https` transport, on OpenSSL) reads and parses the
//! whole system CA bundle as it initialises: about 40 ms on every command
//! that opens a repository, although almost none of them talks to a
//! server. [`defer`] (called first thing by the binary) lets libgit2
//! start with an empty certificate store, and [`ready`] (called before
//! every fetch or push) loads the system's certificates into it, once, when
//! TLS may actually be used.

use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

/// The variables OpenSSL reads its default CA locations from.
const VARS: [&str; 2] = ["SSL_CERT_FILE", "SSL_CERT_DIR"];

/// Was libgit2 started with an empty certificate store?
static DEFERRED: AtomicBool = AtomicBool::new(false);

/// Start libgit2 now without loading any CA certificate: OpenSSL's
/// default locations point at an empty file for the moment libgit2
/// initialises, and the environment is put back as it was right after
/// (commands run by greenlight see the person's own). Call it before any
/// thread is started.
///
/// # Safety
///
/// No other thread may exist (it changes the process environment).
pub unsafe fn defer() {
    let saved: Vec<_> = VARS.iter().map(std::env::var_os).collect();
    for v in VARS {
        // SAFETY: the caller guarantees no other thread reads or writes
        // the environment now.
        unsafe { std::env::set_var(v, "/dev/null") };
    }
    // Any option initialises libgit2 (once); caching is on by default.
    git2::opts::enable_caching(true);
    for (v, old) in VARS.iter().zip(saved) {
        // SAFETY: as above.
        unsafe {
            match old {
                Some(value) => std::env::set_var(v, value),
                None => std::env::remove_var(v),
            }
        }
    }
    DEFERRED.store(true, Ordering::SeqCst);
}

/// Load the system's CA certificates into libgit2, once, when [`defer`]
/// kept them out: call before any network operation. The locations are
/// the ones git2 itself would use (`SSL_CERT_FILE`/`SSL_CERT_DIR`, else
/// the usual places on this system).
pub fn ready() {
    static LOAD: Once = Once::new();
    if !DEFERRED.load(Ordering::SeqCst) {
        return;
    }
    LOAD.call_once(|| {
        let found = openssl_probe::probe();
        // Failing to load leaves the store empty: the server's
        // certificate is then refused with libgit2's own error, which
        // says so.
        if let Some(file) = found.cert_file {
            // SAFETY: libgit2 is initialised (by `defer`); setting the
            // locations only adds certificates to its SSL context.
            let _ = unsafe { git2::opts::set_ssl_cert_file(file.as_path()) };
        }
        if let Some(dir) = found.cert_dir {
            // SAFETY: as above.
            let _ = unsafe { git2::opts::set_ssl_cert_dir(dir.as_path()) };
        }
    });
}
