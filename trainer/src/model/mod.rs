//! The models (candle), the objective full-batch fits minimise, and the model card.

pub mod card;
pub mod newton;
pub mod nn;
pub mod objective;
