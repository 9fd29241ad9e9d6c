//! `cargo xtask test`: every check and test, as CI runs them.
//!
//! 0. the system programs it cannot install (Node.js, Chromium, wrk, Python, podman), checked
//!    before any build, and the reference datasets located (missing: their tests are left out and
//!    counted; under `CI=true`, an error); from here on every build lints the workspace's crates
//!    with clippy as it compiles them, warnings denied (`util::lint_while_building`);
//! 1. formatting, the committed OpenAPI document of the Telco golden model
//!    (`edge-functions/openapi.telco.json`) against what the routes generate now, and
//!    `workspace-hack/` against what cargo-hakari generates now;
//! 2. the scorer depends on none of the heavy crates, for the browser or natively;
//! 3. the browser module and the Spin components, built as users build them, with a golden
//!    model embedded, and the API component with a golden challenger as well; the browser module
//!    must stay under its size budget (160,000 bytes with the Telco logistic model);
//! 4. every target of the native crates built (tests, benchmarks, binaries), then the test suites
//!    of every crate, including the end-to-end tests that run that module under wasmtime, its
//!    JavaScript API in Node, and the components over HTTP in-process;
//! 5. a smoke run of `cargo xtask bench` (tiny sizes, no peers), so that the harness cannot rot;
//!    Schemathesis against the served app with the document it generates, for the demo model and
//!    for the Telco golden model (`cargo xtask schemathesis`); a smoke run of `cargo xtask fuzz`
//!    (20 s per target), so that the targets keep building and their seeds keep passing;
//! 6. `deploy/`: the Kubernetes manifests validated offline (`deploy/check.py`, with
//!    kubernetes-validate from PyPI in a virtual environment), and the trainer's container image
//!    built with podman from the dev build of `churn` and checked from its unpacked layers
//!    (`cargo xtask image --dev`);
//! 7. the steps with their times, and what did not run for want of reference data.
//!
//! Every heavy crate (polars, candle, wasmtime) is compiled once, in the dev profile: the tests,
//! the tools, the smoke runs and the image share that build.

use std::path::Path;
use std::process::Command;

use anyhow::{Result, bail};

use crate::reference::{self, Reference};
use crate::tools::{self, System};
use crate::util::{Profile, Steps, cargo, root, run_command};

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
    crate::util::lint_while_building()?;
    let mut steps = Steps::default();
    static_checks(&mut steps)?;
    let golden = root().join("tests/golden");
    artifacts(&mut steps, &golden)?;
    let mut not_run = suites(&mut steps, &refs)?;
    not_run.extend(smoke_runs(&mut steps, &golden)?);
    deployment(&mut steps)?;
    steps.summary("cargo xtask test, its steps:");
    if not_run.is_empty() {
        eprintln!("\nEvery check ran.");
        return Ok(());
    }
    eprintln!(
        "\n{} reference checks did not run, for want of the reference datasets ({}):",
        not_run.len(),
        refs.advice()
    );
    for name in &not_run {
        eprintln!("  - {name}");
    }
    eprintln!("Everything else passed. With the datasets in place, `cargo xtask test` runs these too.");
    Ok(())
}

/// Formatting, the generated files that are committed, and the scorer's dependencies: what needs
/// no build.
fn static_checks(steps: &mut Steps) -> Result<()> {
    steps.next("formatting (cargo fmt --check)");
    run_command(Command::new(cargo()).args(["fmt", "--all", "--", "--check"]))?;
    steps.next("the generated OpenAPI document of the Telco golden model is up to date");
    crate::openapi::run(None, None, true)?;
    steps.next("workspace-hack/ unifies every feature (cargo hakari verify, generate --diff, manage-deps)");
    tools::ensure_cargo_tool("hakari", tools::CARGO_HAKARI, "2 min")?;
    for args in [&["verify"][..], &["generate", "--diff"], &["manage-deps", "--dry-run"]] {
        run_command(Command::new(cargo()).arg("hakari").args(args)).map_err(|e| {
            anyhow::anyhow!("{e:#}: workspace-hack/ is out of date; run `cargo hakari generate` and `cargo hakari manage-deps`")
        })?;
    }
    steps.next("the scorer depends on nothing heavy, in the browser and natively");
    check_scorer_dependencies()
}

