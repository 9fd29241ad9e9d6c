//! `cargo xtask serve`: the Spin app on this machine without Spin.
//!
//! Builds the browser module and the components (unless `--no-build`), then hosts the components
//! in-process with wasmtime, routed as `spin.toml` routes them.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};

use crate::util::root;

pub fn run(
    addr: &str,
    model: Option<PathBuf>,
    challenger: Option<PathBuf>,
    env: &[String],
    build: bool,
) -> Result<()> {
    if build {
        crate::build_edge::run(model, challenger)?;
    }
    let mut app = churn_host::App::from_manifest(&root().join("spin.toml"))?;
    for pair in env {
        let (key, value) =
            pair.split_once('=').with_context(|| format!("--env {pair}: expected KEY=VALUE"))?;
        app = app.with_env(key, value);
    }
    let app = Arc::new(app);
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
        let local = listener.local_addr()?;
        println!("Serving the churn app (spin.toml) on http://{local}");
        println!("  dashboard   http://{local}/");
        println!("  score       curl -X POST http://{local}/v1/score -H 'content-type: application/json' -d '{{\"customer\": {{...}}}}'");
        println!("  model       http://{local}/v1/model");
        println!("  health      http://{local}/healthz");
        println!("Press Ctrl-C to stop.");
        tokio::select! {
            r = app.serve(listener) => r,
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })
}
