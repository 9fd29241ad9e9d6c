//! Checks on the reference datasets (`../shared/data`, or `$CHURN_REFERENCE_DATA`), which the
//! repository never holds. `cargo xtask test` runs them when the files are there, counts and names
//! them as not run when they are not, and fails under `CI=true` without them. Every other test
//! makes its own data.

mod accuracy; // CV accuracy against the bars of the Python stack, and the columns inferred
mod pipeline; // validate's findings on both exports; drift, evaluate and report on a Telco model
