//! Embeds a trained model in the crate when `CHURN_EMBED_MODEL` names a model file (as
//! `cargo xtask build-wasm` does); otherwise the crate carries no model.
//!
//! Also writes the SHA-256 of the embedded file's payload, computed here once, so that loading
//! the embedded model at run time (on every request of an edge function) does not hash it again.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

fn main() {
    println!("cargo:rerun-if-env-changed=CHURN_EMBED_MODEL");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded.churn");
    let bytes = match std::env::var_os("CHURN_EMBED_MODEL") {
        Some(path) if !path.is_empty() => {
            println!("cargo:rerun-if-changed={}", PathBuf::from(&path).display());
            std::fs::read(&path)
                .unwrap_or_else(|e| panic!("CHURN_EMBED_MODEL={}: {e}", PathBuf::from(&path).display()))
        }
        _ => Vec::new(),
    };
    // The payload is everything after the 52-byte header (see src/artifact.rs).
    let digest: Vec<u8> = match bytes.get(52..) {
        Some(payload) if !payload.is_empty() => Sha256::digest(payload).to_vec(),
        _ => vec![0; 32],
    };
    std::fs::write(out.with_file_name("embedded.sha256"), digest)
        .expect("write the embedded model's checksum");
    std::fs::write(&out, bytes).expect("write the embedded model into OUT_DIR");
}
