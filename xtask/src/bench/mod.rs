//! `cargo xtask bench [--quick] [--no-peers]`: every benchmark, side by side with the stack users
//! would pick instead, in one table (and `target/bench.json`; `bench-quick.json` for `--quick`).
//! The groups run in the order of [`GROUPS`], one module each:
//!
//! - **scorer** (`scorer.rs`): one customer and the Telco CSV (7043 raw rows parsed and scored)
//!   natively and under wasmtime (`cargo bench -p tests --bench scoring`); peers: scikit-learn's
//!   `predict_proba` and ONNX Runtime on the exported pipeline (`bench/peers/peers.py onnx`).
//! - **edge** (`edge.rs`): the same in headless Chromium through the web module
//!   (`bench/browser.mjs`), then `POST /v1/score` with 1, 100 and 1000 customers under wrk,
//!   server pinned to CPU 0 and wrk to CPU 1; peer: FastAPI + uvicorn serving the fitted
//!   scikit-learn pipeline.
//! - **trainer** (`trainer.rs`): `churn train` end to end on Telco (logistic, and auto, the
//!   default) and bank (MLP, and auto), and the demo's table; peers: scikit-learn's logistic
//!   regression and MLP and LightGBM under the same protocol, LightGBM tuned by Optuna under the
//!   same nested protocol; and what auto costs over logistic on Telco.
//! - **scale** (`scale.rs`): `churn train` with no recipe flags (the default) on synthetic Parquet
//!   tables of `--scale-rows` customers, in turns with `--model logistic` and LightGBM (up to
//!   2·10⁶ rows): time end to end, peak resident memory (VmHWM), and ROC AUC against LightGBM's
//!   and against the true churn probability's (the best any model can do on the table); what the
//!   default costs over a logistic fit at each size. Past the memory budget the default streams.
//! - **events** (`events.rs`): `churn train --events` with default flags on `churn synth --events`
//!   (5,000 customers, 2.2 million events): time end to end, peak memory, ROC AUC against the
//!   true probability's; peer: the same snapshots and features in pandas with LightGBM, folds
//!   grouped by customer (`bench/peers/events.py`), in turns.
//! - **size** (`sizes.rs`): the web module raw and gzipped, the API component, the model file;
//!   peer: the ONNX export.
//!
//! Peers run from a virtual environment in the target directory, installed from PyPI on first use
//! with the versions pinned in `bench/peers/requirements.txt`. Every ratio is "how many times
//! better we are" (throughput ours/theirs, time theirs/ours).
//!
//! Noise: load tests (5 repetitions) and training runs (3) alternate between ours and the peer,
//! so each repetition gives a ratio measured under the same machine conditions; a figure is the
//! median and its noise the spread (max − min over the median) of the repetitions, a ratio's
//! noise the 95 % confidence interval (Student's t) of the per-repetition ratios
//! (`stats.rs`). Scorer timings carry their interquartile range; a scorer ratio's noise is the
//! sum of ours and the peer's. `table.rs` prints the table, writes it, and compares it with the
//! run before.

mod edge;
mod events;
mod scale;
mod scorer;
mod sizes;
mod stats;
mod table;
mod trainer;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Result, bail};
use serde_json::Value;

use crate::build_wasm::Built;
use crate::reference::{BANK, Reference, TELCO};
use crate::tools::{self, System};
use crate::util::{CHURN, Profile, built_binary, root};

pub struct Options {
    /// Tiny sizes and one short repetition: proves the harness works (CI), measures nothing.
    pub quick: bool,
    /// Synthetic table sizes for the scale rows (time, peak memory, AUC against the truth).
    pub scale_rows: Vec<u64>,
    pub peers: bool,
    pub seconds: u32,
    pub connections: u32,
}

impl Options {
    /// The smoke run `cargo xtask test` makes: tiny sizes, one short repetition, no peers.
    pub fn smoke() -> Options {
        Options { quick: true, scale_rows: vec![5_000], peers: false, seconds: 1, connections: 4 }
    }
}

/// The groups of benchmarks, in the order they run; each gives its rows of the table.
const GROUPS: [(&str, Group); 6] = [
    ("scorer: native and under wasmtime, against ONNX Runtime and scikit-learn", scorer::rows),
    ("edge: the page in Chromium, and POST /v1/score under wrk against FastAPI", edge::rows),
    ("trainer: churn train end to end, against scikit-learn and LightGBM", trainer::rows),
    ("scale: synthetic tables, streamed and in memory", scale::rows),
    ("events: an event log to a model, against pandas + LightGBM", events::rows),
    ("size: the web module, the API component, the model file", sizes::rows),
];

type Group = fn(&mut Bench) -> Result<Vec<Row>>;

/// What the groups share.
struct Bench<'a> {
    opts: &'a Options,
    telco: Option<PathBuf>,
    bank: Option<PathBuf>,
    /// The peers' Python, when peers run (they are fitted on the Telco file).
    python: Option<PathBuf>,
    /// The peers' offline figures (`peers.py onnx`), measured first, while nothing else runs.
    onnx: Option<Value>,
    /// `churn`: the release build, as `cargo install --path trainer` builds it (what users run);
    /// the smoke run takes the tests' dev build rather than spend a release build of polars on it.
    churn: PathBuf,
    /// The browser module with the Telco MLP inside (for its size), then with the Telco logistic
    /// model, which everything runs.
    modules: [Built; 2],
    /// What could not run for want of reference data.
    not_run: Vec<String>,
    /// What is left out on purpose, with the reason (a peer that would not fit in memory).
    left_out: Vec<String>,
}

