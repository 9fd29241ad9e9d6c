//! A deployed model watched: drift of its inputs, its performance on new outcomes, batch scoring.

pub mod drift;
pub mod evaluate;
pub mod predict;
