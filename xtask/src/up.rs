//! `cargo xtask up`: the main job on the built-in data, from nothing to a trained model.
//!
//! Generates the default customer table (`churn synth`), trains a model on it and prints the
//! model card summary. Everything lands in `demo/` at the workspace root.

use std::process::Command;

use anyhow::Result;

use crate::util::{churn_binary, root, run_command};

/// Rows of the default table, and its seed.
const ROWS: &str = "10000";
const SEED: &str = "42";

pub fn run() -> Result<()> {
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
            .arg(demo.join("model")),
    )?;
    Ok(())
}
