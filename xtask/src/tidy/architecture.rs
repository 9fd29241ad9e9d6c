//! ARCHITECTURE.md's code map against the tree: every module of every crate is named in the
//! section of its folder (`### \`trainer/\``), and every file a section names exists.

use std::path::Path;

use super::sources::Source;
use crate::util::root;

/// A section of the code map: the folder its heading names, and its text.
pub struct Section {
    pub folder: String,
    pub text: String,
}

/// The `###` sections of `markdown` whose heading starts with a folder in backticks.
pub fn sections(markdown: &str) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    let mut current: Option<Section> = None;
    for line in markdown.lines() {
        if line.starts_with("## ") || line.starts_with("### ") {
            out.extend(current.take());
            let folder = line
                .strip_prefix("### `")
                .and_then(|rest| rest.split_once('`'))
                .map(|(name, _)| name.trim_end_matches('/').to_string());
            current = folder.map(|folder| Section { folder, text: String::new() });
        } else if let Some(section) = current.as_mut() {
            section.text.push_str(line);
            section.text.push('\n');
        }
    }
    out.extend(current);
    out
}

/// The words a section names in backticks.
fn named(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// How a module is named: `x.rs`, or `x/` for `x/mod.rs`.
fn key(module: &str) -> String {
    match module.strip_suffix("/mod.rs") {
        Some(folder) => format!("{}/", folder.rsplit('/').next().unwrap_or(folder)),
        None => module.rsplit('/').next().unwrap_or(module).to_string(),
    }
}

/// Every module missing from the section of its crate, and every section without one.
pub fn unnamed_modules(sections: &[Section], sources: &[Source]) -> Vec<String> {
    let mut found = Vec::new();
    for source in sources {
        let Some(module) = source.module() else { continue };
        if matches!(module, "lib.rs" | "main.rs") {
            continue;
        }
        let section = sections
            .iter()
            .find(|s| source.krate == s.folder || source.krate.starts_with(&format!("{}/", s.folder)));
        let Some(section) = section else {
            found.push(format!("ARCHITECTURE.md has no section `{}/` for {}", source.krate, source.path));
            continue;
        };
        let key = key(module);
        let mentioned = named(&section.text).iter().any(|n| *n == key || n.ends_with(&format!("/{key}")));
        if !mentioned {
            found.push(format!(
                "ARCHITECTURE.md does not name `{key}` ({}) in the section `{}/`: say what it holds there",
                source.path, section.folder
            ));
        }
    }
    found
}

/// The extensions of the files a section may name.
/// (Not `.json`: the sections also name the files the programs write, `model-card.json` and the
/// like.)
const FILES: [&str; 10] = [".rs", ".py", ".mjs", ".js", ".html", ".css", ".yaml", ".toml", ".md", ".txt"];

/// Every file a section names that exists neither from the repository root nor, as a path's
/// ending, under the section's folder. `files` are every file of the repository, from its root.
pub fn missing_files(sections: &[Section], files: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for section in sections {
        for name in named(&section.text) {
            let is_file = FILES.iter().any(|e| name.ends_with(e)) && !name.contains(char::is_whitespace);
            if !is_file || name.starts_with("target/") || name.contains('*') {
                continue;
            }
            let under = format!("{}/", section.folder);
            let exists = files.iter().any(|f| {
                f == name
                    || (f.starts_with(&under)
                        && (f.ends_with(&format!("/{name}")) || f[under.len()..] == *name))
            });
            if !exists {
                found.push(format!(
                    "ARCHITECTURE.md names `{name}` in the section `{}/`, and there is no such file",
                    section.folder
                ));
            }
        }
    }
    found
}

/// Every file of the repository (what git tracks or could: build output and tools left out),
/// as paths from the root.
pub fn repository_files() -> Vec<String> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if matches!(name.as_str(), ".git" | "target" | "node_modules") {
                continue;
            }
            if path.is_dir() {
                walk(&path, base, out);
            } else if let Ok(rel) = path.strip_prefix(base) {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(&root(), &root(), &mut out);
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAP: &str = "# A\n## Code map\n### `scorer-wasm/`\n- `value.rs`: values. `api/`: answers, \
                       `api/json.rs`.\n### `edge-functions/`\n- `routes/` and `gone.rs`.\n## Decisions\n`x.rs`\n";

    #[test]
    fn sections_by_folder() {
        let found = sections(MAP);
        let folders: Vec<&str> = found.iter().map(|s| s.folder.as_str()).collect();
        assert_eq!(folders, ["scorer-wasm", "edge-functions"]);
        assert_eq!(found[1].text, "- `routes/` and `gone.rs`.\n");
    }

    #[test]
    fn a_module_not_named_in_its_crates_section_is_found() {
        let sources = [
            Source::new("scorer-wasm", "scorer-wasm/src/value.rs", ""),
            Source::new("scorer-wasm", "scorer-wasm/src/api/mod.rs", ""),
            Source::new("scorer-wasm", "scorer-wasm/src/api/json.rs", ""),
            Source::new("scorer-wasm", "scorer-wasm/src/lib.rs", ""),
            Source::new("scorer-wasm", "scorer-wasm/src/read.rs", ""),
            Source::new("edge-functions/churn-api", "edge-functions/churn-api/src/routes/mod.rs", ""),
            Source::new("edge-functions/churn-api", "edge-functions/churn-api/tests/routes.rs", ""),
            Source::new("xtask", "xtask/src/up.rs", ""),
        ];
        assert_eq!(
            unnamed_modules(&sections(MAP), &sources),
            [
                "ARCHITECTURE.md does not name `read.rs` (scorer-wasm/src/read.rs) in the section `scorer-wasm/`: \
                 say what it holds there",
                "ARCHITECTURE.md has no section `xtask/` for xtask/src/up.rs",
            ]
        );
    }

    #[test]
    fn a_named_file_that_does_not_exist_is_found() {
        let files = ["scorer-wasm/src/value.rs".to_string(), "scorer-wasm/src/api/json.rs".to_string()];
        assert_eq!(
            missing_files(&sections(MAP), &files),
            ["ARCHITECTURE.md names `gone.rs` in the section `edge-functions/`, and there is no such file"]
        );
    }

    #[test]
    fn architecture_md_names_every_module_and_only_files_that_exist() {
        let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
        let map = sections(&text);
        let mut found = unnamed_modules(&map, &super::super::sources::sources());
        found.extend(missing_files(&map, &repository_files()));
        super::super::report("ARCHITECTURE.md against the tree", &found);
    }
}
