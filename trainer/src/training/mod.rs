//! Cross-validated training in memory, streamed training on Parquet, and training from event logs.

pub mod events;
pub mod recipe;
pub mod search;
pub mod stream;
pub mod train;
