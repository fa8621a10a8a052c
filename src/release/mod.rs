//! Release helpers that read the git repository: next version, release notes, manifest of components.
