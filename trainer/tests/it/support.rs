//! Running the `churn` binary and preparing files for it.

use std::path::{Path, PathBuf};
use std::process::Output;

/// Runs `churn` with `args`; returns exit code, stdout and stderr.
pub fn churn(args: &[&str]) -> (i32, String, String) {
    let Output { status, stdout, stderr } =
        std::process::Command::new(env!("CARGO_BIN_EXE_churn")).args(args).output().expect("churn runs");
    let code = status.code().expect("churn exits with a code, not a signal (no panic abort)");
    (code, String::from_utf8_lossy(&stdout).into_owned(), String::from_utf8_lossy(&stderr).into_owned())
}

/// `churn train --data DATA --target churned --out OUT` with `extra` flags.
pub fn train_churned(data: &str, out: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["train", "--data", data, "--target", "churned", "--out", out];
    args.extend_from_slice(extra);
    churn(&args)
}

/// A reference dataset, never copied into the repository: in `$CHURN_REFERENCE_DATA`, or in the
/// nearest `shared/data` beside the workspace or one of its ancestors (`../shared/data`). Only the
/// tests under `reference_data` call it; `cargo xtask test` leaves them out, and counts them as
/// not run, when the files are missing (and fails under `CI=true`).
pub fn reference(file: &str) -> PathBuf {
    let dir = std::env::var_os("CHURN_REFERENCE_DATA").map(PathBuf::from).or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().map(|a| a.join("shared/data")).find(|d| d.is_dir())
    });
    let path = dir.map(|d| d.join(file));
    match path {
        Some(path) if path.is_file() => path,
        _ => panic!(
            "the reference dataset {file} is missing: put it in ../shared/data or set CHURN_REFERENCE_DATA; \
             `cargo xtask test` runs the tests that need it only when it is there"
        ),
    }
}

/// Writes `contents` to `name` inside `dir` and returns the path as a string.
pub fn write(dir: &Path, name: &str, contents: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write test file");
    path.display().to_string()
}

/// Reads a model card written by `churn train`.
pub fn card(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("model-card.json")).expect("model card exists");
    serde_json::from_str(&text).expect("model card is JSON")
}

/// A small valid table: 40 customers, a few columns, mixed signal.
pub fn small_table() -> String {
    let mut s = String::from("id,tenure,plan,paperless,churned\n");
    for i in 0..40 {
        let tenure = (i * 7) % 60;
        let plan = ["basic", "plus", "pro"][i % 3];
        let churned = if tenure < 15 || (i % 5 == 0) { "Yes" } else { "No" };
        s.push_str(&format!("C{i:03},{tenure},{plan},{},{churned}\n", if i % 2 == 0 { "Yes" } else { "No" }));
    }
    s
}
