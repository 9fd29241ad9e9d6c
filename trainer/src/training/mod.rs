//! Cross-validated training in memory, and streamed training on Parquet.

pub mod recipe;
pub mod search;
pub mod stream;
pub mod train;
