//! Paths and process helpers shared by the tasks.

use std::io::{BufRead, BufReader, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

/// The variables with which cargo runs clippy as its compiler for the workspace's own crates
/// (what `cargo clippy` sets, see clippy's `cargo-clippy` and `clippy-driver`), warnings denied.
const LINT: [&str; 2] = ["RUSTC_WORKSPACE_WRAPPER", "CLIPPY_ARGS"];

/// From here on, every cargo build this process starts compiles the workspace's own crates with
/// clippy, which lints them as it compiles them, every warning an error; dependencies are
/// compiled by rustc as ever. `cargo clippy` would check every dependency a second time, in
/// check mode (polars, candle and wasmtime again: ten minutes on two cores), for the same lints.
/// A build with and one without it compile the workspace's crates twice, so a task that sets it
/// sets it before its first build. `cargo install` and the fuzz builds, whose crates are not
/// ours to lint, take the variables away ([`unlinted`]).
pub fn lint_while_building() -> Result<()> {
    crate::tools::ensure_components()?;
    let sysroot = Command::new("rustc").args(["--print", "sysroot"]).current_dir(root()).output()?;
    let driver = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim()).join("bin/clippy-driver");
    if !driver.is_file() {
        bail!("{} is missing: add clippy with rustup component add clippy", driver.display());
    }
    // SAFETY: called by a task before it starts any thread, so nothing reads the environment
    // while it changes.
    unsafe {
        std::env::set_var(LINT[0], &driver);
        std::env::set_var(LINT[1], "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__");
    }
    Ok(())
}

/// `command` without the variables of [`lint_while_building`].
pub fn unlinted(command: &mut Command) -> &mut Command {
    LINT.iter().fold(command, |c, v| c.env_remove(v))
}

/// Runs a command in the workspace root, failing with its name if it fails.
///
/// What it prints reaches the user as it comes. On a terminal its stderr is the terminal's, so
/// cargo draws its progress bar; otherwise (a log, CI) the lines are relayed, and a line naming
/// the command's elapsed time and the crate it last started is added whenever it has been quiet
/// for [`QUIET`]: one crate of polars compiles for minutes on two cores, and a build that prints
/// nothing for that long looks hung.
pub fn run_command(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    cmd.current_dir(root());
    let status = if std::io::stderr().is_terminal() {
        cmd.status().with_context(|| format!("cannot start {shown}"))?
    } else {
        relayed(cmd).with_context(|| format!("cannot start {shown}"))?
    };
    if !status.success() {
        bail!("{shown} failed with {status}");
    }
    Ok(())
}

/// How long a relayed command may stay silent before a line says it is still at work.
const QUIET: Duration = Duration::from_secs(20);

/// Runs `cmd` with its stderr relayed line by line, adding a line after every [`QUIET`] of
/// silence.
fn relayed(cmd: &mut Command) -> std::io::Result<ExitStatus> {
    let started = Instant::now();
    let mut child = cmd.stderr(Stdio::piped()).spawn()?;
    let stderr =
        child.stderr.take().ok_or_else(|| std::io::Error::other("the command's stderr is not piped"))?;
    // The last line relayed: when, and the crate cargo last said it was compiling.
    let last = Arc::new(Mutex::new((Instant::now(), String::new())));
    let relay = {
        let last = last.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                eprintln!("{line}");
                let mut last = last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                last.0 = Instant::now();
                if let Some(krate) = line.trim_start().strip_prefix("Compiling ") {
                    last.1 = krate.to_string();
                }
            }
        })
    };
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(250));
        let mut last = last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if last.0.elapsed() >= QUIET {
            let building =
                if last.1.is_empty() { String::new() } else { format!("; last started: {}", last.1) };
            eprintln!("    ... still at work after {}{building}", minutes(started.elapsed()));
            last.0 = Instant::now();
        }
    };
    let _ = relay.join();
    Ok(status)
}

/// A duration as people read it: `48 s`, `3 min 05 s`.
pub fn minutes(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 { format!("{:.1} s", d.as_secs_f64()) } else { format!("{} min {:02} s", s / 60, s % 60) }
}

/// Announces a step of a task.
pub fn step(what: &str) {
    eprintln!("\n==> {what}");
}

/// The steps of a task and how long each took, printed at its end.
#[derive(Default)]
pub struct Steps {
    done: Vec<(String, Duration)>,
    started: Option<(String, Instant)>,
}

impl Steps {
    /// Ends the step under way, if any, and starts (and announces) the next.
    pub fn next(&mut self, what: &str) {
        self.finish();
        step(what);
        self.started = Some((what.to_string(), Instant::now()));
    }

    fn finish(&mut self) {
        if let Some((what, at)) = self.started.take() {
            self.done.push((what, at.elapsed()));
        }
    }

    /// Ends the last step and prints every step with its time, and the total.
    pub fn summary(&mut self, title: &str) {
        self.finish();
        let width = self.done.iter().map(|(w, _)| w.chars().count()).max().unwrap_or(0);
        eprintln!("\n{title}");
        for (what, took) in &self.done {
            eprintln!("  {what:<width$}  {:>12}", minutes(*took));
        }
        let total: Duration = self.done.iter().map(|(_, d)| *d).sum();
        eprintln!("  {:<width$}  {:>12}", "total", minutes(total));
    }
}

/// Builds the `churn` binary (dev profile, shared with the tests) and returns its path.
///
/// Built with the workspace's default members selected, as `cargo test` builds them: selecting
/// `-p trainer` alone would resolve polars' dependencies with other features and rebuild polars
/// (minutes) every time the two alternate.
pub fn churn_binary() -> Result<PathBuf> {
    built_binary(CHURN, Profile::Dev)
}

/// The trainer's binary: what users install and run.
pub const CHURN: Binary = Binary { name: "churn", package: "trainer" };
/// The local server that hosts the Spin components in-process.
pub const CHURN_SERVE: Binary = Binary { name: "churn-serve", package: "churn-host" };

/// A binary of the workspace and the package that builds it.
#[derive(Clone, Copy)]
pub struct Binary {
    pub name: &'static str,
    pub package: &'static str,
}

/// The profile a binary of the workspace is built in.
#[derive(Clone, Copy, PartialEq)]
pub enum Profile {
    /// The dev profile the tests share.
    Dev,
    /// The release profile, as `cargo install` builds: what users run and what is measured.
    Release,
}

/// Builds `binary` in `profile` and returns its path. A dev build selects the default members,
/// as `cargo test` builds them (see [`churn_binary`]), so that it reuses what the tests built; a
/// release build selects the binary's package alone, as `cargo install --path <package>` resolves
/// it, so that what is measured is what users install.
pub fn built_binary(binary: Binary, profile: Profile) -> Result<PathBuf> {
    let mut cmd = Command::new(cargo());
    cmd.args(["build", "--bin", binary.name]);
    if profile == Profile::Release {
        cmd.args(["--release", "-p", binary.package]);
    }
    run_command(&mut cmd)?;
    let dir = if profile == Profile::Release { "release" } else { "debug" };
    Ok(target_dir()?.join(dir).join(format!("{}{}", binary.name, std::env::consts::EXE_SUFFIX)))
}
