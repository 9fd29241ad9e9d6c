//! Every `churn` command shown in a shell block of README.md or `docs/` parses with today's flags,
//! so no page teaches a flag that is gone. What the commands do is tested where each command is.

use clap::Parser;
use trainer::cli::args::Cli;

/// The shell commands of a Markdown text's ```sh blocks, continuation lines joined, comments
/// cut, each with the line it starts on.
fn shell_commands(markdown: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    let mut block = false;
    for (i, line) in markdown.lines().enumerate() {
        if line.starts_with("```") {
            block = line == "```sh";
            continue;
        }
        if !block {
            continue;
        }
        let code = line.split(" #").next().unwrap_or("").trim();
        let (start, mut text) = pending.take().unwrap_or((i + 1, String::new()));
        text.push_str(code.trim_end_matches('\\'));
        text.push(' ');
        if code.ends_with('\\') {
            pending = Some((start, text));
        } else if !text.trim().is_empty() {
            out.push((start, text.trim().to_string()));
        }
    }
    out
}

/// A command line split into words as a shell would (quotes, no expansion).
fn words(command: &str) -> Vec<String> {
    let (mut out, mut word, mut quote, mut any) = (Vec::new(), String::new(), None, false);
    for c in command.chars() {
        match (quote, c) {
            (None, '\'' | '"') => (quote, any) = (Some(c), true),
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if any {
                    out.push(std::mem::take(&mut word));
                }
                any = false;
            }
            (_, c) => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(word);
    }
    out
}

#[test]
fn every_churn_command_in_the_docs_parses() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut pages = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| format!("docs/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    docs.sort();
    pages.extend(docs);
    let (mut checked, mut failures) = (0, Vec::new());
    for page in &pages {
        let text = std::fs::read_to_string(root.join(page)).unwrap();
        for (line, command) in shell_commands(&text) {
            let args = words(&command);
            let churn = match args.iter().position(|w| w == "--") {
                Some(at) if args.starts_with(&["cargo".into(), "run".into()]) => &args[at + 1..],
                _ if args.first().is_some_and(|w| w == "churn") => &args[1..],
                _ => continue,
            };
            checked += 1;
            let argv = std::iter::once("churn".to_string()).chain(churn.iter().cloned());
            if let Err(e) = Cli::try_parse_from(argv) {
                failures.push(format!("{page}:{line}: {command}\n{e}"));
            }
        }
    }
    assert!(checked >= 20, "found only {checked} churn commands in {pages:?}");
    assert!(failures.is_empty(), "commands that no longer parse:\n{}", failures.join("\n"));
}

#[test]
fn blocks_and_words() {
    let text = "```sh\nchurn train --data 'my file.csv' \\\n  --target Churn   # a comment\n```\n\
                churn outside\n```text\nchurn no\n```\n";
    assert_eq!(shell_commands(text), [(2, "churn train --data 'my file.csv'  --target Churn".to_string())]);
    assert_eq!(
        words("churn train --data 'my file.csv' --x \"a b\""),
        ["churn", "train", "--data", "my file.csv", "--x", "a b"]
    );
}
