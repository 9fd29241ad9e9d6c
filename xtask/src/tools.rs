//! The tools the tasks need. What can be installed per project is installed on first use, at
//! the versions the project pins: the rustup targets of `rust-toolchain.toml`, wasm-bindgen-cli
//! the npm packages, and Python packages into virtual environments. What needs the system's
//! package manager (Node.js, Chromium, wrk, Python, podman) is only detected, before any long
//! build, and named with the command that installs it.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::util::{cargo, root, run_command};

/// The targets of `rust-toolchain.toml`: the browser module and the Spin components.
pub const TARGETS: [&str; 2] = ["wasm32-unknown-unknown", "wasm32-wasip2"];

/// A program from the system's package manager that a task needs.
#[derive(Clone, Copy, PartialEq)]
pub enum System {
    /// Node.js and npm: wasm-opt and Playwright come from npm; the JavaScript tests run in Node.
    Node,
    /// Debian's Chromium, which the dashboard and report tests drive (Playwright cannot download
    /// a browser here). `CHROMIUM` names another build.
    Chromium,
    /// The load generator of the benchmark and its smoke run.
    Wrk,
    /// Python 3 with venv: the benchmark's peers (scikit-learn, LightGBM, FastAPI) and the
    /// offline checks of `deploy/` (kubernetes-validate).
    Python,
    /// podman, which builds the trainer's container image without a daemon.
    Podman,
}

impl System {
    /// What is missing, in words, and the Debian packages that bring it; `None` when present.
    fn missing(self) -> Option<(&'static str, &'static [&'static str])> {
        match self {
            System::Node if !on_path("node") || !on_path("npm") => Some((
                "Node.js and npm (the wasm-opt and Playwright tools come from npm)",
                &["nodejs", "npm"],
            )),
            System::Chromium if !chromium().is_file() => Some((
                "Chromium at /usr/bin/chromium or $CHROMIUM (the dashboard and report tests drive it)",
                &["chromium"],
            )),
            System::Wrk if !on_path("wrk") => Some(("wrk (the benchmark's load generator)", &["wrk"])),
            System::Python
                if !Command::new("python3")
                    .args(["-c", "import venv"])
                    .output()
                    .is_ok_and(|o| o.status.success()) =>
            {
                Some((
                    "Python 3 with venv (the benchmark's Python peers, the checks of deploy/)",
                    &["python3", "python3-venv"],
                ))
            }
            System::Podman if !on_path("podman") => {
                Some(("podman (builds the trainer's container image)", &["podman"]))
            }
            _ => None,
        }
    }
}

/// The Chromium the tests launch: `$CHROMIUM`, else Debian's.
fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// Whether `program` is an executable file in a folder of `PATH`.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| is_executable(&dir.join(program))))
}

fn is_executable(file: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        file.is_file()
    }
}

/// Checks, before any long build, that the system programs in `needs` are there; else an error
/// listing every one missing and the one command that installs them all.
pub fn require(task: &str, needs: &[System]) -> Result<()> {
    let missing: Vec<_> = needs.iter().filter_map(|n| n.missing()).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let what: Vec<String> = missing.iter().map(|(what, _)| format!("  - {what}")).collect();
    let packages: Vec<&str> = missing.iter().flat_map(|(_, p)| p.iter().copied()).collect();
    let install = if Path::new("/usr/bin/apt-get").exists() {
        let sudo = if running_as_root() { "" } else { "sudo " };
        format!("install them with:\n    {sudo}apt-get install -y {}", packages.join(" "))
    } else {
        format!("install them with your system's package manager (Debian's packages: {})", packages.join(" "))
    };
    bail!("`cargo xtask {task}` needs programs this machine does not have:\n{}\n{install}", what.join("\n"))
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines().any(|l| l.strip_prefix("Uid:").and_then(|v| v.split_whitespace().next()) == Some("0"))
    })
}

/// Adds the wasm targets to the active toolchain when they are missing. `rust-toolchain.toml`
/// lists them, but rustup installs a toolchain file's targets only with the toolchain itself,
/// not into a toolchain that is already installed.
pub fn ensure_targets() -> Result<()> {
    let sysroot = Command::new("rustc").args(["--print", "sysroot"]).current_dir(root()).output()?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    let missing: Vec<&str> =
        TARGETS.into_iter().filter(|t| !sysroot.join("lib/rustlib").join(t).join("lib").is_dir()).collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !on_path("rustup") {
        bail!(
            "the Rust standard library for {} is missing from {}, and there is no rustup to add it; \
             install Rust with rustup (https://rustup.rs), or add those targets to this toolchain",
            missing.join(" and "),
            sysroot.display()
        );
    }
    eprintln!("adding the Rust targets {} (rustup target add)", missing.join(", "));
    run_command(Command::new("rustup").args(["target", "add"]).args(&missing))
}

