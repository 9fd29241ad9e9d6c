//! `cargo xtask build-edge [--model FILE] [--challenger FILE]`: the Spin components, with the
//! champion (and optionally a challenger) embedded.
//!
//! Builds the browser module first (the dashboard component serves it), then `churn-api` and
//! `churn-assets` for `wasm32-wasip2` in the `edge` profile, with `CHURN_EMBED_MODEL` naming the
//! same model file and `CHURN_EMBED_CHALLENGER` the challenger, and copies them to
//! `edge-functions/build/`, where `spin.toml` finds them. By default the champion and the
//! challenger are those of the registry in `models/`, when it has them.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::tools;
use crate::util::{Steps, cargo, root, run_command, wasm_target_dir};

/// The components `spin.toml` names, as cargo builds them.
pub const COMPONENTS: [&str; 2] = ["churn_api.wasm", "churn_assets.wasm"];

/// Builds the browser module and the components with the same model; the module's sizes.
pub fn run(model: Option<PathBuf>, challenger: Option<PathBuf>) -> Result<crate::build_wasm::Built> {
    run_steps(&mut Steps::default(), model, challenger)
}

/// [`run`], each part announced and timed as a step of `steps`.
pub fn run_steps(
    steps: &mut Steps,
    model: Option<PathBuf>,
    challenger: Option<PathBuf>,
) -> Result<crate::build_wasm::Built> {
    // An explicit champion goes without the registry's challenger; an explicit challenger
    // always goes in.
    let challenger = match (challenger, &model) {
        (Some(c), _) => Some(c),
        (None, Some(_)) => None,
        (None, None) => crate::build_wasm::registry_model(scorer_wasm::Alias::Challenger)?,
    };
    let challenger = challenger.map(|c| checked_challenger(&c)).transpose()?;
    steps.next("the wasm build tools: rustup targets, wasm-bindgen-cli, npm packages (each installed once)");
    tools::ensure_targets()?;
    tools::ensure_wasm_bindgen()?;
    tools::ensure_npm()?;
    steps.next("the browser module (scorer-wasm for wasm32-unknown-unknown, wasm-bindgen, wasm-opt)");
    let built = crate::build_wasm::run(model)?;
    steps.next(&format!(
        "the Spin components (churn-api, churn-assets for wasm32-wasip2) with model {}",
        built.model_id
    ));
    build(&["churn-api", "churn-assets"], &built.model, challenger.as_deref())?;
    copy(&COMPONENTS, &root().join("edge-functions/build"))?;
    Ok(built)
}

/// Builds only the API component with a champion and a challenger into `to` (for the tests of
/// the traffic split), leaving `edge-functions/build/` as it is.
pub fn api_with_challenger(champion: &Path, challenger: &Path, to: &Path) -> Result<()> {
    let champion =
        std::fs::canonicalize(champion).with_context(|| format!("model {}", champion.display()))?;
    let challenger = checked_challenger(challenger)?;
    build(&["churn-api"], &champion, Some(&challenger))?;
    copy(&COMPONENTS[..1], to)
}

/// The challenger's absolute path, after checking that it loads.
fn checked_challenger(file: &Path) -> Result<PathBuf> {
    let path = std::fs::canonicalize(file).with_context(|| format!("challenger {}", file.display()))?;
    let loaded = scorer_wasm::Model::from_bytes(&std::fs::read(&path)?)
        .with_context(|| format!("loading the challenger {}", path.display()))?;
    eprintln!("challenger: model {} ({})", loaded.id(), path.display());
    Ok(path)
}

fn build(packages: &[&str], champion: &Path, challenger: Option<&Path>) -> Result<()> {
    let mut command = Command::new(cargo());
    command.args(["build", "--target", "wasm32-wasip2", "--profile", "edge", "--target-dir"]);
    command.arg(wasm_target_dir()?);
    for p in packages {
        command.args(["-p", p]);
    }
    command
        .env("CHURN_EMBED_MODEL", champion)
        .env("CHURN_EMBED_CHALLENGER", challenger.unwrap_or("".as_ref()));
    run_command(&mut command)
}

fn copy(files: &[&str], to: &Path) -> Result<()> {
    let from = wasm_target_dir()?.join("wasm32-wasip2/edge");
    std::fs::create_dir_all(to)?;
    for file in files {
        std::fs::copy(from.join(file), to.join(file)).with_context(|| format!("copying {file}"))?;
        let size = std::fs::metadata(to.join(file))?.len();
        let shown = to.join(file);
        let shown = shown.strip_prefix(root()).unwrap_or(&shown);
        eprintln!("{}: {:.0} KB", shown.display(), size as f64 / 1024.0);
    }
    Ok(())
}
