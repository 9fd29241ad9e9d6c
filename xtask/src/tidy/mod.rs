//! The rules the code used to keep by hand, checked on every `cargo test`, as rust-analyzer's
//! tidy tests check its sources. What no test checks erodes: functions cut to 80 lines grew back
//! to 415 within days.
//!
//! - `functions`: no function outside test code is longer than [`MAX_FUNCTION_LINES`], in any
//!   crate (counted from its `fn` line to its closing brace);
//! - `unwraps`: no `.unwrap()` or `.expect(…)` outside test code and build scripts: library code
//!   returns errors that name what failed, and a binary reports them (STYLE: errors);
//! - `architecture` (`architecture.rs`): ARCHITECTURE.md names every module of every crate in
//!   that crate's section, and every file it names exists;
//! - `docs` (`docs.rs`): every relative link of README.md and `docs/` leads to a file that exists
//!   and, with a `#fragment`, to a heading in it;
//! - `hack`: no feature that changes behaviour is unified by `workspace-hack/`.
//!
//! The layers of the trainer's modules are checked beside, in `layers.rs`.

mod architecture;
mod docs;
mod items;
mod layers;
mod lexer;
mod sources;

use sources::Source;

/// The longest a function outside test code may be, in lines.
pub const MAX_FUNCTION_LINES: usize = 80;

/// Every function outside test code over the limit, as `file: fn name is N lines`.
fn long_functions(sources: &[Source]) -> Vec<String> {
    let mut found = Vec::new();
    for source in sources.iter().filter(|s| !s.is_test()) {
        for f in items::functions(&lexer::tokens(&source.text)) {
            if !f.test && f.lines() > MAX_FUNCTION_LINES {
                found.push(format!(
                    "{}:{}: fn {} is {} lines, over {MAX_FUNCTION_LINES}: cut it by what each part does",
                    source.path,
                    f.first,
                    f.name,
                    f.lines()
                ));
            }
        }
    }
    found
}

/// Every `.unwrap()` and `.expect(` outside test code and build scripts.
fn unwraps(sources: &[Source]) -> Vec<String> {
    let mut found = Vec::new();
    for source in sources.iter().filter(|s| !s.is_test() && !s.is_build_script()) {
        let tokens = lexer::tokens(&source.text);
        let tests: Vec<(usize, usize)> =
            items::functions(&tokens).iter().filter(|f| f.test).map(|f| (f.first, f.last)).collect();
        let in_test = |line: usize| tests.iter().any(|&(a, b)| a <= line && line <= b);
        for pair in tokens.windows(3) {
            let call = match (&pair[0].token, &pair[1].token, &pair[2].token) {
                (lexer::Token::Punct('.'), lexer::Token::Ident(w), lexer::Token::Punct('(')) => w.as_str(),
                _ => continue,
            };
            if matches!(call, "unwrap" | "expect") && !in_test(pair[1].line) {
                found.push(format!(
                    "{}:{}: .{call}() outside tests: return an error that says what failed",
                    source.path, pair[1].line
                ));
            }
        }
    }
    found
}

/// Features of `workspace-hack/Cargo.toml` that would change how a crate behaves, not only what
/// it offers, in every crate the hack reaches.
const BEHAVIOUR_FEATURES: [&str; 2] = ["preserve_order", "arbitrary_precision"];

fn behaviour_features(manifest: &str) -> Vec<String> {
    BEHAVIOUR_FEATURES
        .iter()
        .filter(|f| manifest.contains(&format!("\"{f}\"")))
        .map(|f| {
            format!(
                "workspace-hack/Cargo.toml turns on \"{f}\", which changes behaviour wherever it is unified \
                 (the API crate natively against the component): keep the crate that asked for it from needing it"
            )
        })
        .collect()
}

fn report(rule: &str, found: &[String]) {
    assert!(found.is_empty(), "{rule}:\n{}", found.join("\n"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::root;

    #[test]
    fn no_function_outside_tests_is_over_80_lines() {
        let sources = sources::sources();
        assert!(sources.len() > 100, "read only {} source files", sources.len());
        report("functions over the limit", &long_functions(&sources));
    }

    #[test]
    fn a_function_of_81_lines_is_named_and_one_of_80_is_not() {
        let body = |n: usize| (0..n - 2).map(|i| format!("    let _x{i} = {i};\n")).collect::<String>();
        let text = format!(
            "fn long() {{\n{}}}\nfn fits() {{\n{}}}\n#[cfg(test)]\nmod tests {{\n    fn long_test() {{\n{}    }}\n}}\n",
            body(81),
            body(80),
            body(200)
        );
        let source = Source::new("trainer", "trainer/src/x.rs", &text);
        assert_eq!(
            long_functions(&[source]),
            ["trainer/src/x.rs:1: fn long is 81 lines, over 80: cut it by what each part does"]
        );
    }

    #[test]
    fn no_unwrap_or_expect_outside_tests() {
        report("unwrap and expect outside tests", &unwraps(&sources::sources()));
    }

    #[test]
    fn unwraps_in_code_are_named_and_those_in_tests_comments_and_strings_are_not() {
        let text = "fn f() {\n    let a = x.unwrap();\n    // y.unwrap()\n    let s = \"z.expect(\";\n    \
                    let b = w.unwrap_or(1).expect(\"why\");\n}\n#[test]\nfn t() { q.unwrap(); }\n";
        let source = Source::new("trainer", "trainer/src/x.rs", text);
        assert_eq!(
            unwraps(&[source]),
            [
                "trainer/src/x.rs:2: .unwrap() outside tests: return an error that says what failed",
                "trainer/src/x.rs:5: .expect() outside tests: return an error that says what failed",
            ]
        );
    }

    #[test]
    fn the_workspace_hack_unifies_no_behaviour() {
        let manifest = std::fs::read_to_string(root().join("workspace-hack/Cargo.toml")).unwrap();
        report("behaviour unified", &behaviour_features(&manifest));
        assert_eq!(behaviour_features("serde_json = { features = [\"preserve_order\"] }").len(), 1);
    }
}
