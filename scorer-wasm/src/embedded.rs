//! The model embedded at build time (see `build.rs`), if any.

use crate::error::ArtifactError;
use crate::model::Model;

/// The bytes of the embedded model file; empty when the crate was built without one.
pub static BYTES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/embedded.churn"));

impl Model {
    /// The model embedded at build time: `None` when there is none.
    pub fn embedded() -> Option<Result<Model, ArtifactError>> {
        (!BYTES.is_empty()).then(|| Model::from_bytes(BYTES))
    }
}
