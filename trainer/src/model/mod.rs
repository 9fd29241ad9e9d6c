//! The models (candle) and their card.

pub mod card;
pub mod nn;
