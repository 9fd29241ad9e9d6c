//! `cargo xtask image [--dev]`: the trainer as a container image (`deploy/Containerfile`), built
//! with podman, and checked without a container runtime.
//!
//! 1. `churn` as cargo builds it (release, as `cargo install` builds it; `--dev` takes the dev
//!    build the tests share, which is what `cargo xtask test` checks), with the shared libraries
//!    it loads, found by `ldd` and copied to the paths the loader looks in: the image is `FROM
//!    scratch` and holds nothing else;
//! 2. `podman build` of the Containerfile around that folder, the binary stripped of its symbols;
//! 3. the check: the image saved as an OCI layout, its layers unpacked into a folder, its
//!    configuration read (entry point, user), and the `churn` inside run within that folder as
//!    its root (`chroot`, in a user namespace when not root): `--version`, then `synth`, `train`
//!    and `predict` on a small table. Containers cannot run on every machine that builds images
//!    (this VM's crun cannot set rlimits or cgroups), but a root filesystem can.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::tools::{self, System};
use crate::util::{CHURN, Profile, built_binary, root, run_command, target_dir};

/// The image's name; its tag is the workspace version.
pub const NAME: &str = "localhost/churn-trainer";

/// The user the image runs as (`deploy/Containerfile`).
const USER: &str = "65532:65532";

/// Builds the image from `churn` in `profile` and checks it; returns its reference.
pub fn run(profile: Profile) -> Result<String> {
    tools::require("image", &[System::Podman])?;
    let binary = built_binary(CHURN, profile)?;
    let context = target_dir()?.join("image-context");
    let files = filesystem(&binary, &context.join("rootfs"))?;
    let reference = build(&context)?;
    check(&reference, &files)?;
    Ok(reference)
}

/// The image's files under `rootfs`: `/churn` (stripped) and every shared library `ldd` says it
/// loads, at the same path, links resolved. Returns their paths in the image, sorted.
fn filesystem(binary: &Path, rootfs: &Path) -> Result<Vec<String>> {
    crate::util::step(&format!("the image's files: {} and the libraries it loads", binary.display()));
    if rootfs.exists() {
        std::fs::remove_dir_all(rootfs)?;
    }
    std::fs::create_dir_all(rootfs)?;
    let churn = rootfs.join("churn");
    std::fs::copy(binary, &churn)?;
    // The symbol table is a fifth of the binary, and nothing in a container reads it.
    run_command(Command::new("strip").arg("--strip-all").arg(&churn))?;
    let mut files = vec!["/churn".to_string()];
    for library in libraries(binary)? {
        let inside = rootfs.join(library.trim_start_matches('/'));
        std::fs::create_dir_all(inside.parent().context("a library path has a folder")?)?;
        std::fs::copy(&library, &inside).with_context(|| format!("copying {library}"))?;
        files.push(library);
    }
    files.sort();
    Ok(files)
}

/// The absolute paths of the shared libraries `binary` loads (the dynamic loader included), as
/// `ldd` resolves them on this machine. The kernel's vDSO has no file and is left out.
fn libraries(binary: &Path) -> Result<Vec<String>> {
    let out = Command::new("ldd").arg(binary).output().context("running ldd (glibc's, from libc-bin)")?;
    if !out.status.success() {
        let said = [&out.stdout, &out.stderr].map(|o| String::from_utf8_lossy(o).trim().to_string());
        bail!("ldd {}: {}", binary.display(), said.join(" ").trim());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut found = Vec::new();
    for line in text.lines() {
        // `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)` or `/lib64/ld-linux-x86-64.so.2 (0x…)`
        let path = line.split("=>").last().and_then(|right| right.split_whitespace().next());
        match path {
            Some(p) if p.starts_with('/') => found.push(p.to_string()),
            _ if line.contains("linux-vdso") => {}
            _ => bail!("ldd cannot resolve a library of {}: {}", binary.display(), line.trim()),
        }
    }
    Ok(found)
}

/// `podman build` of `deploy/Containerfile` with `context` (holding `rootfs/`).
fn build(context: &Path) -> Result<String> {
    let version = env!("CARGO_PKG_VERSION");
    let reference = format!("{NAME}:{version}");
    crate::util::step(&format!("the image {reference} (podman build, deploy/Containerfile)"));
    let previous = image_id(&reference);
    run_command(
        Command::new("podman")
            .args(["build", "--quiet", "--file"])
            .arg(root().join("deploy/Containerfile"))
            .args(["--build-arg", &format!("VERSION={version}"), "--tag", &reference])
            .arg(context),
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

/// Unpacks the image, checks its configuration and files, and runs its `churn` on a small table.
fn check(reference: &str, files: &[String]) -> Result<()> {
    crate::util::step(&format!("the image's churn, run in its own root filesystem ({reference})"));
    let work = target_dir()?.join("image-check");
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    let rootfs = unpack(reference, &work)?;
    let found = walk(&rootfs, &rootfs)?;
    if found != files {
        bail!("the image holds {found:?}; it should hold {files:?}");
    }
    let inside = Inside { rootfs: rootfs.clone() };
    let (auc, parity) = inside.train_and_predict()?;
    eprintln!(
        "{reference}: {} files ({} bytes of churn), entry point /churn, user {USER}; it trained a model \
         (CV ROC AUC {auc:.4}, parity {parity:.1e}) and scored 3000 rows",
        files.len(),
        std::fs::metadata(rootfs.join("churn"))?.len()
    );
    Ok(())
}

/// Saves the image as an OCI layout under `work`, checks its configuration, and unpacks its
/// layers; returns the folder they make.
fn unpack(reference: &str, work: &Path) -> Result<PathBuf> {
    let layout = work.join("oci");
    std::fs::create_dir_all(work)?;
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
    if entrypoint != &serde_json::json!(["/churn"]) || user != USER {
        bail!(
            "the image runs {entrypoint} as user \"{user}\"; deploy/Containerfile says [\"/churn\"] as {USER}"
        );
    }
    let rootfs = work.join("rootfs");
    std::fs::create_dir_all(&rootfs)?;
    for layer in manifest["layers"].as_array().context("the manifest lists no layers")? {
        let digest = layer["digest"].as_str().context("a layer without a digest")?;
        // GNU tar recognises a compressed layer by itself.
        run_command(Command::new("tar").arg("-xf").arg(blob(digest)?).arg("-C").arg(&rootfs))?;
    }
    Ok(rootfs)
}

/// Every file under `dir`, as a path from `rootfs` (`/lib64/ld-linux-x86-64.so.2`), sorted.
fn walk(dir: &Path, rootfs: &Path) -> Result<Vec<String>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files.extend(walk(&path, rootfs)?);
        } else {
            files.push(format!("/{}", path.strip_prefix(rootfs)?.display()));
        }
    }
    files.sort();
    Ok(files)
}

