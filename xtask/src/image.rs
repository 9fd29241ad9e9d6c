//! `cargo xtask image`: the trainer as a container image (`deploy/Containerfile`), built with
//! podman, and checked without running a container.
//!
//! 1. `churn` in the release profile, linked statically (`crt-static`; the image is `FROM
//!    scratch`, with no C library to load), for the host's target named explicitly, so that the
//!    flag reaches the binary and not the build scripts, and the build has a folder of its own;
//! 2. `podman build` of the Containerfile around it, the binary stripped of its symbols;
//! 3. the check: the image saved as an OCI layout, its layers unpacked into a folder, its
//!    configuration read (entry point, user), and the `churn` found inside run from there:
//!    `--version`, then `synth`, `train` and `predict` on a small table. Containers cannot run on
//!    every machine that builds images (this VM's crun cannot set rlimits or cgroups), but the
//!    binary inside can.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::tools::{self, System};
use crate::util::{cargo, root, run_command, target_dir};

/// The image's name; its tag is the workspace version.
pub const NAME: &str = "localhost/churn-trainer";

/// Builds the image and checks it; returns its reference.
pub fn run() -> Result<String> {
    tools::require("image", &[System::Podman])?;
    let binary = static_churn()?;
    let reference = build(&binary)?;
    check(&reference)?;
    Ok(reference)
}

/// The host's target triple, from `rustc -vV`.
fn host() -> Result<String> {
    let out = Command::new("rustc").arg("-vV").output().context("running rustc -vV")?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_string)
        .context("rustc -vV printed no host line")
}

/// `churn`, release profile, statically linked.
fn static_churn() -> Result<PathBuf> {
    let host = host()?;
    if !host.ends_with("-linux-gnu") {
        bail!("the image is built from a static Linux (glibc) binary; this host is {host}");
    }
    crate::util::step(&format!("churn, release, statically linked, for {host}"));
    let flags = format!("CARGO_TARGET_{}_RUSTFLAGS", host.to_uppercase().replace('-', "_"));
    run_command(
        Command::new(cargo())
            .args(["build", "--release", "-p", "trainer", "--bin", "churn", "--target", &host])
            .env(flags, "-C target-feature=+crt-static"),
    )?;
    let binary = target_dir()?.join(&host).join("release/churn");
    if interpreter(&std::fs::read(&binary)?)? {
        bail!("{} asks for a dynamic loader: it is not statically linked", binary.display());
    }
    Ok(binary)
}

/// Whether an ELF64 file has a PT_INTERP program header (a dynamic loader to run it).
fn interpreter(elf: &[u8]) -> Result<bool> {
    if elf.len() < 64 || &elf[..4] != b"\x7fELF" || elf[4] != 2 || elf[5] != 1 {
        bail!("not a 64-bit little-endian ELF file");
    }
    let u16_at = |o: usize| u16::from_le_bytes([elf[o], elf[o + 1]]) as usize;
    let phoff = u64::from_le_bytes(elf[0x20..0x28].try_into()?) as usize;
    let (size, count) = (u16_at(0x36), u16_at(0x38));
    (0..count).try_fold(false, |found, i| {
        let at = phoff + i * size;
        let kind = elf.get(at..at + 4).context("a program header lies past the end of the file")?;
        Ok(found || u32::from_le_bytes(kind.try_into()?) == 3)
    })
}

/// `podman build` of `deploy/Containerfile` with `binary` in its context.
fn build(binary: &Path) -> Result<String> {
    let version = env!("CARGO_PKG_VERSION");
    let reference = format!("{NAME}:{version}");
    crate::util::step(&format!("the image {reference} (podman build, deploy/Containerfile)"));
    let context = target_dir()?.join("image-context");
    std::fs::create_dir_all(&context)?;
    std::fs::copy(binary, context.join("churn"))?;
    // The symbol table is a fifth of the binary, and nothing in a container reads it.
    run_command(Command::new("strip").arg("--strip-all").arg(context.join("churn")))?;
    let previous = image_id(&reference);
    run_command(
        Command::new("podman")
            .args(["build", "--quiet", "--file"])
            .arg(root().join("deploy/Containerfile"))
            .args(["--build-arg", &format!("VERSION={version}"), "--tag", &reference])
            .arg(&context),
    )?;
    // The image this one replaced under the tag would linger untagged, a binary's size each time.
    if let Some(old) = previous.filter(|old| image_id(&reference).as_ref() != Some(old)) {
        let _ = Command::new("podman").args(["rmi", "--force", &old]).output();
    }
    Ok(reference)
}

