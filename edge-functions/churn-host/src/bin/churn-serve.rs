//! `churn-serve`: the Spin app of a `spin.toml` on this machine, without Spin.
//!
//! Hosts the components the manifest names in-process with wasmtime, routed as the manifest
//! routes them. `cargo xtask serve` and `cargo xtask up` build it in the release profile and run
//! it; the benchmark drives the same binary.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Parser;

#[derive(Parser)]
#[command(name = "churn-serve", about = "Serve a Spin app's HTTP components locally with wasmtime")]
struct Args {
    /// The Spin application manifest; component paths are relative to it.
    #[arg(long, default_value = "spin.toml", value_name = "FILE")]
    manifest: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:3000")]
    addr: String,
    /// An environment variable for the components, over the manifest's (as `spin up --env`),
    /// e.g. CHALLENGER_SHARE=0.2.
    #[arg(long, value_name = "KEY=VALUE")]
    env: Vec<String>,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> Result<()> {
    let mut app = churn_host::App::from_manifest(&args.manifest)?;
    for pair in &args.env {
        let (key, value) =
            pair.split_once('=').with_context(|| format!("--env {pair}: expected KEY=VALUE"))?;
        app = app.with_env(key, value);
    }
    let app = Arc::new(app);
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let addr = &args.addr;
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
        let local = listener.local_addr()?;
        println!("Serving the churn app ({}) on http://{local}", args.manifest.display());
        println!("  dashboard   http://{local}/");
        println!(
            "  score       curl -X POST http://{local}/v1/score -H 'content-type: application/json' -d '{{\"customer\": {{...}}}}'"
        );
        println!("  model       http://{local}/v1/model");
        println!("  health      http://{local}/healthz");
        println!("Press Ctrl-C to stop.");
        tokio::select! {
            r = app.serve(listener) => r,
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })
}
