//! A deployed model watched: drift of its inputs, its performance on new outcomes, two models
//! compared on the same outcomes, batch scoring.

pub mod compare;
pub mod drift;
pub mod evaluate;
pub mod predict;
