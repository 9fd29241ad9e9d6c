//! The model file: one self-checking binary.
//!
//! ```text
//! offset  size  content
//!      0     8  magic: 0x89 "CHURN" "\r\n"   (like PNG: catches text-mode mangling)
//!      8     4  format version, u32 little-endian
//!     12     8  payload length in bytes, u64 little-endian
//!     20    32  SHA-256 of the payload
//!     52     …  payload: the ModelSpec, bincode (standard configuration)
//! ```
//!
//! Loading checks, in order: signature, version, length, checksum, decoding (with an allocation
//! limit, so a crafted length prefix cannot exhaust memory), then every shape and number of the
//! model. A truncated, corrupted or newer file is an [`ArtifactError`], never a panic or a score.

use sha2::{Digest, Sha256};

use crate::error::ArtifactError;
use crate::model::{Model, ModelSpec, Stored};
use crate::pipeline::{Pipeline, PipelineV2};

/// The first eight bytes of every model file.
pub const MAGIC: [u8; 8] = [0x89, b'C', b'H', b'U', b'R', b'N', b'\r', b'\n'];
/// The newest format version this crate reads and writes. Version 2 added the drift reference
/// distributions; version 3 the pipeline's interaction terms; version 4 an event model's feature
/// definitions. A model is written in the oldest version that holds it
/// ([`ModelSpec::format_version`]): a table model is still a version 3 file.
pub const FORMAT_VERSION: u32 = 4;
/// The oldest version this crate reads. A version 2 file is a version 3 model without
/// interaction terms and loads as one, keeping its checksum and id: models already deployed keep
/// scoring, identically, when the scorer is rebuilt. (Re-serialised, it is written as version 3,
/// with a new checksum.)
pub const OLDEST_VERSION: u32 = 2;
/// Size of the fixed header.
pub const HEADER_LEN: usize = 52;
/// Largest payload accepted, and the decoder's allocation limit.
const MAX_PAYLOAD: usize = 64 << 20;

fn bincode_config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<MAX_PAYLOAD>()
}

/// Lower-case hex, without a `format!` per byte: an edge function loads its model, and so
/// formats the checksum, on every request.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = Vec::with_capacity(2 * bytes.len());
    for b in bytes {
        out.extend_from_slice(&[DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]]);
    }
    // Only ASCII digits and letters went in.
    String::from_utf8(out).unwrap_or_default()
}

impl Model {
    /// Validates a freshly trained spec and computes its checksum.
    pub fn new(spec: ModelSpec) -> Result<Model, ArtifactError> {
        let payload = encode_payload(&spec)?;
        let checksum = hex(&Sha256::digest(&payload));
        let version = spec.format_version();
        Model::from_spec(spec, checksum, version)
    }

