//! `cargo xtask serve`: the Spin app on this machine without Spin.
//!
//! Builds the browser module and the components (unless `--no-build`) and the release build of
//! the in-process host (`churn-serve`, from `edge-functions/churn-host`), then hands the terminal
//! to that host, which serves the components routed as `spin.toml` routes them. The release
//! build is the one users measure first: the dev build answers several times fewer requests.

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
) -> Result<()> {
    let mut steps = Steps::default();
    if build {
        crate::build_edge::run_steps(&mut steps, model, challenger)?;
    }
    let host = build_host(&mut steps)?;
    steps.summary("cargo xtask serve, its steps:");
    exec(host, addr, env)
}

/// Builds the release in-process host, as a step of its own.
pub fn build_host(steps: &mut Steps) -> Result<PathBuf> {
    steps.next("the local host for the components (churn-serve, release build; wasmtime takes minutes the first time)");
    built_binary(CHURN_SERVE, Profile::Release)
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
