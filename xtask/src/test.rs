//! `cargo xtask test`: every check and test, as CI runs them.
//!
//! 0. the system programs it cannot install (Node.js, Chromium, wrk), checked before any build,
//!    and the reference datasets located (missing: their tests are left out and counted; under
//!    `CI=true`, an error);
//! 1. formatting, and the committed OpenAPI document of the Telco golden model
//!    (`edge-functions/openapi.telco.json`) against what the routes generate now;
//! 2. architecture guards: the scorer crate builds for `wasm32-unknown-unknown` and none of the
//!    heavy crates appears among its dependencies;
//! 3. clippy, warnings denied, on the native crates and on the Spin components;
//! 4. the browser module and the Spin components, built as users build them, with a golden
//!    model embedded, and the API component with a golden challenger as well; the browser module
//!    must stay under its size budget (160,000 bytes with the Telco logistic model);
//! 5. the test suites of every crate, including the end-to-end tests that run that module under
//!    wasmtime, its JavaScript API in Node, and the components over HTTP in-process;
//! 6. a smoke run of `cargo xtask bench` (tiny sizes, no peers), so that the harness cannot rot;
//! 7. Schemathesis against the served app with the document it generates, for the demo model
//!    and for the Telco golden model (`cargo xtask schemathesis`);
//! 8. a smoke run of `cargo xtask fuzz` (20 s per target), so that the targets keep building
//!    and their seeds keep passing;
//! 9. `deploy/`: the Kubernetes manifests validated offline (`deploy/check.py`, with
//!    kubernetes-validate from PyPI in a virtual environment), and the trainer's container image
//!    built with podman and checked from its unpacked layers (`cargo xtask image`);
//! 10. the steps with their times, and what did not run for want of reference data.

use std::process::Command;

use anyhow::{Result, bail};

use crate::reference::{self, Reference};
use crate::tools::{self, System};
use crate::util::{Steps, cargo, root, run_command};

/// Where the API component with a challenger goes, for the tests of the traffic split.
pub const SPLIT_APP: &str = "edge-functions/build/split";

/// Crates the scorer must never depend on: it ships to browsers and edge functions.
const FORBIDDEN_IN_SCORER: [&str; 8] =
    ["candle-core", "polars", "wasmtime", "tokio", "hyper", "spin-sdk", "clap", "argmin"];

