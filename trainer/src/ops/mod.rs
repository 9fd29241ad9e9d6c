//! Models kept, promoted, and retrained unattended.

pub mod registry;
pub mod retrain;
