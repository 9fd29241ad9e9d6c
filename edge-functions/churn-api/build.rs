//! Embeds the challenger model when `CHURN_EMBED_CHALLENGER` names a model file (as
//! `cargo xtask build-edge --challenger FILE` does); otherwise the component has no challenger.
//! The champion is embedded by the scorer crate itself (`CHURN_EMBED_MODEL`).
//!
//! Like the scorer's build script, this writes the SHA-256 of the payload so that loading the
//! model on every request does not hash it again.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

fn main() {
    println!("cargo:rerun-if-env-changed=CHURN_EMBED_CHALLENGER");
    let out =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("challenger.churn");
    let bytes = match std::env::var_os("CHURN_EMBED_CHALLENGER") {
        Some(path) if !path.is_empty() => {
            println!("cargo:rerun-if-changed={}", PathBuf::from(&path).display());
            std::fs::read(&path)
                .unwrap_or_else(|e| panic!("CHURN_EMBED_CHALLENGER={}: {e}", PathBuf::from(&path).display()))
        }
        _ => Vec::new(),
    };
    // The payload is everything after the 52-byte header (see scorer-wasm/src/artifact.rs).
    let digest: Vec<u8> = match bytes.get(52..) {
        Some(payload) if !payload.is_empty() => Sha256::digest(payload).to_vec(),
        _ => vec![0; 32],
    };
    std::fs::write(out.with_file_name("challenger.sha256"), digest).expect("write the challenger's checksum");
    std::fs::write(&out, bytes).expect("write the challenger model into OUT_DIR");
}
