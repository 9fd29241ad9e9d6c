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

/// mimalloc's `mi_option_purge_delay` (its `mimalloc.h`, version 3, which `libmimalloc-sys`
/// builds by default): the milliseconds freed memory waits before it goes back to the system, a
/// second by default. Not among the crate's named options; a test checks that this index reads
/// that documented default.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// From here on, memory freed goes back to the system at once rather than after mimalloc's delay
/// of a second. A fit of a million rows frees a design of hundreds of megabytes and allocates the
/// next, larger one (the design with interaction terms) well within that second, so both stay
/// resident: on 10⁶ rows the peak was 1.33 GB, against 0.96 GB with immediate purging,
/// for 4 % more time in page faults. Small fits keep the delay, where it saves time.
pub fn return_memory_at_once() {
    // SAFETY: `mi_option_set` takes no pointer and may be called at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_purge_delay_option_is_the_one_named() {
        // SAFETY: reads an option.
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) }, 1000);
    }
}
