//! The Rust sources of the repository's crates, and which of them are test code.

use std::path::{Path, PathBuf};

use crate::util::root;

/// The crates: the workspace's members (read from the root `Cargo.toml`) and `fuzz/`, which
/// stands outside the workspace for its build flags. Folders relative to the repository root.
pub fn crates() -> Vec<String> {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap_or_default();
    let members = manifest
        .split_once("members = [")
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(list, _)| list)
        .unwrap_or_default();
    let mut crates: Vec<String> = members
        .split(',')
        .map(|m| m.trim().trim_matches('"').to_string())
        .filter(|m| !m.is_empty())
        .collect();
    crates.push("fuzz".into());
    crates.sort();
    crates
}

/// A Rust source file of a crate.
pub struct Source {
    /// The crate's folder (`trainer`).
    pub krate: String,
    /// The path from the repository root (`trainer/src/cli/args.rs`).
    pub path: String,
    pub text: String,
    /// Whether a `#[cfg(test)] mod NAME;` makes the whole file test code.
    pub test_module: bool,
}

impl Source {
    pub fn new(krate: &str, path: &str, text: &str) -> Source {
        Source { krate: krate.into(), path: path.into(), text: text.into(), test_module: false }
    }

    /// Whether the whole file is test code: the `tests` crate, the fuzz targets (where a panic is
    /// the finding), a crate's `tests/` or `benches/`, or a module declared `#[cfg(test)]` in a
    /// file of its own.
    pub fn is_test(&self) -> bool {
        let inside = &self.path[self.krate.len() + 1..];
        let harness = matches!(self.krate.as_str(), "tests" | "fuzz");
        self.test_module || harness || inside.starts_with("tests/") || inside.starts_with("benches/")
    }

    /// Whether it is a build script.
    pub fn is_build_script(&self) -> bool {
        self.path == format!("{}/build.rs", self.krate)
    }

    /// Its path inside the crate's `src/` (`cli/args.rs`), if it is there.
    pub fn module(&self) -> Option<&str> {
        self.path.strip_prefix(&self.krate)?.strip_prefix("/src/")
    }
}

/// Every `.rs` file of every crate, in path order (generated and built files left out).
pub fn sources() -> Vec<Source> {
    let mut out = Vec::new();
    for krate in crates() {
        let mut files = Vec::new();
        collect(&root().join(&krate), &mut files);
        for file in files {
            let path = file.strip_prefix(root()).unwrap_or(&file).to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            out.push(Source::new(&krate, &path, &text));
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    // The files of `#[cfg(test)] mod NAME;`: `NAME.rs` or `NAME/…` beside the declaring file
    // (in the folder of a `mod.rs`, `lib.rs` or `main.rs`, else in the file's own folder).
    let mut folders = Vec::new();
    for source in &out {
        let (dir, stem) = source.path.rsplit_once('/').unwrap_or(("", &source.path));
        let stem = stem.trim_end_matches(".rs");
        let base =
            if matches!(stem, "mod" | "lib" | "main") { dir.to_string() } else { format!("{dir}/{stem}") };
        for name in super::items::test_modules(&super::lexer::tokens(&source.text)) {
            folders.push(format!("{base}/{name}"));
        }
    }
    for source in &mut out {
        source.test_module = folders
            .iter()
            .any(|m| source.path == format!("{m}.rs") || source.path.starts_with(&format!("{m}/")));
    }
    out
}

/// Folders inside a crate that hold no sources of it.
const NOT_SOURCES: [&str; 6] = ["target", "build", "corpus", "artifacts", "coverage", "node_modules"];

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() && !NOT_SOURCES.contains(&name.as_str()) && !name.starts_with('.') {
            collect(&path, out);
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}
