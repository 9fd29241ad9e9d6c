//! `cargo xtask serve`: the Spin app on this machine without Spin.
//!
//! Builds the browser module and the components (unless `--no-build`) and the in-process host
//! (`churn-serve`, from `edge-functions/churn-host`), then hands the terminal to that host, which
//! serves the components routed as `spin.toml` routes them. The host is the dev build the tests
//! share (no second build of wasmtime for a preview); `--release` builds the one the benchmark
//! measures, which answers several times more requests a second.

use std::path::PathBuf;
use std::process::Command;

use anyhow::Result;

use crate::util::{CHURN_SERVE, Profile, Steps, built_binary, root};

pub fn run(
    addr: &str,
    model: Option<PathBuf>,
    challenger: Option<PathBuf>,
    env: &[String],
    build: bool,
    profile: Profile,
) -> Result<()> {
    let mut steps = Steps::default();
    if build {
        crate::build_edge::run_steps(&mut steps, model, challenger)?;
    }
    let host = build_host(&mut steps, profile)?;
    steps.summary("cargo xtask serve, its steps:");
    exec(host, addr, env)
}

/// Builds the in-process host, as a step of its own.
pub fn build_host(steps: &mut Steps, profile: Profile) -> Result<PathBuf> {
    let build = if profile == Profile::Release { "release" } else { "dev" };
    steps.next(&format!(
        "the local host for the components (churn-serve, {build} build; wasmtime takes minutes the first time)"
    ));
    built_binary(CHURN_SERVE, profile)
}

/// Runs the host on `addr` in place of this process, so that Ctrl-C reaches it directly.
pub fn exec(host: PathBuf, addr: &str, env: &[String]) -> Result<()> {
    let mut cmd = Command::new(host);
    cmd.arg("--manifest").arg(root().join("spin.toml")).args(["--addr", addr]);
    for pair in env {
        cmd.args(["--env", pair]);
    }
    cmd.current_dir(root());
    eprintln!();
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let error = cmd.exec();
        Err(anyhow::anyhow!("cannot start {cmd:?}: {error}"))
    }
    #[cfg(not(unix))]
    {
        let status = cmd.status()?;
        anyhow::ensure!(status.success(), "{cmd:?} failed with {status}");
        Ok(())
    }
}
