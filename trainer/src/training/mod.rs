//! Cross-validated training in memory, and streamed training on Parquet.

pub mod stream;
pub mod train;
