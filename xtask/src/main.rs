//! Build automation for the churn workspace: `cargo xtask <task>`.
//!
//! One module per task, each with a `run` function. Tasks shell out to `cargo` and the built
//! tools rather than linking them, so this crate stays light.

mod bench;
mod bench_http;
mod build_edge;
mod build_wasm;
mod fuzz;
mod golden;
mod image;
mod openapi;
mod reference;
mod schemathesis;
mod serve;
mod soak;
mod test;
#[cfg(test)]
mod tidy;
mod tools;
mod up;
mod util;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Build automation for the churn workspace")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// The main job: generate the built-in customer data, train, build, and serve the app.
    /// Installs what it needs on first use (rustup targets, wasm-bindgen-cli, npm packages).
    Up {
        /// Address to serve on.
        #[arg(long, default_value = "127.0.0.1:3000")]
        addr: String,
        /// Stop after building instead of serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Every check and test, as CI runs them. Needs Chromium and wrk; without the reference
    /// datasets (../shared/data or CHURN_REFERENCE_DATA) the checks on them are counted as not
    /// run, and under CI=true their absence is an error.
    Test,
    /// Retrain the committed test models and rewrite tests/golden/golden.json.
    Golden,
    /// Build the trainer's container image (deploy/Containerfile: churn and the C libraries it
    /// loads, FROM scratch) with podman, and check it: unpack its layers and run the churn inside
    /// them, as its root, on a small table.
    Image {
        /// Package the dev build of churn (the one the tests share) instead of the release build.
        #[arg(long)]
        dev: bool,
    },
    /// Write the OpenAPI document GET /v1/openapi.json serves for a model (default: the Telco
    /// logistic golden model, into edge-functions/openapi.telco.json).
    Openapi {
        /// Model file to describe (its document goes to standard output unless --out is given).
        #[arg(long, value_name = "FILE")]
        model: Option<std::path::PathBuf>,
        /// Where to write the document.
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
        /// Fail if the written document differs from what would be generated now.
        #[arg(long)]
        check: bool,
    },
    /// Coverage-guided fuzzing (cargo-fuzz, libFuzzer) of every decoder of untrusted bytes:
    /// model files, CSV batches, the route handlers, what-if changes. Seeds come from
    /// tests/golden; a crash fails and names the saved input.
    Fuzz {
        /// Seconds per target (targets run side by side, one per core).
        #[arg(long, default_value_t = 60)]
        seconds: u32,
        /// Only this target (model_file, csv_batch, routes, what_if).
        #[arg(long)]
        target: Option<String>,
    },
    /// Run Schemathesis against the served app with the OpenAPI document it generates for its
    /// model: every check, every phase; any failure, error or 5xx fails.
    Schemathesis {
        /// Model file to serve. Default: the champion of the registry in models/, else
        /// demo/model/model.churn (trained by `cargo xtask up`).
        #[arg(long, value_name = "FILE")]
        model: Option<std::path::PathBuf>,
        /// Test cases per operation (Schemathesis's --max-examples).
        #[arg(long, default_value_t = schemathesis::EXAMPLES)]
        examples: u32,
        /// Seed of the generated cases.
        #[arg(long, default_value_t = schemathesis::SEED)]
        seed: u64,
    },
    /// Build the browser module (dashboard/pkg) with a model embedded.
    BuildWasm {
        /// Model file to embed. Default: the champion of the registry in models/, else
        /// demo/model/model.churn (trained by `cargo xtask up`).
        #[arg(long, value_name = "FILE")]
        model: Option<std::path::PathBuf>,
    },
    /// Build the Spin components (edge-functions/build/) with a model embedded.
    BuildEdge {
        /// Model file to embed. Default: the champion of the registry in models/, else
        /// demo/model/model.churn (trained by `cargo xtask up`).
        #[arg(long, value_name = "FILE")]
        model: Option<std::path::PathBuf>,
        /// A challenger to embed beside it, scoring the share of customers set by
        /// CHALLENGER_SHARE. Default (without --model): the registry's challenger, if any.
        #[arg(long, value_name = "FILE")]
        challenger: Option<std::path::PathBuf>,
    },
    /// Every benchmark in one table, with the Python stack as peers: scorer (native, wasmtime,
    /// Chromium), edge (wrk), trainer, sizes. Writes target/bench.json.
    Bench {
        /// Tiny sizes and one short repetition: checks the harness, measures nothing.
        #[arg(long)]
        quick: bool,
        /// Leave out the peers (no Python environment needed).
        #[arg(long)]
        no_peers: bool,
        /// Seconds per load test.
        #[arg(long, default_value_t = 5)]
        seconds: u32,
        /// Concurrent keep-alive connections in load tests.
        #[arg(long, default_value_t = 16)]
        connections: u32,
        /// Synthetic table sizes the default recipe is timed on for the scale rows
        /// (comma-separated). The first run writes each table once (ten million rows: ~3 min).
        #[arg(long, value_delimiter = ',', default_value = "100000,1000000,10000000")]
        scale_rows: Vec<u64>,
        /// Instead of the table: a soak of this many minutes, a mixed load (valid, malformed,
        /// wrong types, deeply nested and oversized bodies) on the release server, counting
        /// answers by status and sampling its resident memory. Writes target/soak.json.
        #[arg(long, value_name = "MINUTES")]
        soak: Option<u32>,
    },
    /// Load-test POST /v1/score with wrk (server and wrk pinned to separate cores).
    BenchHttp {
        /// Seconds per scenario.
        #[arg(long, default_value_t = 10)]
        seconds: u32,
        /// Concurrent keep-alive connections.
        #[arg(long, default_value_t = 16)]
        connections: u32,
        /// Use the components as they are (built with the Telco golden model).
        #[arg(long)]
        no_build: bool,
    },
    /// Serve the API and the dashboard locally, hosting the Spin components with wasmtime
    /// (churn-serve, the dev build the tests share unless --release).
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:3000")]
        addr: String,
        /// Model file to embed. Default: the champion of the registry in models/, else
        /// demo/model/model.churn (trained by `cargo xtask up`).
        #[arg(long, value_name = "FILE")]
        model: Option<std::path::PathBuf>,
        /// A challenger to embed beside the model (see build-edge).
        #[arg(long, value_name = "FILE")]
        challenger: Option<std::path::PathBuf>,
        /// An environment variable for the components, over spin.toml's (as `spin up --env`),
        /// e.g. CHALLENGER_SHARE=0.2.
        #[arg(long, value_name = "KEY=VALUE")]
        env: Vec<String>,
        /// Serve the components as they are, without building them first.
        #[arg(long)]
        no_build: bool,
        /// The release build of the host, as the benchmark measures it (wasmtime in the release
        /// profile: minutes to build the first time).
        #[arg(long)]
        release: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Up { addr, no_serve } => up::run(&addr, !no_serve),
        Task::Test => test::run(),
        Task::Golden => golden::run(),
        Task::Image { dev } => {
            image::run(if dev { util::Profile::Dev } else { util::Profile::Release }).map(|_| ())
        }
        Task::Openapi { model, out, check } => openapi::run(model, out, check),
        Task::Fuzz { seconds, target } => fuzz::run(seconds, target.as_deref()).map(|_| ()),
        Task::Schemathesis { model, examples, seed } => schemathesis::run(&schemathesis::Options {
            model,
            examples,
            seed,
            profile: util::Profile::Release,
        }),
        Task::BuildWasm { model } => build_wasm::run(model).map(|_| ()),
        Task::BuildEdge { model, challenger } => build_edge::run(model, challenger).map(|_| ()),
        Task::Serve { addr, model, challenger, env, no_build, release } => {
            let profile = if release { util::Profile::Release } else { util::Profile::Dev };
            serve::run(&addr, model, challenger, &env, !no_build, profile)
        }
        Task::Bench { soak: Some(minutes), .. } => soak::run(minutes).map(|_| ()),
        Task::Bench { quick, no_peers, seconds, connections, scale_rows, soak: None } => {
            let scale_rows = if quick { vec![5_000] } else { scale_rows };
            bench::run(&bench::Options { quick, scale_rows, peers: !no_peers, seconds, connections })
                .map(|_| ())
        }
        Task::BenchHttp { seconds, connections, no_build } => {
            bench_http::run(seconds, connections, !no_build).map(|_| ())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
