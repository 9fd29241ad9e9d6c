//! From a table to what a model learns from: column roles, data checks, the fitted feature pipeline.

pub mod distribution;
pub mod fit;
pub mod infer;
pub mod validate;
