//! The links of README.md and `docs/*.md`: every relative link leads to a file or folder that
//! exists, and a `#fragment` to a heading of the Markdown file it points into (GitHub's anchors).

use std::collections::BTreeMap;
use std::path::Path;

/// The Markdown files whose links are checked, from the repository root.
pub fn documents(root: &Path) -> Vec<String> {
    let mut out = vec!["README.md".to_string(), "ARCHITECTURE.md".to_string()];
    if let Ok(entries) = std::fs::read_dir(root.join("docs")) {
        let mut pages: Vec<String> = entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".md"))
            .map(|n| format!("docs/{n}"))
            .collect();
        pages.sort();
        out.extend(pages);
    }
    out
}

/// The lines of `markdown` outside fenced code blocks, with their numbers (from 1).
fn prose(markdown: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    let mut out = Vec::new();
    for (i, line) in markdown.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            out.push((i + 1, line));
        }
    }
    out
}

/// The anchors GitHub gives the headings of `markdown`: lowercased, punctuation other than `-`
/// and `_` dropped, spaces made `-`, a repeated one suffixed `-1`, `-2`, ...
pub fn anchors(markdown: &str) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for (_, line) in prose(markdown) {
        let Some(title) =
            line.strip_prefix('#').map(|t| t.trim_start_matches('#')).filter(|t| t.starts_with(' '))
        else {
            continue;
        };
        let slug: String = title
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let n = seen.entry(slug.clone()).or_insert(0);
        out.push(if *n == 0 { slug.clone() } else { format!("{slug}-{n}") });
        *n += 1;
    }
    out
}

/// The targets of the inline links `[text](target)` of a line, code spans left out.
fn links(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for (i, part) in line.split('`').enumerate() {
        if i % 2 == 1 {
            continue; // inside a code span
        }
        let mut rest = part;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            out.push(after[..end].split_whitespace().next().unwrap_or(""));
            rest = &after[end..];
        }
    }
    out
}

/// Every broken relative link of the document `name` (a path from `root`), as a sentence.
pub fn broken_links(root: &Path, name: &str) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(root.join(name)) else {
        return vec![format!("{name} cannot be read")];
    };
    let dir = Path::new(name).parent().unwrap_or(Path::new(""));
    let mut found = Vec::new();
    for (number, line) in prose(&text) {
        for target in links(line) {
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, fragment) = target.split_once('#').unwrap_or((target, ""));
            let file = if path.is_empty() { name.to_string() } else { normalise(&dir.join(path)) };
            let problem = if !root.join(&file).exists() {
                Some(format!("{file} does not exist"))
            } else if !fragment.is_empty() && file.ends_with(".md") {
                let headings = anchors(&std::fs::read_to_string(root.join(&file)).unwrap_or_default());
                (!headings.iter().any(|a| a == fragment))
                    .then(|| format!("{file} has no heading #{fragment}"))
            } else {
                None
            };
            if let Some(problem) = problem {
                found.push(format!("{name}:{number}: the link ({target}) is broken: {problem}"));
            }
        }
    }
    found
}

/// Every `cargo xtask …` line of the document's ```sh blocks (comments cut) that does not parse
/// with today's tasks and flags, as a sentence. (The trainer's tests parse the `churn` ones.)
pub fn stale_tasks(root: &Path, name: &str) -> Vec<String> {
    use clap::Parser;
    let text = std::fs::read_to_string(root.join(name)).unwrap_or_default();
    let mut shell = false;
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("```") {
            shell = line == "```sh";
            continue;
        }
        let command = line.split(" #").next().unwrap_or("").trim();
        let Some(task) = command.strip_prefix("cargo xtask").filter(|_| shell) else { continue };
        let argv = std::iter::once("cargo xtask").chain(task.split_whitespace());
        if let Err(e) = crate::Cli::try_parse_from(argv) {
            found.push(format!(
                "{name}:{}: {command}: {}",
                i + 1,
                e.to_string().lines().next().unwrap_or("")
            ));
        }
    }
    found
}

/// `a/b/../c` as `a/c`, with `/` separators.
fn normalise(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::root;

    #[test]
    fn github_anchors() {
        let text = "# churn\n## Two commands\n```\n# not a heading\n```\n### Whom to contact: a threshold, tied to money\n\
                    ## Two commands\n## `--stream` and 10⁶ rows\n";
        assert_eq!(
            anchors(text),
            [
                "churn",
                "two-commands",
                "whom-to-contact-a-threshold-tied-to-money",
                "two-commands-1",
                "--stream-and-10⁶-rows"
            ]
        );
    }

    #[test]
    fn broken_links_are_named() {
        let dir = std::env::temp_dir().join(format!("tidy-docs-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("docs")).unwrap();
        std::fs::write(
            dir.join("README.md"),
            "# Top\n[ok](docs/a.md#part) [gone](docs/b.md) `[code](x.md)`\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("docs/a.md"),
            "# A\n## Part\n[up](../README.md#top) [bad](../README.md#nowhere) [here](#part) [web](https://x.org)\n",
        )
        .unwrap();
        let mut found = broken_links(&dir, "README.md");
        found.extend(broken_links(&dir, "docs/a.md"));
        assert_eq!(
            found,
            [
                "README.md:2: the link (docs/b.md) is broken: docs/b.md does not exist",
                "docs/a.md:3: the link (../README.md#nowhere) is broken: README.md has no heading #nowhere",
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn readme_and_docs_have_no_broken_links() {
        let found: Vec<String> = documents(&root()).iter().flat_map(|d| broken_links(&root(), d)).collect();
        super::super::report("broken links", &found);
    }

    #[test]
    fn every_xtask_command_in_the_docs_parses() {
        let found: Vec<String> = documents(&root()).iter().flat_map(|d| stale_tasks(&root(), d)).collect();
        super::super::report("cargo xtask commands that no longer parse", &found);
        let dir = std::env::temp_dir().join(format!("tidy-tasks-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("README.md"),
            "```sh\ncargo xtask up --no-serve   # fine\ncargo xtask lift\n```\n",
        )
        .unwrap();
        assert_eq!(
            stale_tasks(&dir, "README.md"),
            ["README.md:3: cargo xtask lift: error: unrecognized subcommand 'lift'"]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
