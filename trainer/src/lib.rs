//! The `churn` trainer: reads customer tables, infers column roles, cross-validates and trains
//! logistic regression or a small MLP with candle, and writes a model file the scorer crate loads.
//!
//! - [`data`] reads CSV, NDJSON and Parquet into a [`data::Table`] of raw cells;
//! - [`infer`] decides each column's role and the target's positive value;
//! - [`fit`] fits the scorer's feature pipeline on training rows and encodes rows through it;
//! - [`nn`] holds the candle models and the L-BFGS fitting loop;
//! - [`train`] runs cross-validation, the final fit and the parity check;
//! - [`predict`] and [`synth`] are the batch-scoring and data-generating commands;
//! - [`cli`] is the only module that knows clap.

pub mod card;
pub mod cli;
pub mod data;
pub mod error;
pub mod fit;
pub mod folds;
pub mod infer;
pub mod metrics;
pub mod nn;
pub mod output;
pub mod predict;
pub mod synth;
pub mod train;

/// Training allocates and frees tensor buffers of megabytes thousands of times; glibc's malloc
/// returns each to the kernel and faults it back in (measured: half the run time in the kernel).
/// Declared in the library so that the `churn` binary, the tests and the benches all use it.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::Path;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{Cli, Command};
use crate::error::{Error, Result};

/// Runs a parsed command line; `Ok` carries the exit code (0, or 1 for a finding).
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Train(args) => {
            let json = args.json;
            let (data, format, out) = (args.data.clone(), args.format, args.out.clone());
            let opts = args.into_options()?;
            let table = data::read_table(&data, format)?;
            let progress = progress_bar(json);
            let trained = train::train(&table, &opts, &progress)?;
            progress.finish_and_clear();
            std::fs::create_dir_all(&out).map_err(|e| Error::io(&out, e))?;
            let model_path = out.join("model.churn");
            let card_path = out.join("model-card.json");
            let bytes = trained.model.to_bytes();
            write_file(&model_path, &bytes)?;
            let card = output::card_json(&trained, "model.churn", bytes.len());
            let card_text =
                serde_json::to_string_pretty(&card).map_err(|e| Error::Training(e.to_string()))?;
            write_file(&card_path, format!("{card_text}\n").as_bytes())?;
            if json {
                println!("{card_text}");
            } else {
                print!(
                    "{}",
                    output::train_summary(
                        &table,
                        &trained,
                        &model_path.display().to_string(),
                        &card_path.display().to_string(),
                        bytes.len()
                    )
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Predict(args) => {
            let summary = predict::predict(&args.model, &args.data, args.format, &args.out)?;
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&summary).map_err(|e| Error::Training(e.to_string()))?
                );
            } else {
                print!("{}", output::predict_summary(&summary, &args.out.display().to_string()));
            }
            Ok(if summary.failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        Command::Synth(args) => {
            synth::write(&args.out, args.format, args.rows, args.seed, args.with_truth)?;
            eprintln!("Wrote {} synthetic customers to {}", args.rows, args.out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}

/// A progress bar on stderr; hidden for `--json` and when stderr is not a terminal.
fn progress_bar(hidden: bool) -> ProgressBar {
    if hidden {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(1);
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} {elapsed}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
