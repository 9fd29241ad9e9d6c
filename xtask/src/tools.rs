//! The external tools the build needs, installed on first use at the versions the project pins.

use std::process::Command;

use anyhow::{Context, Result};

use crate::util::{cargo, root, run_command};

/// The wasm-bindgen version in Cargo.lock: the CLI must match the crate exactly.
pub fn wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))?;
    lock.split("[[package]]")
        .find(|p| p.contains("\nname = \"wasm-bindgen\"\n"))
        .and_then(|p| {
            p.lines()
                .find_map(|l| l.strip_prefix("version = \""))
                .map(|v| v.trim_end_matches('"').to_string())
        })
        .context("Cargo.lock has no wasm-bindgen package")
}

/// Installs `wasm-bindgen-cli` when the one on PATH is missing or another version.
pub fn ensure_wasm_bindgen() -> Result<()> {
    let wanted = wasm_bindgen_version()?;
    let found = Command::new("wasm-bindgen")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    if found.split_whitespace().nth(1) != Some(wanted.as_str()) {
        eprintln!(
            "installing wasm-bindgen-cli {wanted} (found: {})",
            if found.is_empty() { "none" } else { &found }
        );
        // Not `--locked`: its lockfile names a webpki-roots release some registries lack.
        run_command(Command::new(cargo()).args(["install", "wasm-bindgen-cli", "--version", &wanted]))?;
    }
    Ok(())
}

/// Installs the npm packages of `package.json` (wasm-opt, playwright-core) when missing.
pub fn ensure_npm() -> Result<()> {
    let modules = root().join("node_modules");
    if !modules.join(".bin/wasm-opt").exists() || !modules.join("playwright-core").exists() {
        eprintln!("installing the npm tools (binaryen, playwright-core)");
        run_command(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]))?;
    }
    Ok(())
}
