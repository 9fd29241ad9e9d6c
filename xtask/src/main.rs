//! Build automation for the churn workspace: `cargo xtask <task>`.
//!
//! One module per task, each with a `run` function. Tasks shell out to `cargo` and the built
//! tools rather than linking them, so this crate stays light.

mod build_wasm;
mod golden;
mod test;
mod tools;
mod up;
mod util;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Build automation for the churn workspace")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// The main job on the built-in data: generate customers, train, print the model card.
    Up,
    /// Every check and test, as CI runs them.
    Test,
    /// Retrain the committed test models and rewrite tests/golden/golden.json.
    Golden,
    /// Build the browser module (dashboard/pkg) with a model embedded.
    BuildWasm {
        /// Model file to embed. Default: demo/model/model.churn, trained by `cargo xtask up`.
        #[arg(long, value_name = "FILE")]
        model: Option<std::path::PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Up => up::run(),
        Task::Test => test::run(),
        Task::Golden => golden::run(),
        Task::BuildWasm { model } => build_wasm::run(model).map(|_| ()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