/// The id of the image `reference` names, if there is one.
fn image_id(reference: &str) -> Option<String> {
    let out =
        Command::new("podman").args(["image", "inspect", "--format", "{{.Id}}", reference]).output().ok()?;
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !id.is_empty()).then_some(id)
}

/// Unpacks the image and runs the `churn` inside on a small table.
fn check(reference: &str) -> Result<()> {
    crate::util::step(&format!("the image's churn, run from its unpacked layers ({reference})"));
    let work = target_dir()?.join("image-check");
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    std::fs::create_dir_all(&work)?;
    let layout = work.join("oci");
    run_command(
        Command::new("podman")
            .args(["save", "--quiet", "--format", "oci-dir", "--output"])
            .arg(&layout)
            .arg(reference),
    )?;
    let blob = |digest: &str| -> Result<PathBuf> {
        let hex = digest
            .strip_prefix("sha256:")
            .with_context(|| format!("an OCI digest that is not sha256: {digest}"))?;
        Ok(layout.join("blobs/sha256").join(hex))
    };
    let read = |path: PathBuf| -> Result<Value> {
        serde_json::from_slice(&std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?)
            .with_context(|| format!("{} is not JSON", path.display()))
    };
    let index = read(layout.join("index.json"))?;
    let manifest =
        read(blob(index["manifests"][0]["digest"].as_str().context("index.json names no manifest")?)?)?;
    let config = read(blob(manifest["config"]["digest"].as_str().context("the manifest names no config")?)?)?;
    let entrypoint = &config["config"]["Entrypoint"];
    let user = config["config"]["User"].as_str().unwrap_or("");
    if entrypoint != &serde_json::json!(["/churn"]) || user != "65532:65532" {
        bail!(
            "the image runs {entrypoint} as user \"{user}\"; deploy/Containerfile says [\"/churn\"] as 65532:65532"
        );
    }
    let rootfs = work.join("rootfs");
    std::fs::create_dir_all(&rootfs)?;
    let layers = manifest["layers"].as_array().context("the manifest lists no layers")?;
    for layer in layers {
        let digest = layer["digest"].as_str().context("a layer without a digest")?;
        // GNU tar recognises a compressed layer by itself.
        run_command(Command::new("tar").arg("-xf").arg(blob(digest)?).arg("-C").arg(&rootfs))?;
    }
    let files: Vec<String> = std::fs::read_dir(&rootfs)?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<std::io::Result<_>>()?;
    if files != ["churn"] {
        bail!("the image holds {files:?}; it should hold /churn alone");
    }
    let churn = rootfs.join("churn");
    let output = |args: &[&str]| -> Result<String> {
        let out = Command::new(&churn).args(args).current_dir(&work).output()?;
        if !out.status.success() {
            bail!(
                "the image's churn {} failed ({}):\n{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let version = output(&["--version"])?;
    let expected = format!("churn {}\n", env!("CARGO_PKG_VERSION"));
    if version != expected {
        bail!("the image's churn --version printed {version:?}, not {expected:?}");
    }
    output(&["synth", "--rows", "3000", "--seed", "5", "--out", "customers.csv"])?;
    let card: Value = serde_json::from_str(&output(&[
        "train",
        "--data",
        "customers.csv",
        "--target",
        "churned",
        "--id",
        "customer_id",
        "--out",
        "model",
        "--no-report",
        "--json",
    ])?)?;
    let auc = card["cv"]["roc_auc"]["mean"].as_f64().context("the card has no cross-validated ROC AUC")?;
    let parity = card["parity"]["max_abs_diff"].as_f64().context("the card has no parity check")?;
    if !(auc > 0.75 && parity < 1e-5) {
        bail!("the image's churn trained a model with CV ROC AUC {auc} and parity {parity}");
    }
    let scored: Value = serde_json::from_str(&output(&[
        "predict",
        "--model",
        "model/model.churn",
        "--data",
        "customers.csv",
        "--out",
        "scores.csv",
        "--json",
    ])?)?;
    if scored["scored"] != 3000 {
        bail!("the image's churn scored {} of 3000 rows", scored["scored"]);
    }
    eprintln!(
        "{reference}: one static binary ({} bytes), entry point /churn, user 65532; it trained a model \
         (CV ROC AUC {auc:.4}, parity {parity:.1e}) and scored 3000 rows",
        std::fs::metadata(&churn)?.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dynamic_binary_asks_for_a_loader_and_garbage_is_refused() {
        // The xtask binary itself is linked dynamically, as cargo builds it by default.
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        assert!(interpreter(&me).unwrap());
        assert_eq!(
            interpreter(b"#!/bin/sh\n").unwrap_err().to_string(),
            "not a 64-bit little-endian ELF file"
        );
    }
}
