//! The `churn` trainer: reads customer tables, infers column roles, cross-validates and trains
//! logistic regression or a small MLP with candle, and writes a model file the scorer crate loads.
//!
//! The modules sit in layers, each folder importing only from the folders before it in this list
//! (`xtask/src/tidy/layers.rs` checks it, and that no two modules import each other):
//!
//! 1. [`error`]: the one error type, [`code`]: enums with stable text forms, and [`parallel`]:
//!    independent jobs on every core;
//! 2. [`stats`]: metrics and curves, stratified folds, Platt calibration, campaign economics;
//! 3. [`input`]: reading CSV, NDJSON and Parquet into a [`input::data::Table`] of raw cells, and
//!    the synthetic customer generator;
//! 4. [`prepare`]: each column's role and the target ([`prepare::infer`]), the data checks
//!    ([`prepare::validate`]), and fitting the scorer's feature pipeline ([`prepare::fit`]);
//! 5. [`model`]: the candle models and their fitting loops ([`model::nn`]), and the model card;
//! 6. [`training`]: cross-validation, the final fit and the parity check ([`training::train`]),
//!    and training on Parquet larger than memory ([`training::stream`]);
//! 7. [`monitor`]: drift, evaluation on new outcomes, batch scoring;
//! 8. [`ops`]: the model registry;
//! 9. [`report`]: the HTML report, its charts, and the human summaries of every command;
//! 10. [`cli`]: the clap arguments ([`cli::args`], the only module that knows clap) and the
//!     commands that run them ([`cli::commands`]).

pub mod cli;
pub mod code;
pub mod error;
pub mod input;
pub mod model;
pub mod monitor;
pub mod ops;
pub mod parallel;
pub mod prepare;
pub mod report;
pub mod stats;
pub mod training;

pub use cli::commands::run;

/// Training allocates and frees tensor buffers of megabytes thousands of times; glibc's malloc
/// returns each to the kernel and faults it back in (measured: half the run time in the kernel).
/// Declared in the library so that the `churn` binary, the tests and the benches all use it.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
