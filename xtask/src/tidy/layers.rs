//! The trainer's modules in layers (`trainer/src/lib.rs` lists them): each imports only from its
//! own layer or the layers below, and no modules import each other in a cycle. The check reads
//! the `crate::…` paths of every source file of `trainer/src/`.

use std::collections::{BTreeMap, BTreeSet};

use crate::util::root;

/// The layers, bottom first: a module may name `crate::` paths of its own layer or those before.
const LAYERS: [&str; 12] = [
    "error", "code", "parallel", "stats", "input", "prepare", "model", "training", "monitor", "ops",
    "report", "cli",
];

/// A source file: its path under `src/` (`stats/metrics.rs`) and its text.
type Source = (String, String);

/// The module a file under `src/` defines: `stats/metrics.rs` → `stats::metrics`,
/// `stats/mod.rs` → `stats`, `error.rs` → `error`.
fn module_of(file: &str) -> String {
    let path = file.trim_end_matches(".rs").trim_end_matches("/mod");
    path.replace('/', "::")
}

fn rank(module: &str) -> Option<usize> {
    let layer = module.split("::").next()?;
    LAYERS.iter().position(|l| *l == layer)
}

/// The modules a file's code names through `crate::` paths (comments left out), each cut to a
/// module that has a file: `crate::stats::metrics::sweep` → `stats::metrics`.
fn imports(text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let preceded = rest[..at].chars().last();
            let after = &rest[at + "crate::".len()..];
            rest = after;
            if matches!(preceded, Some(c) if c == '$' || c.is_alphanumeric() || c == '_') {
                continue; // `$crate::` in a macro, or a longer identifier
            }
            for path in expand(after) {
                let segments: Vec<&str> = path.split("::").collect();
                // The longest prefix of the path that is a module with a file.
                if let Some(m) = (1..=segments.len())
                    .rev()
                    .map(|n| segments[..n].join("::"))
                    .find(|candidate| modules.contains(candidate))
                {
                    found.insert(m);
                }
            }
        }
    }
    found
}

/// The paths a `crate::` reference names, read as a use tree: `a::b::c` → [a::b::c];
/// `a::{b, c::{d, e}}` → [a::b, a::c::d, a::c::e]; `{a::b, c}` → [a::b, c].
fn expand(after: &str) -> Vec<String> {
    let mut out = Vec::new();
    tree(&after.chars().collect::<Vec<char>>(), &mut 0, "", &mut out);
    out
}

/// Reads one use tree at `chars[*at..]` under the path `prefix`, pushing the paths it names.
fn tree(chars: &[char], at: &mut usize, prefix: &str, out: &mut Vec<String>) {
    let ident = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
    while chars.get(*at).is_some_and(|c| c.is_whitespace()) {
        *at += 1;
    }
    let start = *at;
    while chars.get(*at).is_some_and(|&c| ident(c)) {
        *at += 1;
    }
    let head: String = chars[start..*at].iter().collect();
    let path = format!("{prefix}{head}");
    if chars.get(*at) == Some(&'{') {
        *at += 1;
        loop {
            tree(chars, at, &path, out);
            while chars.get(*at).is_some_and(|c| c.is_whitespace()) {
                *at += 1;
            }
            match chars.get(*at) {
                Some(',') => *at += 1,
                Some('}') => {
                    *at += 1;
                    break;
                }
                _ => break,
            }
            if chars.get(*at..).is_some_and(|r| r.iter().take_while(|c| c.is_whitespace()).count() == r.len())
            {
                break;
            }
        }
    } else {
        let path = path.trim_end_matches("::");
        let path = path.strip_suffix("::self").unwrap_or(path);
        if !path.is_empty() && path != "self" {
            out.push(path.to_string());
        }
    }
}

