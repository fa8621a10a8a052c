//! Entry point: install error reporting, run the CLI, print errors plainly.

use std::process::ExitCode;

fn main() -> ExitCode {
    restore_default_sigpipe();
    // SAFETY: first thing in main, before any thread exists.
    unsafe { greenlight::git_tls::start() };
    if install_error_reporting().is_err() {
        greenlight::cli::out::stderr(
            format_args!("warning: could not install the error reporter"),
            true,
        );
    }
    let code = match greenlight::cli::run() {
        Ok(code) => code,
        Err(e) => {
            greenlight::cli::out::error(&e);
            return ExitCode::FAILURE;
        }
    };
    match greenlight::cli::out::stdout_error() {
        Some(why) => {
            greenlight::cli::out::stderr(
                format_args!(
                    "error: the output is incomplete: cannot write to standard output: {why}"
                ),
                true,
            );
            ExitCode::FAILURE
        }
        None => code,
    }
}

/// A panic is a bug: color-eyre's panic report, with a backtrace when
/// `RUST_BACKTRACE` asks for one. An error is what the person meets (a
/// missing file, a refused action): `main` prints its message and causes
/// (`cli::out::error`), never a backtrace, so none is captured. (color-eyre
/// captures and symbolises one for every error when `RUST_BACKTRACE` is
/// set, which made a failing command take 200–270 ms and 150 MB.)
/// `GREENLIGHT_DEBUG` brings color-eyre's full report back.
fn install_error_reporting() -> Result<(), color_eyre::eyre::InstallError> {
    // No colours in reports: every error goes through the CLI's escaping
    // (`cli::out`), which would show colour codes as text.
    let (panic, report) = color_eyre::config::HookBuilder::default()
        .theme(color_eyre::config::Theme::new())
        .display_env_section(false)
        .into_hooks();
    panic.install();
    if std::env::var_os("GREENLIGHT_DEBUG").is_some() {
        return report.install();
    }
    color_eyre::eyre::set_hook(Box::new(|_| Box::new(Plain)))
}

/// An error's report without a backtrace: its message and causes.
struct Plain;

impl color_eyre::eyre::EyreHandler for Plain {
    fn debug(
        &self,
        error: &(dyn std::error::Error + 'static),
        f: &mut std::fmt::Formatter<'_>,
    ) -> std::fmt::Result {
        write!(f, "{error}")?;
        let mut cause = error.source();
        while let Some(c) = cause {
            write!(f, "\n  because: {c}")?;
            cause = c.source();
        }
        Ok(())
    }
}

/// `greenlight status | head` must end quietly when `head` closes the pipe,
/// as every Unix tool does, instead of panicking in `println!`. Rust ignores
/// SIGPIPE by default; put the default action back.
fn restore_default_sigpipe() {
    // SAFETY: called first thing in main, before any thread exists; it only
    // resets the disposition of one signal to the system default.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// libgit2's OpenSSL stream, wrapped at link time (`build.rs`, `--wrap`):
/// its start-up is deferred to the first call that needs its context (see
/// `greenlight::git_tls`). Each wrapper has the C signature of the
/// function it stands for; the `__real_` names are the linker's names
/// for the originals.
#[cfg(target_os = "linux")]
mod lazy_openssl {
    use std::ffi::{c_char, c_int, c_void};

    unsafe extern "C" {
        fn __real_git_openssl_stream_global_init() -> c_int;
        fn __real_git_openssl_stream_new(
            out: *mut *mut c_void,
            host: *const c_char,
            port: *const c_char,
        ) -> c_int;
        fn __real_git_openssl_stream_wrap(
            out: *mut *mut c_void,
            inner: *mut c_void,
            host: *const c_char,
        ) -> c_int;
        fn __real_git_openssl__set_cert_location(file: *const c_char, path: *const c_char)
        -> c_int;
        fn __real_git_openssl__add_x509_cert(cert: *mut c_void) -> c_int;
    }

    /// libgit2's start-up step for OpenSSL: nothing now (see `ensure`).
    #[unsafe(no_mangle)]
    extern "C" fn __wrap_git_openssl_stream_global_init() -> c_int {
        0
    }

    /// Run `real` once the deferred start-up has succeeded (it runs once);
    /// otherwise return the start-up's error, as libgit2 would have.
    fn after_start(real: impl FnOnce() -> c_int) -> c_int {
        match greenlight::git_tls::deferred_init(__real_git_openssl_stream_global_init) {
            0 => real(),
            e => e,
        }
    }

    #[unsafe(no_mangle)]
    unsafe extern "C" fn __wrap_git_openssl_stream_new(
        out: *mut *mut c_void,
        host: *const c_char,
        port: *const c_char,
    ) -> c_int {
        // SAFETY: the caller's arguments, passed on unchanged.
        after_start(|| unsafe { __real_git_openssl_stream_new(out, host, port) })
    }

    #[unsafe(no_mangle)]
    unsafe extern "C" fn __wrap_git_openssl_stream_wrap(
        out: *mut *mut c_void,
        inner: *mut c_void,
        host: *const c_char,
    ) -> c_int {
        // SAFETY: the caller's arguments, passed on unchanged.
        after_start(|| unsafe { __real_git_openssl_stream_wrap(out, inner, host) })
    }

    #[unsafe(no_mangle)]
    unsafe extern "C" fn __wrap_git_openssl__set_cert_location(
        file: *const c_char,
        path: *const c_char,
    ) -> c_int {
        // SAFETY: the caller's arguments, passed on unchanged.
        after_start(|| unsafe { __real_git_openssl__set_cert_location(file, path) })
    }

    #[unsafe(no_mangle)]
    unsafe extern "C" fn __wrap_git_openssl__add_x509_cert(cert: *mut c_void) -> c_int {
        // SAFETY: the caller's argument, passed on unchanged.
        after_start(|| unsafe { __real_git_openssl__add_x509_cert(cert) })
    }
}
