//! `cargo xtask build-edge [--model FILE]`: the Spin components, with a model embedded.
//!
//! Builds the browser module first (the dashboard component serves it), then `churn-api` and
//! `churn-assets` for `wasm32-wasip2` in the `edge` profile, with `CHURN_EMBED_MODEL` naming the
//! same model file, and copies them to `edge-functions/build/`, where `spin.toml` finds them.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result};

use crate::util::{cargo, root, run_command, target_dir};

/// The components `spin.toml` names, as cargo builds them.
pub const COMPONENTS: [&str; 2] = ["churn_api.wasm", "churn_assets.wasm"];

pub fn run(model: Option<PathBuf>) -> Result<()> {
    let built = crate::build_wasm::run(model)?;
    let model = root().join(crate::build_wasm::MODULE).with_file_name("model.json");
    let info: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&model)?)?;
    let embedded = info["embedded_from"].as_str().context("dashboard/pkg/model.json names the model file")?;
    eprintln!("building the Spin components with model {}", built.model_id);
    run_command(
        Command::new(cargo())
            .args([
                "build",
                "--quiet",
                "-p",
                "churn-api",
                "-p",
                "churn-assets",
                "--target",
                "wasm32-wasip2",
                "--profile",
                "edge",
            ])
            .env("CHURN_EMBED_MODEL", embedded),
    )?;
    let from = target_dir()?.join("wasm32-wasip2/edge");
    let to = root().join("edge-functions/build");
    std::fs::create_dir_all(&to)?;
    for file in COMPONENTS {
        std::fs::copy(from.join(file), to.join(file)).with_context(|| format!("copying {file}"))?;
        let size = std::fs::metadata(to.join(file))?.len();
        eprintln!("edge-functions/build/{file}: {:.0} KB", size as f64 / 1024.0);
    }
    Ok(())
}