/// Every import that runs up a layer, and every cycle between modules, as sentences.
fn violations(sources: &[Source]) -> Vec<String> {
    let modules: BTreeSet<String> = sources.iter().map(|(f, _)| module_of(f)).collect();
    let mut out = Vec::new();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, text) in sources {
        let me = module_of(file);
        let Some(my_rank) = rank(&me) else {
            out.push(format!("src/{file} is in no layer: add its folder to LAYERS and to lib.rs"));
            continue;
        };
        for target in imports(text, &modules) {
            if target == me || me.starts_with(&format!("{target}::")) {
                continue; // a module may name itself or its own folder's mod.rs
            }
            match rank(&target) {
                Some(r) if r > my_rank => out.push(format!(
                    "src/{file} imports crate::{target}, a layer above its own ({} above {})",
                    LAYERS[r], LAYERS[my_rank]
                )),
                _ => {}
            }
            graph.entry(me.clone()).or_default().insert(target);
        }
    }
    out.extend(cycles(&graph).into_iter().map(|c| format!("modules import each other: {}", c.join(" → "))));
    out
}

/// The cycles of the import graph, each once, starting from its smallest module.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        found: &mut BTreeSet<Vec<String>>,
    ) {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut cycle: Vec<String> = path[at..].to_vec();
            let start = cycle.iter().enumerate().min_by_key(|(_, m)| m.as_str()).map_or(0, |(i, _)| i);
            cycle.rotate_left(start);
            cycle.push(cycle[0].clone());
            found.insert(cycle);
            return;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, path, found);
        }
        path.pop();
    }
    let mut found = BTreeSet::new();
    for node in graph.keys() {
        visit(node, graph, &mut Vec::new(), &mut found);
    }
    found.into_iter().collect()
}

/// Every source file of the trainer's library, but `lib.rs` (which declares the layers) and
/// `main.rs` (which sits on top of everything).
fn trainer_sources() -> Vec<Source> {
    let src = root().join("trainer/src");
    let mut out = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let file = path.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
                if file != "lib.rs" && file != "main.rs" {
                    out.push((file, std::fs::read_to_string(&path).unwrap()));
                }
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trainer_imports_only_downward_and_without_cycles() {
        let sources = trainer_sources();
        assert!(sources.len() >= 25, "read only {} files", sources.len());
        let found = violations(&sources);
        assert!(found.is_empty(), "layering violations:\n{}", found.join("\n"));
    }

    fn source(file: &str, text: &str) -> Source {
        (file.to_string(), text.to_string())
    }

    #[test]
    fn an_upward_import_is_named() {
        let sources = [
            source("stats/metrics.rs", "use crate::error::Result;\nuse crate::cli::args::Cli;\n"),
            source("cli/args.rs", "use crate::error::Result;\n"),
            source("error.rs", ""),
        ];
        assert_eq!(
            violations(&sources),
            ["src/stats/metrics.rs imports crate::cli::args, a layer above its own (cli above stats)"]
        );
    }

    #[test]
    fn grouped_paths_and_paths_in_code_count_and_comments_do_not() {
        let sources = [
            source(
                "prepare/infer.rs",
                "// crate::report::page is only named here\nfn f() { crate::input::data::read(); }\n",
            ),
            source("prepare/validate.rs", "use crate::{input::data, report::{page, svg}};\n"),
            source("input/data.rs", ""),
            source("report/page.rs", ""),
            source("report/svg.rs", ""),
        ];
        assert_eq!(
            violations(&sources),
            [
                "src/prepare/validate.rs imports crate::report::page, a layer above its own (report above prepare)",
                "src/prepare/validate.rs imports crate::report::svg, a layer above its own (report above prepare)",
            ]
        );
    }

    #[test]
    fn a_cycle_within_a_layer_is_named() {
        let sources = [
            source("training/train.rs", "use crate::training::stream::StreamOptions;\n"),
            source("training/stream.rs", "use crate::training::train::{self, TrainOptions};\n"),
            source("src_extra/other.rs", ""),
        ];
        assert_eq!(
            violations(&sources),
            [
                "src/src_extra/other.rs is in no layer: add its folder to LAYERS and to lib.rs",
                "modules import each other: training::stream → training::train → training::stream",
            ]
        );
    }
}