/// The Telco logistic golden model, which the scorer and edge benchmarks embed.
const GOLDEN_MODEL: &str = "tests/golden/telco-logistic.churn";

/// Runs every benchmark it can and prints the table; returns what it could not run (the parts
/// that need a reference dataset, when it is missing), which the table also names.
pub fn run(opts: &Options) -> Result<Vec<String>> {
    let mut bench = Bench::prepare(opts)?;
    let mut rows = Vec::new();
    for (what, group) in GROUPS {
        crate::util::step(what);
        rows.extend(group(&mut bench)?);
    }
    table::finish(&rows, opts, &bench.not_run, &bench.left_out)?;
    Ok(bench.not_run)
}

impl Bench<'_> {
    fn prepare(opts: &Options) -> Result<Bench<'_>> {
        let mut needs = vec![System::Node, System::Chromium, System::Wrk];
        if opts.peers {
            needs.push(System::Python);
        }
        tools::require("bench", &needs)?;
        let refs = Reference::locate();
        refs.required_in_ci()?;
        let (telco, bank) = (refs.file(TELCO), refs.file(BANK));
        let not_run = missing(telco.is_some(), bank.is_some(), opts);
        let with_mlp = crate::build_wasm::run(Some(root().join("tests/golden/telco-mlp.churn")))?;
        let with_logistic = crate::build_edge::run(Some(root().join(GOLDEN_MODEL)), None)?;
        let python = match (opts.peers, &telco) {
            (true, Some(_)) => Some(tools::venv("bench-venv", &root().join("bench/peers/requirements.txt"))?),
            _ => None,
        };
        let onnx = match (&python, &telco) {
            (Some(py), Some(telco)) => {
                Some(peers_json(py, &["onnx", "--data"], telco, "Churn", &["customerID"], opts.quick)?)
            }
            _ => None,
        };
        let churn = built_binary(CHURN, if opts.quick { Profile::Dev } else { Profile::Release })?;
        Ok(Bench {
            opts,
            telco,
            bank,
            python,
            onnx,
            churn,
            modules: [with_mlp, with_logistic],
            not_run,
            left_out: Vec::new(),
        })
    }

    /// A figure of the peers' offline run, when it ran.
    fn onnx(&self, key: &str) -> Option<f64> {
        self.onnx.as_ref().and_then(|o| o[key].as_f64())
    }
}

/// What cannot run without the reference files.
fn missing(telco: bool, bank: bool, opts: &Options) -> Vec<String> {
    let mut not_run = Vec::new();
    if !telco {
        not_run.push(format!(
            "scorer: the Telco CSV parsed + scored, natively, under wasmtime and in Chromium ({TELCO})"
        ));
        if opts.peers {
            not_run.push(format!(
                "peers: scikit-learn, ONNX Runtime and FastAPI, which are fitted on the Telco file ({TELCO})"
            ));
        }
        not_run.push(format!("trainer: Telco, logistic ({TELCO})"));
    }
    if !bank && !opts.quick {
        not_run.push(format!("trainer: bank, MLP ({BANK})"));
    }
    not_run
}

/// One row of the table.
pub(crate) struct Row {
    section: &'static str,
    what: String,
    ours: f64,
    peer: Option<(String, f64)>,
    unit: &'static str,
    /// Whether more is better (throughput) or less (time, size).
    higher_is_better: bool,
    /// Relative spread of our figure, when measured repeatedly.
    noise: Option<f64>,
    /// Relative spread of the ratio to the peer: of the per-repetition ratios where ours and the
    /// peer's were measured in turns, else our spread plus the peer's.
    ratio_noise: Option<f64>,
    /// Compare by difference (accuracy) rather than by ratio.
    difference: bool,
}

impl Row {
    fn new(
        section: &'static str,
        what: impl Into<String>,
        ours: f64,
        unit: &'static str,
        higher: bool,
    ) -> Row {
        Row {
            section,
            what: what.into(),
            ours,
            peer: None,
            unit,
            higher_is_better: higher,
            noise: None,
            ratio_noise: None,
            difference: false,
        }
    }

    /// A ROC AUC, compared by difference.
    fn auc(section: &'static str, what: impl Into<String>, ours: f64) -> Row {
        Row { difference: true, ..Row::new(section, what, ours, "", true) }
    }

    fn vs(mut self, peer: impl Into<String>, value: f64) -> Row {
        self.peer = Some((peer.into(), value));
        self
    }

    fn noise(mut self, noise: f64) -> Row {
        self.noise = Some(noise);
        self
    }

    /// How many times better we are than the peer (or, for accuracy, by how much).
    fn ratio(&self) -> Option<f64> {
        self.peer.as_ref().map(|(_, p)| match (self.difference, self.higher_is_better) {
            (true, _) => self.ours - p,
            (false, true) => self.ours / p,
            (false, false) => p / self.ours,
        })
    }
}

/// Runs `peers.py` and parses its JSON answer.
fn peers_json(
    python: &Path,
    command: &[&str],
    data: &Path,
    target: &str,
    drop: &[&str],
    quick: bool,
) -> Result<Value> {
    let mut c = Command::new(python);
    c.arg(root().join("bench/peers/peers.py")).args(command).arg(data).args(["--target", target]);
    for d in drop {
        c.args(["--drop", d]);
    }
    if quick {
        c.arg("--quick");
    }
    // The peers get both cores, as they would in production; ours get what each bench gives.
    let out = c.current_dir(root()).output()?;
    if !out.status.success() {
        bail!("bench/peers/peers.py {command:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}
