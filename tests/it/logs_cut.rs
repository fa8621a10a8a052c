//! `greenlight logs` on lines longer than it examines (64 MiB in a file,
//! the log sources' 16 KiB from a command): the part examined is
//! searched and printed, and a note on stderr names the line and how
//! many bytes were not looked at, so "no match" is never silently about
//! bytes nobody read.

use std::process::Command;

use greenlight::logs::grep::MAX_LINE;

fn logs(dir: &std::path::Path, args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .current_dir(dir)
        .args(["logs"])
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_line_past_64_mib_in_a_file_is_named_with_what_was_not_examined() {
    let dir = tempfile::tempdir().unwrap();
    let mut long = b"ERROR ".to_vec();
    long.resize(MAX_LINE + 1000, b'x');
    long.extend_from_slice(b" tail ERROR");
    let mut data = b"INFO first\n".to_vec();
    data.extend_from_slice(&long);
    data.extend_from_slice(b"\nERROR after\n");
    std::fs::write(dir.path().join("big.log"), &data).unwrap();
    let skipped = long.len() - MAX_LINE;
    let note = format!(
        "greenlight: big.log:2: line longer than 64 MiB: only its first 64 MiB were examined \
         (and printed if they matched), the other {skipped} bytes were not\n"
    );
    for args in [
        &["--level", "error", "--count", "big.log"][..],
        &["--grep", "ERROR", "--count", "big.log"],
    ] {
        let (out, err) = logs(dir.path(), args);
        // The long line counts once, as the line it is.
        assert_eq!(out, "2\n", "{args:?}");
        assert_eq!(err, note, "{args:?}");
    }
}

#[test]
fn a_command_line_past_16_kib_is_named_too() {
    let dir = tempfile::tempdir().unwrap();
    let cmd = "printf 'ERROR '; head -c 20000 /dev/zero | tr '\\0' x; echo; echo ERROR end";
    let (out, err) = logs(dir.path(), &["--level", "error", "--count", "--cmd", cmd]);
    assert_eq!(out, "2\n");
    assert_eq!(
        err,
        format!(
            "greenlight: `{cmd}` stdout:1: line longer than 16 KiB: only its first 16 KiB were \
             examined (and printed if they matched), the other 3622 bytes were not\n"
        )
    );
}