/// The image's root filesystem, unpacked, in which its `churn` runs.
struct Inside {
    rootfs: PathBuf,
}

impl Inside {
    /// `/churn ARGS` with `rootfs` as the root: `chroot`, in a user namespace that maps this user
    /// to root when it is not root already. Returns what it printed on standard output.
    fn churn(&self, args: &[&str]) -> Result<String> {
        let mut command = Command::new("unshare");
        command.arg("--map-root-user").arg("chroot").arg(&self.rootfs).arg("/churn").args(args);
        let out = command.output().context("running unshare (util-linux)")?;
        if !out.status.success() {
            bail!(
                "the image's churn {} failed ({}):\n{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `--version`, then a model trained and used on 3,000 synthetic customers: its CV ROC AUC
    /// and parity.
    fn train_and_predict(&self) -> Result<(f64, f64)> {
        let version = self.churn(&["--version"])?;
        let expected = format!("churn {}\n", env!("CARGO_PKG_VERSION"));
        if version != expected {
            bail!("the image's churn --version printed {version:?}, not {expected:?}");
        }
        std::fs::create_dir_all(self.rootfs.join("work"))?;
        self.churn(&["synth", "--rows", "3000", "--seed", "5", "--out", "/work/customers.csv"])?;
        let card: Value = serde_json::from_str(&self.churn(&[
            "train",
            "--data",
            "/work/customers.csv",
            "--target",
            "churned",
            "--id",
            "customer_id",
            "--out",
            "/work/model",
            "--no-report",
            "--json",
        ])?)?;
        let auc =
            card["cv"]["roc_auc"]["mean"].as_f64().context("the card has no cross-validated ROC AUC")?;
        let parity = card["parity"]["max_abs_diff"].as_f64().context("the card has no parity check")?;
        if !(auc > 0.75 && parity < 1e-5) {
            bail!("the image's churn trained a model with CV ROC AUC {auc} and parity {parity}");
        }
        let scored: Value = serde_json::from_str(&self.churn(&[
            "predict",
            "--model",
            "/work/model/model.churn",
            "--data",
            "/work/customers.csv",
            "--out",
            "/work/scores.csv",
            "--json",
        ])?)?;
        if scored["scored"] != 3000 {
            bail!("the image's churn scored {} of 3000 rows", scored["scored"]);
        }
        Ok((auc, parity))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_libraries_of_a_dynamic_binary_are_found_and_garbage_is_refused() {
        // The xtask binary itself is linked dynamically, as cargo builds it by default.
        let me = std::env::current_exe().unwrap();
        let found = libraries(&me).unwrap();
        assert!(found.iter().any(|l| l.contains("/libc.so")), "{found:?}");
        assert!(found.iter().any(|l| l.contains("/ld-linux")), "{found:?}");
        let dir = tempfile_dir();
        let script = dir.join("not-elf");
        std::fs::write(&script, "#!/bin/sh\n").unwrap();
        assert_eq!(
            libraries(&script).unwrap_err().to_string(),
            format!("ldd {}: not a dynamic executable", script.display())
        );
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-image-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
