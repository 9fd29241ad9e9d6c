//! `cargo xtask up`: the main job on the built-in data, from nothing to a running app.
//!
//! 1. generates the default customer table (`churn synth`) and trains a model on it, in `demo/`,
//!    registering it in `models/` (the first model there becomes the champion);
//! 2. builds the browser module and the Spin components with that model embedded;
//! 3. serves the API and the dashboard locally (in-process wasmtime, routed as `spin.toml`), or
//!    stops after building with `--no-serve`.

use std::process::Command;

use anyhow::Result;

use crate::util::{churn_binary, root, run_command};

/// Rows of the default table, and its seed.
const ROWS: &str = "10000";
const SEED: &str = "42";

pub fn run(addr: &str, serve: bool) -> Result<()> {
    let churn = churn_binary()?;
    let demo = root().join("demo");
    std::fs::create_dir_all(&demo)?;
    let data = demo.join("customers.csv");
    run_command(
        Command::new(&churn)
            .args(["synth", "--rows", ROWS, "--seed", SEED, "--with-truth"])
            .arg("--out")
            .arg(&data),
    )?;
    run_command(
        Command::new(&churn)
            .args(["train", "--target", "churned", "--drop", "true_churn_probability", "--name", "demo"])
            .arg("--data")
            .arg(&data)
            .arg("--out")
            .arg(demo.join("model"))
            .arg("--register")
            .arg(root().join(crate::build_wasm::REGISTRY)),
    )?;
    let model = demo.join("model/model.churn");
    crate::build_edge::run(Some(model), None)?;
    if serve { crate::serve::run(addr, None, None, &[], false) } else { Ok(()) }
}
