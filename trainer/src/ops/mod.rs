//! Models kept and promoted.

pub mod registry;