    /// Loads a model file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ArtifactError> {
        Model::load(bytes, None)
    }

    /// Loads a model file whose payload's SHA-256 is already known (computed by a build script
    /// when the bytes were embedded): the header must record that digest, and the payload is
    /// not hashed again. Only for bytes that cannot change between hashing and loading.
    pub fn from_bytes_with_digest(bytes: &[u8], digest: &[u8; 32]) -> Result<Model, ArtifactError> {
        Model::load(bytes, Some(digest))
    }

    fn load(bytes: &[u8], known_digest: Option<&[u8; 32]>) -> Result<Model, ArtifactError> {
        let prefix = &bytes[..bytes.len().min(MAGIC.len())];
        if prefix != &MAGIC[..prefix.len()] {
            return Err(ArtifactError::NotAModel);
        }
        if bytes.len() < HEADER_LEN {
            return Err(ArtifactError::TooShort { len: bytes.len(), header: HEADER_LEN });
        }
        let (header, payload) = bytes.split_at(HEADER_LEN);
        let version = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
        if version > FORMAT_VERSION {
            return Err(ArtifactError::NewerVersion { found: version, supported: FORMAT_VERSION });
        }
        if version == 0 {
            return Err(ArtifactError::NotAModel);
        }
        if version < OLDEST_VERSION {
            return Err(ArtifactError::OlderVersion { found: version, supported: OLDEST_VERSION });
        }
        let mut len = [0u8; 8];
        len.copy_from_slice(&header[12..20]);
        let expected = u64::from_le_bytes(len);
        let found = payload.len() as u64;
        if found < expected {
            return Err(ArtifactError::Truncated { expected, found });
        }
        if found > expected {
            return Err(ArtifactError::TrailingBytes { extra: found - expected });
        }
        let digest: [u8; 32] = match known_digest {
            Some(d) => *d,
            None => Sha256::digest(payload).into(),
        };
        if digest.as_slice() != &header[20..52] {
            return Err(ArtifactError::Checksum { expected: hex(&header[20..52]), found: hex(&digest) });
        }
        if payload.len() > MAX_PAYLOAD {
            return Err(ArtifactError::Decode(format!(
                "payload of {} bytes exceeds the {MAX_PAYLOAD}-byte limit",
                payload.len()
            )));
        }
        let (spec, read): (ModelSpec, usize) = if version == 2 {
            let (v2, read): (Stored<PipelineV2>, usize) =
                bincode::decode_from_slice(payload, bincode_config()).map_err(|e| describe(&e))?;
            (v2.into(), read)
        } else {
            // Version 4 is version 3's fields followed by the event spec: one decoder for both.
            let (v3, mut read): (Stored<Pipeline>, usize) =
                bincode::decode_from_slice(payload, bincode_config()).map_err(|e| describe(&e))?;
            let mut spec = ModelSpec::from(v3);
            if version == 4 {
                let (events, more) = bincode::decode_from_slice(&payload[read..], bincode_config())
                    .map_err(|e| describe(&e))?;
                spec.events = Some(events);
                read += more;
            }
            (spec, read)
        };
        if read != payload.len() {
            return Err(ArtifactError::Decode(format!(
                "{} bytes left over after the model",
                payload.len() - read
            )));
        }
        Model::from_spec(spec, hex(&digest), version)
    }

    /// The model file's bytes. Deterministic: the same spec always gives the same bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        // The spec was encoded once already in `Model::new`/`from_bytes`; encoding an in-memory
        // value of a type that serde can describe cannot fail except on the size limit, which
        // `Model::new` has checked.
        let payload = encode_payload(self.spec()).unwrap_or_default();
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&self.spec().format_version().to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&Sha256::digest(&payload));
        out.extend_from_slice(&payload);
        out
    }
}

fn encode_payload(spec: &ModelSpec) -> Result<Vec<u8>, ArtifactError> {
    let mut encoded = bincode::encode_to_vec(spec.stored_fields(), bincode_config());
    if let (Ok(bytes), Some(events)) = (&mut encoded, &spec.events) {
        match bincode::encode_to_vec(events, bincode_config()) {
            Ok(more) => bytes.extend_from_slice(&more),
            Err(e) => encoded = Err(e),
        }
    }
    encoded.map_err(|_| ArtifactError::Decode(format!("the model does not fit in {MAX_PAYLOAD} bytes")))
}

/// Says what is wrong with a payload. (bincode's own `Display` is its `Debug`, which would pull
/// the formatting machinery for every field type into the browser module.)
fn describe(e: &bincode::error::DecodeError) -> ArtifactError {
    use bincode::error::DecodeError as E;
    let message = match e {
        E::UnexpectedEnd { .. } => "the payload ends in the middle of the model".to_string(),
        // A length too large for this machine's `usize` (a 32-bit browser) is past the limit
        // too: both say the same, so every runtime refuses a file in the same words.
        E::LimitExceeded | E::OutsideUsizeRange(_) => {
            format!("a length in the payload exceeds the {MAX_PAYLOAD}-byte limit")
        }
        E::UnexpectedVariant { type_name, found, .. } => format!("{found} is not a valid {type_name} tag"),
        E::Utf8 { .. } => "a text in the payload is not UTF-8".to_string(),
        E::InvalidBooleanValue(b) => format!("{b} is not a boolean"),
        E::OtherString(s) => return ArtifactError::Invalid(s.clone()),
        _ => "the payload is not a valid encoding of a model".to_string(),
    };
    ArtifactError::Decode(message)
}
