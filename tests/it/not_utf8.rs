//! Files people edit (playbooks, `.greenlight.toml`, the manifest, the
//! user's config) with a byte that is not UTF-8: each is reported at the
//! byte's line and column, as every other mistake in them is.

use crate::common::{Sandbox, stderr};

#[test]
fn each_file_names_the_line_and_column_of_the_bad_byte() {
    let sb = Sandbox::new();
    let root = sb.repo.path();

    let playbook = root.join("latin1.toml");
    std::fs::write(&playbook, b"id = \"x\"\ntitle = \"Caf\xe9\"\n").unwrap();
    let out = sb.run(&["playbook", "validate", "latin1.toml"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("latin1.toml:2:13: not valid UTF-8 (byte 0xe9)"),
        "{}",
        stderr(&out)
    );

    let manifest = root.join("release-manifest.toml");
    std::fs::write(&manifest, b"[system]\nversion = \"1.0.0\" # \xa9\n").unwrap();
    let out = sb.run(&["manifest", "check"]);
    assert!(
        stderr(&out).contains("release-manifest.toml:2:21: not valid UTF-8 (byte 0xa9)"),
        "{}",
        stderr(&out)
    );

    std::fs::write(
        root.join(".greenlight.toml"),
        b"[project]\nname = \"w\xff\"\n",
    )
    .unwrap();
    let out = sb.run(&["sessions"]);
    assert!(
        stderr(&out).contains(".greenlight.toml:2:10: not valid UTF-8 (byte 0xff)"),
        "{}",
        stderr(&out)
    );
}