pub fn run() -> Result<()> {
    tools::require("test", &[System::Node, System::Chromium, System::Wrk, System::Python, System::Podman])?;
    let refs = Reference::locate();
    refs.required_in_ci()?;
    if !refs.complete() {
        eprintln!("note: the checks that need the reference datasets will not run ({})", refs.advice());
    }
    let mut steps = Steps::default();

    steps.next("formatting (cargo fmt --check)");
    tools::ensure_components()?;
    run_command(Command::new(cargo()).args(["fmt", "--all", "--", "--check"]))?;
    steps.next("the generated OpenAPI document of the Telco golden model is up to date");
    crate::openapi::run(None, None, true)?;

    steps.next("the scorer builds for wasm32-unknown-unknown and depends on nothing heavy");
    tools::ensure_targets()?;
    run_command(Command::new(cargo()).args([
        "check",
        "-p",
        "scorer-wasm",
        "--target",
        "wasm32-unknown-unknown",
    ]))?;
    check_scorer_dependencies()?;

    steps.next("clippy on the native crates (the first run compiles polars, candle and wasmtime: minutes)");
    let deny = ["--", "-D", "warnings"];
    run_command(Command::new(cargo()).args(["clippy", "--all-targets"]).args(deny))?;
    steps.next("clippy on the Spin components (wasm32-wasip2)");
    run_command(
        Command::new(cargo())
            .args(["clippy", "-p", "churn-api", "-p", "churn-assets", "--target", "wasm32-wasip2"])
            .args(deny),
    )?;

    let golden = root().join("tests/golden");
    let built = crate::build_edge::run_steps(&mut steps, Some(golden.join("telco-logistic.churn")), None)?;
    check_module_size(built.raw)?;
    steps.next("the API component with a challenger (Telco MLP beside the Telco logistic golden model)");
    crate::build_edge::api_with_challenger(
        &golden.join("telco-logistic.churn"),
        &golden.join("telco-mlp.churn"),
        &root().join(SPLIT_APP),
    )?;

    let mut not_run = Vec::new();
    if refs.complete() {
        steps.next("tests (cargo test), the reference-data checks included");
        run_command(Command::new(cargo()).args(["test"]))?;
    } else {
        steps.next(&format!(
            "tests (cargo test), without the reference-data checks ({})",
            reference::TEST_FILTER
        ));
        run_command(Command::new(cargo()).args(["test", "--", "--skip", reference::TEST_FILTER]))?;
        not_run.extend(reference_tests()?);
    }

    steps.next("the benchmark harness, smoke run (cargo xtask bench --quick --no-peers)");
    let skipped = crate::bench::run(&crate::bench::Options {
        quick: true,
        scale_rows: vec![5_000],
        scale_memory: 256,
        peers: false,
        seconds: 1,
        connections: 4,
    })?;
    not_run.extend(skipped.into_iter().map(|s| format!("bench smoke run: {s}")));

    // The demo model first, so the components are left built with the Telco golden model as the
    // tests built them.
    let demo = crate::schemathesis::demo_model(&mut steps)?;
    for model in [demo, golden.join("telco-logistic.churn")] {
        crate::schemathesis::run_steps(
            &mut steps,
            &crate::schemathesis::Options {
                model: Some(model),
                examples: crate::schemathesis::EXAMPLES,
                seed: crate::schemathesis::SEED,
                profile: crate::util::Profile::Dev,
            },
        )?;
    }

    steps.next("the fuzz targets, smoke run (cargo xtask fuzz --seconds 20)");
    crate::fuzz::run(20, None)?;

    steps.next("the Kubernetes manifests of deploy/, validated offline (deploy/check.py)");
    let python = tools::venv("deploy-venv", &root().join("deploy/requirements.txt"))?;
    run_command(Command::new(python).arg(root().join("deploy/check.py")))?;
    steps.next(
        "the trainer's container image (cargo xtask image: static churn, podman build, checked unpacked)",
    );
    crate::image::run()?;

    steps.summary("cargo xtask test, its steps:");
    if not_run.is_empty() {
        eprintln!("\nEvery check ran.");
    } else {
        eprintln!(
            "\n{} reference checks did not run, for want of the reference datasets ({}):",
            not_run.len(),
            refs.advice()
        );
        for name in &not_run {
            eprintln!("  - {name}");
        }
        eprintln!("Everything else passed. With the datasets in place, `cargo xtask test` runs these too.");
    }
    Ok(())
}

/// The tests that need the reference datasets, by name (`cargo test -- --list`).
fn reference_tests() -> Result<Vec<String>> {
    let out = Command::new(cargo())
        .args(["test", "--quiet", "--tests", "--", "--list", reference::TEST_FILTER])
        .current_dir(root())
        .output()?;
    if !out.status.success() {
        bail!("listing the reference-data tests failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(|name| format!("test {name}"))
        .collect();
    if names.is_empty() {
        bail!("found no tests under {}: the filter no longer matches them", reference::TEST_FILTER);
    }
    Ok(names)
}

/// The most the browser module may weigh, in bytes, with the Telco logistic model embedded: every
/// page load downloads it. Measured: 157,952 bytes (154.2 KiB), 68.9 KiB gzipped, of which
/// interaction terms (encoding, checks, split explanations) take about 8.5 KB and reading model
/// format 2 about 3.5 KB (145,939 bytes before both). The budget was 150,000 before them.
const MODULE_BUDGET: usize = 160_000;

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
