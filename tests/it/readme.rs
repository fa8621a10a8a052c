//! The README cannot drift from the code: every TOML example of its
//! configuration reference is parsed by the real parsers, every key the
//! parsers know (as their "unknown field" errors list them) is named in
//! the reference, and its relative links resolve in the repository.

use greenlight::config::{RepoConfig, UserConfig};

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README")
}

/// The configuration reference: from its heading to the next `## `.
fn reference() -> String {
    let text = readme();
    let start = text
        .find("## Configuration reference")
        .expect("a configuration reference");
    let end = text[start + 3..]
        .find("\n## ")
        .map_or(text.len(), |i| start + 3 + i);
    text[start..end].to_string()
}

/// The ```toml blocks of `text`.
fn toml_blocks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("```toml\n") {
        let body = &rest[i + 8..];
        let end = body.find("```").expect("a closed block");
        out.push(body[..end].to_string());
        rest = &body[end + 3..];
    }
    out
}

#[test]
fn every_toml_example_of_the_reference_parses() {
    let blocks = toml_blocks(&reference());
    assert!(blocks.len() >= 8, "{} blocks", blocks.len());
    for b in blocks {
        if b.contains("# config.toml (personal)") {
            let r: Result<UserConfig, _> = toml::from_str(&b);
            assert!(r.is_ok(), "user config example does not parse: {r:?}\n{b}");
        } else {
            let r: Result<RepoConfig, _> = toml::from_str(&b);
            assert!(r.is_ok(), "example does not parse: {r:?}\n{b}");
        }
    }
}

/// The keys the parser accepts in a table: its "unknown field" error for
/// a key it cannot know lists them.
fn keys_of<T: serde::de::DeserializeOwned + std::fmt::Debug>(doc: &str) -> Vec<String> {
    let err = match toml::from_str::<T>(doc) {
        Ok(v) => panic!("`{doc}` parsed: {v:?}"),
        Err(e) => e.to_string(),
    };
    let list = err
        .split("expected one of ")
        .nth(1)
        .or_else(|| err.split("expected ").nth(1))
        .unwrap_or_else(|| panic!("no list of fields in: {err}"));
    let keys: Vec<String> = list
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    assert!(!keys.is_empty(), "no keys in: {err}");
    keys
}

#[test]
fn every_key_of_the_parser_is_in_the_reference() {
    let reference = reference();
    let bogus = "zz_not_a_key = 1\n";
    let repo = [
        ("top level", bogus.to_string()),
        ("[project]", format!("[project]\n{bogus}")),
        ("[[people]]", format!("[[people]]\n{bogus}")),
        ("[environments]", format!("[environments]\n{bogus}")),
        ("[canary]", format!("[canary]\n{bogus}")),
        (
            "[[canary.metrics]]",
            format!("[canary]\nsource = \"simulated\"\n[[canary.metrics]]\n{bogus}"),
        ),
        (
            "[canary.simulated]",
            format!("[canary]\nsource = \"simulated\"\n[canary.simulated]\n{bogus}"),
        ),
        (
            "[[canary.steps]]",
            format!("[canary]\nsource = \"simulated\"\n[[canary.steps]]\n{bogus}"),
        ),
        ("[[logs]]", format!("[[logs]]\n{bogus}")),
        ("[log_buffer]", format!("[log_buffer]\n{bogus}")),
        ("[audit]", format!("[audit]\n{bogus}")),
        ("[policy]", format!("[policy]\n{bogus}")),
        ("[train]", format!("[train]\n{bogus}")),
        ("[[notify]]", format!("[[notify]]\n{bogus}")),
    ];
    let named = |key: &str| {
        [
            format!("`{key}`"),
            format!("{key} ="),
            format!("[{key}]"),
            format!("[{key}."),
        ]
        .iter()
        .any(|form| reference.contains(form.as_str()))
    };
    let mut missing = Vec::new();
    for (table, doc) in repo {
        for key in keys_of::<RepoConfig>(&doc) {
            if !named(&key) {
                missing.push(format!("{table}: {key}"));
            }
        }
    }
    let user = [
        ("config.toml", bogus.to_string()),
        ("[identity]", format!("[identity]\n{bogus}")),
        ("[signing]", format!("[signing]\n{bogus}")),
    ];
    for (table, doc) in user {
        for key in keys_of::<UserConfig>(&doc) {
            if !named(&key) {
                missing.push(format!("{table}: {key}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "keys the parser knows that the README's reference does not name:\n{}",
        missing.join("\n")
    );
}

/// Every relative link of the README points at a file of the repository.
#[test]
fn relative_links_resolve_in_a_clone() {
    let text = readme();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for part in text.split("](").skip(1) {
        let target = part.split(')').next().unwrap_or("");
        if target.starts_with("http") || target.starts_with('#') || target.is_empty() {
            continue;
        }
        let path = target.split('#').next().unwrap_or(target);
        assert!(
            !path.starts_with(".."),
            "`{target}` points outside the repository"
        );
        assert!(root.join(path).exists(), "`{target}` does not exist");
        checked += 1;
    }
    assert!(checked >= 1, "no relative link checked");
    let process = std::fs::read_to_string(root.join("docs/process.md")).expect("docs/process.md");
    for scenario in ["mvp-launch", "feature-release", "release-train", "hotfix"] {
        assert!(process.contains(scenario), "{scenario} not described");
    }
}