/// Adds rustfmt and clippy to the active toolchain when they are missing (see [`ensure_targets`]).
pub fn ensure_components() -> Result<()> {
    let works = |args: &[&str]| {
        Command::new(cargo()).args(args).current_dir(root()).output().is_ok_and(|o| o.status.success())
    };
    let missing: Vec<&str> = [("rustfmt", ["fmt", "--version"]), ("clippy", ["clippy", "--version"])]
        .into_iter()
        .filter(|(_, args)| !works(args))
        .map(|(component, _)| component)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !on_path("rustup") {
        bail!("cargo {} is missing, and there is no rustup to add it", missing.join(" and cargo "));
    }
    eprintln!("adding the Rust components {} (rustup component add)", missing.join(", "));
    run_command(Command::new("rustup").args(["component", "add"]).args(&missing))
}

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
            "installing wasm-bindgen-cli {wanted} with cargo install, once (about 4 min on two cores; found: {})",
            if found.is_empty() { "none" } else { &found }
        );
        // Not `--locked`: its lockfile names a webpki-roots release some registries lack.
        cargo_install("wasm-bindgen-cli", &wanted, false)?;
        if !on_path("wasm-bindgen") {
            bail!(
                "wasm-bindgen-cli is installed in cargo's bin folder, which is not on PATH; add ~/.cargo/bin to PATH"
            );
        }
    }
    Ok(())
}

/// `cargo install KRATE --version VERSION` (`--locked` when `locked`), into cargo's bin folder,
/// without the lint of [`crate::util::lint_while_building`]: the tool's crates are not ours.
pub fn cargo_install(krate: &str, version: &str, locked: bool) -> Result<()> {
    let mut command = Command::new(cargo());
    command.args(["install", krate, "--version", version]);
    if locked {
        command.arg("--locked");
    }
    run_command(crate::util::unlinted(&mut command))
}

/// The version a cargo subcommand reports (`cargo NAME --version`), if it is installed.
fn cargo_tool_version(name: &str) -> Option<String> {
    let out = Command::new(cargo()).args([name, "--version"]).output().ok().filter(|o| o.status.success())?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Installs the cargo subcommand `name` (crate `cargo-NAME`) at `version` unless that version is
/// there, saying what it costs once.
pub fn ensure_cargo_tool(name: &str, version: &str, minutes: &str) -> Result<()> {
    if cargo_tool_version(name).is_some_and(|v| v.ends_with(version)) {
        return Ok(());
    }
    eprintln!("installing cargo-{name} {version} with cargo install, once (about {minutes} on two cores)");
    cargo_install(&format!("cargo-{name}"), version, true)
}

/// The cargo-hakari release that keeps `workspace-hack/` (see `.config/hakari.toml`).
pub const CARGO_HAKARI: &str = "0.9.39";

/// Installs the npm packages of `package-lock.json` (wasm-opt, playwright-core) when missing.
pub fn ensure_npm() -> Result<()> {
    let modules = root().join("node_modules");
    if !modules.join(".bin/wasm-opt").exists() || !modules.join("playwright-core").exists() {
        eprintln!("installing the npm tools of package-lock.json (binaryen's wasm-opt, playwright-core)");
        run_command(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]))?;
    }
    Ok(())
}

/// A virtual environment in the target directory named `name`, created and filled from PyPI
/// with `requirements` on first use, and again when they change; returns its Python.
pub fn venv(name: &str, requirements: &Path) -> Result<PathBuf> {
    let dir = crate::util::target_dir()?.join(name);
    let python = dir.join("bin/python");
    let wanted = std::fs::read_to_string(requirements)
        .with_context(|| format!("reading {}", requirements.display()))?;
    let stamp = dir.join("requirements.installed");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) && python.exists() {
        return Ok(python);
    }
    eprintln!("installing {} into {}", requirements.display(), dir.display());
    run_command(Command::new("python3").args(["-m", "venv"]).arg(&dir))?;
    run_command(Command::new(&python).args(["-m", "pip", "install", "--quiet", "-r"]).arg(requirements))?;
    std::fs::write(&stamp, wanted)?;
    Ok(python)
}
