//! Embeds a trained model in the crate when `CHURN_EMBED_MODEL` names a model file (as
//! `cargo xtask build-wasm` does); otherwise the crate carries no model.

use std::path::PathBuf;

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
    std::fs::write(&out, bytes).expect("write the embedded model into OUT_DIR");
}
