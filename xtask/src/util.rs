//! Paths and process helpers shared by the tasks.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The workspace root (the parent of `xtask/`). `cargo run` says where `xtask/` is at run time;
/// the path compiled in is the fallback (a binary built in another checkout sharing the target
/// directory can be reused, and would point there).
pub fn root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest_dir.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Cargo's target directory, honouring `CARGO_TARGET_DIR` and `.cargo/config.toml`.
pub fn target_dir() -> Result<PathBuf> {
    let out = Command::new(cargo())
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root())
        .output()?;
    if !out.status.success() {
        bail!("cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let dir = meta["target_directory"].as_str().context("cargo metadata has no target_directory")?;
    Ok(PathBuf::from(dir))
}

/// The target directory of this checkout's wasm builds, inside cargo's. Cargo names a wasm
/// library without a hash (`deps/churn_assets.wasm`), so two checkouts sharing one target
/// directory (a CI clone beside a working copy) would overwrite each other's modules and
/// components while each still judged its own build fresh, and ship the other's dashboard.
pub fn wasm_target_dir() -> Result<PathBuf> {
    let root = root();
    let root = root.canonicalize().unwrap_or(root);
    // FNV-1a of the checkout's path: stable, and distinct per checkout.
    let key = root
        .to_string_lossy()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    Ok(target_dir()?.join(format!("wasm-{key:016x}")))
}

/// The cargo that runs us.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Runs a command in the workspace root, failing with its name if it fails.
pub fn run_command(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    let status = cmd.current_dir(root()).status().with_context(|| format!("cannot start {shown}"))?;
    if !status.success() {
        bail!("{shown} failed with {status}");
    }
    Ok(())
}

/// Builds the `churn` binary (dev profile, shared with the tests) and returns its path.
///
/// Built with the workspace's default members selected, as `cargo test` builds them: selecting
/// `-p trainer` alone would resolve polars' dependencies with other features and rebuild polars
/// (minutes) every time the two alternate.
pub fn churn_binary() -> Result<PathBuf> {
    run_command(Command::new(cargo()).args(["build", "--quiet", "--bin", "churn"]))?;
    Ok(target_dir()?.join("debug").join(if cfg!(windows) { "churn.exe" } else { "churn" }))
}

/// A reference dataset, kept outside the repository: in `$CHURN_REFERENCE_DATA`, or in the
/// nearest `shared/data` beside the workspace or one of its ancestors (`../shared/data`).
pub fn reference_data(file: &str) -> Result<PathBuf> {
    let dir = match std::env::var_os("CHURN_REFERENCE_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => root()
            .ancestors()
            .map(|a| a.join("shared/data"))
            .find(|d| d.is_dir())
            .with_context(|| "no shared/data directory beside the workspace; set CHURN_REFERENCE_DATA")?,
    };
    let path = dir.join(file);
    if !path.exists() {
        bail!("reference dataset {} is missing (see shared/data/README.md)", path.display());
    }
    Ok(path)
}
