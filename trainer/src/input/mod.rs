//! Customer tables in: CSV, NDJSON and Parquet read into raw cells, and the synthetic generator.

pub mod data;
pub mod synth;
