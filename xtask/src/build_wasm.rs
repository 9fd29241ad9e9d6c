//! `cargo xtask build-wasm [--model FILE]`: the browser module with a model embedded.
//!
//! 1. builds `scorer-wasm` for `wasm32-unknown-unknown` in the size-optimised `wasm` profile, with
//!    `CHURN_EMBED_MODEL` naming the model file (default: see [`default_model`]);
//! 2. runs `wasm-bindgen --target web` into `dashboard/pkg/`, where the dashboard and the edge app
//!    pick it up;
//! 3. shrinks the module with `wasm-opt -Oz` (npm's binaryen, installed on demand);
//! 4. records the embedded model in `dashboard/pkg/model.json` and prints the module's size.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};
use scorer_wasm::{Alias, Model};

use crate::tools;
use crate::util::{cargo, root, run_command, wasm_target_dir};

/// The module the browser loads, and CI runs under wasmtime.
pub const MODULE: &str = "dashboard/pkg/scorer_wasm_bg.wasm";

/// Where `cargo xtask up` leaves its model.
pub const DEMO_MODEL: &str = "demo/model/model.churn";

/// The model registry builds embed from by default (`churn registry --dir models`).
pub const REGISTRY: &str = "models";

/// The registry's model under an alias, if the registry exists and
/// has one. Reads `registry.json` directly: its layout is documented in `trainer/src/ops/registry.rs`.
pub fn registry_model(alias: Alias) -> Result<Option<PathBuf>> {
    let alias = alias.as_str();
    let dir = root().join(REGISTRY);
    let index = dir.join("registry.json");
    if !index.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&index).with_context(|| format!("reading {}", index.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", index.display()))?;
    let Some(id) = json[alias].as_str() else { return Ok(None) };
    let path = dir.join(id).join("model.churn");
    if !path.exists() {
        bail!("{} names {alias} {id}, but {} is missing", index.display(), path.display());
    }
    Ok(Some(path))
}

/// The model builds embed unless told otherwise: the registry's champion (`models/`), else the
/// model `cargo xtask up` trained.
pub fn default_model() -> Result<PathBuf> {
    if let Some(champion) = registry_model(Alias::Champion)? {
        return Ok(champion);
    }
    let demo = root().join(DEMO_MODEL);
    if !demo.exists() {
        bail!(
            "no model to embed: {REGISTRY}/registry.json has no champion and {DEMO_MODEL} does not exist; \
             run `cargo xtask up` first, or pass --model FILE"
        );
    }
    Ok(demo)
}

/// Features rustc enables by default on `wasm32-unknown-unknown`; wasm-opt must accept them.
const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// The built module: its sizes and the model inside.
pub struct Built {
    pub raw: usize,
    pub gzip: usize,
    pub model_id: String,
    /// The embedded model file (absolute).
    pub model: PathBuf,
}

pub fn run(model: Option<PathBuf>) -> Result<Built> {
    let model = match model {
        Some(m) => m,
        None => default_model()?,
    };
    let model = std::fs::canonicalize(&model).with_context(|| format!("model file {}", model.display()))?;
    let loaded =
        Model::from_bytes(&std::fs::read(&model)?).with_context(|| format!("loading {}", model.display()))?;

    tools::ensure_targets()?;
    tools::ensure_wasm_bindgen()?;
    tools::ensure_npm()?;
    eprintln!("building the browser module with model {} ({}) embedded", loaded.id(), model.display());
    let target = wasm_target_dir()?;
    run_command(
        Command::new(cargo())
            .args([
                "build",
                "-p",
                "scorer-wasm",
                "--lib",
                "--target",
                "wasm32-unknown-unknown",
                "--profile",
                "wasm",
                "--target-dir",
            ])
            .arg(&target)
            .env("CHURN_EMBED_MODEL", &model),
    )?;
    let built = target.join("wasm32-unknown-unknown/wasm/scorer_wasm.wasm");
    let pkg = root().join("dashboard/pkg");
    std::fs::create_dir_all(&pkg)?;
    run_command(Command::new("wasm-bindgen").args(["--target", "web", "--out-dir"]).arg(&pkg).arg(&built))?;

    let module = root().join(MODULE);
    run_command(
        Command::new(root().join("node_modules/.bin/wasm-opt"))
            .arg("-Oz")
            .args(WASM_FEATURES)
            .arg(&module)
            .arg("-o")
            .arg(&module),
    )?;

    let info = serde_json::json!({
        "id": loaded.id(),
        "checksum": loaded.checksum(),
        "name": loaded.meta().name,
        "model": loaded.meta().kind,
        "embedded_from": model.display().to_string(),
    });
    std::fs::write(pkg.join("model.json"), serde_json::to_string_pretty(&info)? + "\n")?;
    let bytes = std::fs::read(&module)?;
    let out = Built { raw: bytes.len(), gzip: gzip_len(&bytes)?, model_id: loaded.id().to_string(), model };
    eprintln!(
        "{MODULE}: {:.1} KB, {:.1} KB gzipped, model {} ({})",
        out.raw as f64 / 1024.0,
        out.gzip as f64 / 1024.0,
        out.model_id,
        loaded.meta().kind
    );
    Ok(out)
}

pub fn gzip_len(bytes: &[u8]) -> Result<usize> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes)?;
    Ok(enc.finish()?.len())
}
