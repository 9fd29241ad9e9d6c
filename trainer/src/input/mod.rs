//! Customer tables in: CSV, NDJSON and Parquet read into typed columns of raw cells, and the
//! synthetic generator.

pub mod column;
pub mod data;
pub mod synth;
