//! `cargo xtask up`: the main job on the built-in data, from nothing to a running app.
//!
//! 1. checks for the system programs it cannot install (Node.js and npm), before any long build;
//! 2. builds the trainer, generates the default customer table (`churn synth`) and trains a
//!    model on it, in `demo/`, registering it in `models/` (the first model there becomes the
//!    champion);
//! 3. installs what the wasm builds need (rustup targets, wasm-bindgen-cli, npm packages) and
//!    builds the browser module and the Spin components with that model embedded;
//! 4. builds the in-process host (the dev build the tests share), prints every step with its
//!    time, and serves the API and the dashboard (routed as `spin.toml`), or stops after building
//!    with `--no-serve`.

use std::process::Command;

use anyhow::Result;

use crate::tools::{self, System};
use crate::util::{Steps, churn_binary, root, run_command};

/// Rows of the default table, and its seed.
/// The demo's customers: how many, and the seed of `churn synth`.
pub const DEMO: (&str, &str) = ("10000", "42");
/// How the demo model is trained, after `--data` and `--out`.
pub const DEMO_TRAIN: [&str; 7] =
    ["train", "--target", "churned", "--drop", "true_churn_probability", "--name", "demo"];
const ROWS: &str = DEMO.0;
const SEED: &str = DEMO.1;

pub fn run(addr: &str, serve: bool) -> Result<()> {
    tools::require("up", &[System::Node])?;
    let mut steps = Steps::default();
    steps.next("the trainer (churn, dev profile shared with the tests; polars and candle take minutes the first time)");
    let churn = churn_binary()?;
    let demo = root().join("demo");
    std::fs::create_dir_all(&demo)?;
    let data = demo.join("customers.csv");
    steps.next(&format!("the demo data: {ROWS} synthetic customers in demo/customers.csv (churn synth)"));
    run_command(
        Command::new(&churn)
            .args(["synth", "--rows", ROWS, "--seed", SEED, "--with-truth"])
            .arg("--out")
            .arg(&data),
    )?;
    steps
        .next("the demo model: churn train, 5-fold cross-validation, into demo/model, registered in models/");
    run_command(
        Command::new(&churn)
            .args(DEMO_TRAIN)
            .arg("--data")
            .arg(&data)
            .arg("--out")
            .arg(demo.join("model"))
            .arg("--register")
            .arg(root().join(crate::build_wasm::REGISTRY)),
    )?;
    let model = demo.join("model/model.churn");
    crate::build_edge::run_steps(&mut steps, Some(model), None)?;
    if !serve {
        steps.summary("cargo xtask up --no-serve, its steps:");
        return Ok(());
    }
    let host = crate::serve::build_host(&mut steps, crate::util::Profile::Dev)?;
    steps.summary("cargo xtask up, its steps:");
    crate::serve::exec(host, addr, &[])
}