/// The browser module and the components, with golden models inside, as the tests use them.
fn artifacts(steps: &mut Steps, golden: &Path) -> Result<()> {
    let built = crate::build_edge::run_steps(steps, Some(golden.join("telco-logistic.churn")), None)?;
    check_module_size(built.raw)?;
    steps.next("the API component with a challenger (Telco MLP beside the Telco logistic golden model)");
    crate::build_edge::api_with_challenger(
        &golden.join("telco-logistic.churn"),
        &golden.join("telco-mlp.churn"),
        &root().join(SPLIT_APP),
    )
}

/// Every native target built and linted, then every test suite; returns the tests left out for
/// want of the reference data.
fn suites(steps: &mut Steps, refs: &Reference) -> Result<Vec<String>> {
    steps.next("every target of the native crates, linted by clippy as it compiles (the first run compiles polars, candle and wasmtime: minutes)");
    run_command(Command::new(cargo()).args(["test", "--all-targets", "--no-run"]))?;
    if refs.complete() {
        steps.next("tests (cargo test), the reference-data checks included");
        run_command(Command::new(cargo()).args(["test"]))?;
        return Ok(Vec::new());
    }
    steps
        .next(&format!("tests (cargo test), without the reference-data checks ({})", reference::TEST_FILTER));
    run_command(Command::new(cargo()).args(["test", "--", "--skip", reference::TEST_FILTER]))?;
    reference_tests()
}

/// The smoke runs of the benchmark and the fuzzers, and Schemathesis; returns what the
/// benchmark left out.
fn smoke_runs(steps: &mut Steps, golden: &Path) -> Result<Vec<String>> {
    steps.next("the benchmark harness, smoke run (cargo xtask bench --quick --no-peers)");
    let skipped = crate::bench::run(&crate::bench::Options::smoke())?;
    // The demo model first, so the components are left built with the Telco golden model as the
    // tests built them.
    let demo = crate::schemathesis::demo_model(steps)?;
    for model in [demo, golden.join("telco-logistic.churn")] {
        let options = crate::schemathesis::Options {
            model: Some(model),
            examples: crate::schemathesis::EXAMPLES,
            seed: crate::schemathesis::SEED,
            profile: Profile::Dev,
        };
        crate::schemathesis::run_steps(steps, &options)?;
    }
    steps.next("the fuzz targets, smoke run (cargo xtask fuzz --seconds 20)");
    crate::fuzz::run(20, None)?;
    Ok(skipped.into_iter().map(|s| format!("bench smoke run: {s}")).collect())
}

/// `deploy/`: the manifests, and the trainer's image from the dev build.
fn deployment(steps: &mut Steps) -> Result<()> {
    steps.next("the Kubernetes manifests of deploy/, validated offline (deploy/check.py)");
    let python = tools::venv("deploy-venv", &root().join("deploy/requirements.txt"))?;
    run_command(Command::new(python).arg(root().join("deploy/check.py")))?;
    steps.next(
        "the trainer's container image from the dev build of churn (cargo xtask image --dev: podman build, \
         checked in its unpacked root filesystem)",
    );
    crate::image::run(Profile::Dev).map(|_| ())
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
/// page load downloads it. Measured: 164,226 bytes (160.4 KiB), 71.4 KiB gzipped, of which
/// reading an event model's feature definitions (model format 4: decoding, bounds, a pipeline
/// column for every feature name) takes 6.3 KB, interaction terms (encoding, checks, split
/// explanations) about 8.5 KB and reading model format 2 about 3.5 KB (145,939 bytes before the
/// last two). The budget was 150,000 before interaction terms, 160,000 before event models.
const MODULE_BUDGET: usize = 168_000;

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
