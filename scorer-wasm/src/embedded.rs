//! The model embedded at build time (see `build.rs`), if any.

use crate::error::ArtifactError;
use crate::model::Model;

/// The bytes of the embedded model file; empty when the crate was built without one.
pub static BYTES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/embedded.churn"));

/// SHA-256 of the embedded payload, computed by the build script.
static PAYLOAD_SHA256: &[u8; 32] = include_bytes!(concat!(env!("OUT_DIR"), "/embedded.sha256"));

impl Model {
    /// The model embedded at build time: `None` when there is none.
    ///
    /// The payload was hashed at build time, so this checks that the header records that same
    /// checksum instead of hashing again (an edge function loads its model on every request),
    /// then decodes and validates as [`Model::from_bytes`] does.
    pub fn embedded() -> Option<Result<Model, ArtifactError>> {
        (!BYTES.is_empty()).then(|| Model::from_bytes_with_digest(BYTES, PAYLOAD_SHA256))
    }
}
