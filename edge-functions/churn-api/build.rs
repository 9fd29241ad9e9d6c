//! Converts the human-written contract, `edge-functions/openapi.yaml`, to JSON for the
//! generated document (`GET /v1/openapi.json`, see `src/routes/openapi.rs`), so the component
//! carries no YAML parser and the two documents share one text.
//!
//! Embeds the challenger model when `CHURN_EMBED_CHALLENGER` names a model file (as
//! `cargo xtask build-edge --challenger FILE` does); otherwise the component has no challenger.
//! The champion is embedded by the scorer crate itself (`CHURN_EMBED_MODEL`).
//!
//! Like the scorer's build script, this writes the SHA-256 of the payload so that loading the
//! model on every request does not hash it again.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

fn main() {
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    contract(&out_dir);
    challenger(&out_dir.join("challenger.churn"));
}

fn contract(out_dir: &std::path::Path) {
    let path = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("../openapi.yaml");
    println!("cargo:rerun-if-changed={}", path.display());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let contract: serde_json::Value =
        serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", path.display()));
    let json = serde_json::to_string(&contract).expect("a YAML document converts to JSON");
    std::fs::write(out_dir.join("contract.json"), json).expect("write the contract into OUT_DIR");
}

fn challenger(out: &std::path::Path) {
    println!("cargo:rerun-if-env-changed=CHURN_EMBED_CHALLENGER");
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
    std::fs::write(out, bytes).expect("write the challenger model into OUT_DIR");
}
