//! Customer tables in: CSV, NDJSON and Parquet read into typed columns of raw cells; event logs
//! and the snapshot rows built from them; and the synthetic generators of both.

pub mod column;
pub mod data;
pub mod events;
pub mod snapshots;
pub mod synth;
pub mod synth_events;
