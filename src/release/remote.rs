//! Web links to commits, derived from a remote URL when the host looks like
//! GitHub or GitLab (including self-hosted ones such as
//! `gitlab.example.com`). Pure string work: no network.

use serde::Serialize;

/// Which web UI a remote belongs to; they differ in the commit URL path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Forge {
    GitHub,
    GitLab,
}

/// The web home of a repository, e.g. `https://github.com/o/r`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebRepo {
    pub forge: Forge,
    pub base: String,
}

impl WebRepo {
    /// Understand `https://github.com/o/r.git`, `git@github.com:o/r.git`,
    /// `ssh://git@gitlab.example.com:2222/group/sub/r.git`, `git://...`.
    /// `None` for anything else (local paths, unknown hosts).
    pub fn from_remote_url(url: &str) -> Option<Self> {
        let url = url.trim();
        let (scheme, rest) = match url.split_once("://") {
            Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
            None => (String::new(), url),
        };
        let (host_port, path) = match scheme.as_str() {
            "https" | "http" | "ssh" | "git" | "git+ssh" | "ssh+git" => rest.split_once('/')?,
            // scp-like `user@host:path`; a Windows drive or local path has no host part.
            "" => {
                let (host, path) = rest.split_once(':')?;
                if host.contains('/') || path.starts_with("//") {
                    return None;
                }
                (host, path)
            }
            _ => return None,
        };
        let host_port = host_port.rsplit_once('@').map_or(host_port, |(_, h)| h);
        // Web links use the web port only for http(s); an ssh port is not a web port.
        let host = match scheme.as_str() {
            "https" | "http" => host_port,
            _ => host_port.split(':').next().unwrap_or(host_port),
        };
        let lower = host.to_ascii_lowercase();
        let forge = if lower.contains("github") {
            Forge::GitHub
        } else if lower.contains("gitlab") {
            Forge::GitLab
        } else {
            return None;
        };
        let path = path.trim_matches('/');
        let path = path.strip_suffix(".git").unwrap_or(path);
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if segments.len() < 2 || host.is_empty() {
            return None;
        }
        let web_scheme = if scheme == "http" { "http" } else { "https" };
        Some(Self {
            forge,
            base: format!("{web_scheme}://{host}/{}", segments.join("/")),
        })
    }

    /// The page of one commit.
    pub fn commit_url(&self, sha: &str) -> String {
        match self.forge {
            Forge::GitHub => format!("{}/commit/{sha}", self.base),
            Forge::GitLab => format!("{}/-/commit/{sha}", self.base),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(url: &str) -> Option<String> {
        WebRepo::from_remote_url(url).map(|w| w.commit_url("abc"))
    }

    #[test]
    fn github_forms() {
        let want = Some("https://github.com/o/r/commit/abc".to_owned());
        for url in [
            "https://github.com/o/r.git",
            "https://github.com/o/r",
            "https://github.com/o/r/",
            "https://user:token@github.com/o/r.git",
            "git@github.com:o/r.git",
            "git@github.com:/o/r.git",
            "ssh://git@github.com/o/r.git",
            "ssh://git@github.com:22/o/r.git",
            "git://github.com/o/r.git",
        ] {
            assert_eq!(link(url), want, "{url}");
        }
    }

    #[test]
    fn gitlab_forms() {
        assert_eq!(
            link("git@gitlab.com:group/sub/r.git").as_deref(),
            Some("https://gitlab.com/group/sub/r/-/commit/abc")
        );
        assert_eq!(
            link("ssh://git@gitlab.example.com:2222/g/r.git").as_deref(),
            Some("https://gitlab.example.com/g/r/-/commit/abc")
        );
        assert_eq!(
            link("https://gitlab.example.com:8443/g/r").as_deref(),
            Some("https://gitlab.example.com:8443/g/r/-/commit/abc")
        );
    }

    #[test]
    fn others_have_no_links() {
        for url in [
            "/srv/git/r.git",
            "file:///srv/git/r.git",
            "https://bitbucket.org/o/r.git",
            "git@example.com:o/r.git",
            "https://github.com/just-owner",
            "C:\\repos\\r",
            "",
        ] {
            assert_eq!(link(url), None, "{url}");
        }
    }
}
