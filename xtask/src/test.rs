//! `cargo xtask test`: every check and test, as CI runs them.
//!
//! 1. formatting;
//! 2. architecture guards: the scorer crate builds for `wasm32-unknown-unknown` and none of the
//!    heavy crates appears among its dependencies;
//! 3. clippy, warnings denied, on the native crates and on the Spin components;
//! 4. the browser module and the Spin components, built as users build them, with a golden
//!    model embedded, and the API component with a golden challenger as well; the browser module
//!    must stay under its size budget (150,000 bytes with the Telco logistic model);
//! 5. the test suites of every crate, including the end-to-end tests that run that module under
//!    wasmtime, its JavaScript API in Node, and the components over HTTP in-process;
//! 6. a smoke run of `cargo xtask bench` (tiny sizes, no peers), so that the harness cannot rot.

use std::process::Command;

use anyhow::{Result, bail};

use crate::util::{cargo, root, run_command};

/// Where the API component with a challenger goes, for the tests of the traffic split.
pub const SPLIT_APP: &str = "edge-functions/build/split";

/// Crates the scorer must never depend on: it ships to browsers and edge functions.
const FORBIDDEN_IN_SCORER: [&str; 8] =
    ["candle-core", "polars", "wasmtime", "tokio", "hyper", "spin-sdk", "clap", "argmin"];

pub fn run() -> Result<()> {
    step("formatting");
    run_command(Command::new(cargo()).args(["fmt", "--all", "--", "--check"]))?;

    step("the scorer builds for wasm32-unknown-unknown");
    run_command(Command::new(cargo()).args([
        "check",
        "--quiet",
        "-p",
        "scorer-wasm",
        "--target",
        "wasm32-unknown-unknown",
    ]))?;
    step("the scorer depends on nothing heavy");
    check_scorer_dependencies()?;

    step("clippy (native crates, then the Spin components for wasm32-wasip2)");
    let deny = ["--", "-D", "warnings"];
    run_command(Command::new(cargo()).args(["clippy", "--quiet", "--all-targets"]).args(deny))?;
    run_command(
        Command::new(cargo())
            .args(["clippy", "--quiet", "-p", "churn-api", "-p", "churn-assets", "--target", "wasm32-wasip2"])
            .args(deny),
    )?;

    step("the API component with a challenger (Telco MLP beside the Telco logistic golden model)");
    let golden = root().join("tests/golden");
    crate::build_edge::api_with_challenger(
        &golden.join("telco-logistic.churn"),
        &golden.join("telco-mlp.churn"),
        &root().join(SPLIT_APP),
    )?;
    step("the browser module and the Spin components, with the Telco logistic golden model embedded");
    let built = crate::build_edge::run(Some(golden.join("telco-logistic.churn")), None)?;
    step("the browser module stays within its size budget");
    check_module_size(built.raw)?;

    step("tests");
    run_command(Command::new(cargo()).args(["test"]))?;

    step("the benchmark harness, smoke run (cargo xtask bench --quick --no-peers)");
    crate::bench::run(&crate::bench::Options {
        quick: true,
        scale_rows: vec![5_000],
        scale_memory: 256,
        peers: false,
        seconds: 1,
        connections: 4,
    })?;
    Ok(())
}

fn step(what: &str) {
    eprintln!("\n==> {what}");
}

/// The most the browser module may weigh, in bytes, with the Telco logistic model embedded: every
/// page load downloads it. Measured: 144,738 bytes (141.3 KiB), 63.9 KiB gzipped.
const MODULE_BUDGET: usize = 150_000;

fn check_module_size(size: usize) -> Result<()> {
    if size > MODULE_BUDGET {
        bail!(
            "{} is {size} bytes, over its budget of {MODULE_BUDGET}; `twiggy top` on the unoptimised {} \
             shows what grew",
            crate::build_wasm::MODULE,
            crate::util::wasm_target_dir()?.join("wasm32-unknown-unknown/wasm/scorer_wasm.wasm").display()
        );
    }
    eprintln!("{}: {size} bytes, budget {MODULE_BUDGET}", crate::build_wasm::MODULE);
    Ok(())
}

fn check_scorer_dependencies() -> Result<()> {
    for target in ["wasm32-unknown-unknown", "x86_64-unknown-linux-gnu"] {
        let out = Command::new(cargo())
            .args(["tree", "-p", "scorer-wasm", "-e", "normal", "--prefix", "none", "--target", target])
            .current_dir(root())
            .output()?;
        if !out.status.success() {
            bail!("cargo tree failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        let tree = String::from_utf8_lossy(&out.stdout);
        for line in tree.lines() {
            let name = line.split_whitespace().next().unwrap_or("");
            if FORBIDDEN_IN_SCORER.contains(&name) {
                bail!("the scorer crate depends on {name} (for {target}); it must stay free of heavy crates");
            }
        }
    }
    Ok(())
}
