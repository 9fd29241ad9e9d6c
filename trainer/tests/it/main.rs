//! Integration tests of the `churn` command line: the real binary, real files, exact messages.

mod bad_input; // every bad input: the exact message, exit code 2, no panic
mod browser; // opening a written HTML page in Chromium: clean console, no requests, a screenshot
mod determinism; // same data, flags and seed: byte-identical model file
mod docs; // every churn command in README.md and docs/ parses with today's flags
mod events; // event logs: snapshots without the future, customers in one fold, features as the scorer computes them
mod formats; // CSV, Parquet and NDJSON exports of one table give the same model
mod pipeline; // validate, calibration and profit threshold, drift, evaluate, registry, report
mod predict; // batch scoring, including rows that cannot be scored
mod reference_data; // needs ../shared/data: accuracy, and validate, drift, evaluate, report on real exports
mod retrain; // retrain and compare on synthetic drift: keep, promote, repeat, refuse
mod search; // --model auto and --tune: nested CV, honest on shuffled labels, interaction terms
mod stream; // --stream: Parquet read in chunks, holdout evaluation, parity, determinism, errors
mod support; // running `churn`, temporary files, the reference data

pub use support::*;
