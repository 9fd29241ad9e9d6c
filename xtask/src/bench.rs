//! `cargo xtask bench [--quick] [--no-peers]`: every benchmark, side by side with the stack users
//! would pick instead, in one table (and `target/bench.json`; `bench-quick.json` for `--quick`).
//!
//! - **scorer**: one customer and the Telco CSV (7043 raw rows parsed and scored) natively and
//!   under wasmtime (`cargo bench -p tests --bench scoring`), and in headless Chromium through the
//!   web module (`bench/browser.mjs`); peers: scikit-learn's `predict_proba` and ONNX Runtime on
//!   the exported pipeline (`bench/peers/peers.py onnx`).
//! - **edge**: `POST /v1/score` with 1, 100 and 1000 customers under wrk, server pinned to CPU 0
//!   and wrk to CPU 1; peer: FastAPI + uvicorn serving the fitted scikit-learn pipeline.
//! - **trainer**: `churn train` end to end on Telco (logistic, and auto, the default) and bank
//!   (MLP, and auto); peers: scikit-learn's logistic regression and MLP and LightGBM under the
//!   same protocol; and what auto costs over logistic on Telco.
//! - **scale**: `churn train --stream --memory MB` on synthetic Parquet tables of `--scale-rows`
//!   customers: time, peak resident memory (VmHWM), training rows per second of each epoch, and
//!   the holdout ROC AUC against the ROC AUC of the true churn probability the synthetic data
//!   carries (the best any model can do on it).
//! - **sizes**: the web module raw and gzipped, the API component, the model file; peer: the
//!   ONNX export.
//!
//! Peers run from a virtual environment in the target directory, installed from PyPI on first use
//! with the versions pinned in `bench/peers/requirements.txt`. Every ratio is "how many times
//! better we are" (throughput ours/theirs, time theirs/ours).
//!
//! Noise: load tests (5 repetitions) and training runs (3) alternate between ours and the peer,
//! so each repetition gives a ratio measured under the same machine conditions; a figure is the
//! median and its noise the spread (max − min over the median) of the repetitions, a ratio's
//! noise the 95 % confidence interval (Student's t) of the per-repetition ratios. Scorer timings
//! carry their interquartile range; a scorer ratio's noise is the sum of ours and the peer's.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::bench_http::{self, Measured};
use crate::reference::{BANK, Reference, TELCO};
use crate::tools::{self, System};
use crate::util::{CHURN, Profile, built_binary, cargo, root, run_command, target_dir};

pub struct Options {
    /// Tiny sizes and one short repetition: proves the harness works (CI), measures nothing.
    pub quick: bool,
    /// Synthetic table sizes for the scale rows (time, peak memory, AUC against the truth).
    pub scale_rows: Vec<u64>,
    /// The memory budget (`churn train --memory`) of the scale rows, in MB.
    pub scale_memory: u64,
    pub peers: bool,
    pub seconds: u32,
    pub connections: u32,
}

/// One row of the table.
struct Row {
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

    fn vs(mut self, peer: impl Into<String>, value: f64) -> Row {
        self.peer = Some((peer.into(), value));
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

/// Runs every benchmark it can and prints the table; returns what it could not run (the parts
/// that need a reference dataset, when it is missing), which the table also names.
pub fn run(opts: &Options) -> Result<Vec<String>> {
    let mut needs = vec![System::Node, System::Chromium, System::Wrk];
    if opts.peers {
        needs.push(System::Python);
    }
    tools::require("bench", &needs)?;
    let refs = Reference::locate();
    refs.required_in_ci()?;
    let telco = refs.file(TELCO);
    let bank = refs.file(BANK);
    let mut not_run = Vec::new();
    if telco.is_none() {
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
    if bank.is_none() && !opts.quick {
        not_run.push(format!("trainer: bank, MLP ({BANK})"));
    }
    let golden_model = root().join("tests/golden/telco-logistic.churn");
    // The module with an MLP inside, for its size only; then the logistic one that everything
    // below runs.
    let with_mlp = crate::build_wasm::run(Some(root().join("tests/golden/telco-mlp.churn")))?;
    let with_logistic = crate::build_edge::run(Some(golden_model.clone()), None)?;
    // The peers are fitted on the Telco file.
    let python = if opts.peers && telco.is_some() { Some(venv()?) } else { None };
    let mut rows = Vec::new();

    // Peers' offline figures first, while nothing else runs.
    let onnx = match (&python, &telco) {
        (Some(py), Some(telco)) => {
            Some(peers_json(py, &["onnx", "--data"], telco, "Churn", &["customerID"], opts.quick)?)
        }
        _ => None,
    };

    // Scorer: native and wasmtime.
    let scoring = scorer_figures(opts.quick, telco.as_deref())?;
    let pick = |case: &str, key: &str| -> Result<f64> {
        scoring
            .iter()
            .find(|f| f["model"] == "telco-logistic" && f["case"] == case)
            .and_then(|f| f[key].as_f64())
            .with_context(|| format!("the scoring bench has no {case} / {key}"))
    };
    let one_native = pick("one customer", "native_seconds")?;
    let one_wasm = pick("one customer", "wasmtime_seconds")?;
    let peer = |key: &str| onnx.as_ref().and_then(|o| o[key].as_f64());
    // A peer's figure with its spread; the ratio's spread is then ours plus theirs.
    let with_peer = |row: Row, name: &str, value: Option<f64>, spread: &str| match value {
        Some(v) => {
            let mut row = row.vs(name, v);
            row.ratio_noise = row.noise.zip(peer(spread)).map(|(a, b)| a + b);
            row
        }
        None => row,
    };
    let noisy = |mut row: Row, case: &str, key: &str| -> Result<Row> {
        row.noise = Some(pick(case, key)?);
        Ok(row)
    };
    let one = || {
        let row = Row::new("scorer", "one customer, native", one_native * 1e9, "ns", false);
        noisy(row, "one customer", "native_spread")
    };
    let ort_one = peer("onnxruntime_one_seconds").map(|s| s * 1e9);
    rows.push(with_peer(one()?, "ONNX Runtime", ort_one, "onnxruntime_one_spread"));
    if onnx.is_some() {
        let sklearn_one = peer("sklearn_one_seconds").map(|s| s * 1e9);
        rows.push(with_peer(one()?, "scikit-learn", sklearn_one, "sklearn_one_spread"));
    }
    let wasm_one =
        Row::new("scorer", "one customer, wasmtime (the browser module)", one_wasm * 1e9, "ns", false);
    rows.push(noisy(wasm_one, "one customer", "wasmtime_spread")?);
    if telco.is_some() {
        const CSV_CASE: &str = "Telco CSV, 7043 rows (parse + score)";
        let csv_native = pick(CSV_CASE, "native_seconds")?;
        let csv_wasm = pick(CSV_CASE, "wasmtime_seconds")?;
        let csv = || {
            let row =
                Row::new("scorer", "Telco CSV parsed + scored, native", 7043.0 / csv_native, "rows/s", true);
            noisy(row, CSV_CASE, "native_spread")
        };
        let ort_csv = peer("onnxruntime_batch_rows_per_second");
        rows.push(with_peer(csv()?, "ONNX Runtime (typed arrays)", ort_csv, "onnxruntime_batch_spread"));
        if onnx.is_some() {
            let sklearn_csv = peer("sklearn_batch_rows_per_second");
            rows.push(with_peer(csv()?, "scikit-learn (DataFrame)", sklearn_csv, "sklearn_batch_spread"));
        }
        let wasm_csv =
            Row::new("scorer", "Telco CSV parsed + scored, wasmtime", 7043.0 / csv_wasm, "rows/s", true);
        rows.push(noisy(wasm_csv, CSV_CASE, "wasmtime_spread")?);
    }

    // Edge and browser. Both servers are up (idle, pinned to CPU 0) and load-tested in turns,
    // case by case, repetition by repetition: a machine that slows down during the run slows
    // both, and the ratios' spread shows what is left.
    let reps = if opts.quick { 1 } else { 5 };
    let seconds = if opts.quick { 1 } else { opts.seconds };
    let ours_addr = "127.0.0.1:3917";
    let peer_addr = "127.0.0.1:3918";
    let _ours_server = bench_http::start_ours(ours_addr, opts.quick)?;
    let browser = browser_figures(ours_addr, telco.as_deref(), opts.quick)?;
    rows.push(Row::new(
        "scorer",
        "one customer, Chromium",
        browser["one_seconds"].as_f64().unwrap_or(f64::NAN) * 1e9,
        "ns",
        false,
    ));
    if telco.is_some() {
        rows.push(Row::new(
            "scorer",
            "Telco CSV parsed + scored, Chromium",
            browser["csv_rows"].as_f64().unwrap_or(f64::NAN)
                / browser["csv_seconds"].as_f64().unwrap_or(f64::NAN),
            "rows/s",
            true,
        ));
    }
    let _peer_server = match (&python, &telco) {
        (Some(py), Some(telco)) => {
            let args = [
                root().join("bench/peers/peers.py").display().to_string(),
                "serve".into(),
                "--data".into(),
                telco.display().to_string(),
                "--target".into(),
                "Churn".into(),
                "--drop".into(),
                "customerID".into(),
                "--port".into(),
                "3918".into(),
            ];
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            Some(bench_http::start_pinned(py, &args, peer_addr, &target_dir()?.join("bench-fastapi.log"))?)
        }
        _ => None,
    };
    let cases = bench_http::bodies()?;
    let mut ours_runs: Vec<Vec<Measured>> = cases.iter().map(|_| Vec::new()).collect();
    let mut peer_runs: Vec<Vec<Measured>> = cases.iter().map(|_| Vec::new()).collect();
    for _ in 0..reps {
        for (i, (name, n, body)) in cases.iter().enumerate() {
            ours_runs[i].push(bench_http::wrk(ours_addr, name, *n, body, seconds, opts.connections)?);
            if python.is_some() {
                peer_runs[i].push(bench_http::wrk(peer_addr, name, *n, body, seconds, opts.connections)?);
            }
        }
    }
    const FASTAPI: &str = "FastAPI + uvicorn";
    for (ours, peer) in ours_runs.iter().zip(&peer_runs) {
        let name = &ours[0].name;
        let series = |runs: &[Measured], f: fn(&Measured) -> f64| runs.iter().map(f).collect::<Vec<f64>>();
        let row = |what: &str, f: fn(&Measured) -> f64, unit: &'static str, higher: bool| {
            let mine = series(ours, f);
            let mut row = Row::new("edge", format!("{name}: {what}"), median(&mine), unit, higher);
            row.noise = Some(spread(&mine));
            if !peer.is_empty() {
                let theirs = series(peer, f);
                row = row.vs(FASTAPI, median(&theirs));
                let ratios: Vec<f64> =
                    mine.iter().zip(&theirs).map(|(m, t)| if higher { m / t } else { t / m }).collect();
                row.ratio_noise = Some(confidence(&ratios));
            }
            row
        };
        rows.extend([
            row("requests/s", |m| m.requests_per_second, "req/s", true),
            row("p50 latency", |m| m.p50_us, "µs", false),
            row("p99 latency", |m| m.p99_us, "µs", false),
            row("p99.9 latency", |m| m.p999_us, "µs", false),
        ]);
    }
    drop(_peer_server);
    drop(_ours_server);

    // Trainer, end to end, and the peers under the same protocol, in turns.
    let peer_fit = |data: &Path, target: &str, drop: &[&str]| -> Result<Option<Value>> {
        python
            .as_ref()
            .map(|py| peers_json(py, &["fit", "--data"], data, target, drop, opts.quick))
            .transpose()
    };
    let train_reps = if opts.quick { 1 } else { 3 };
    // The release build, as `cargo install --path trainer` builds it: what users run. (The smoke
    // run takes the tests' dev build rather than spend a release build of polars on it.)
    let churn = built_binary(CHURN, if opts.quick { Profile::Dev } else { Profile::Release })?;
    let mut trainings = Vec::new();
    if let Some(telco) = &telco {
        trainings.push(Training::new(
            "Telco, logistic",
            (telco, "Churn", "logistic", &["customerID"]),
            ["sklearn_logistic", "lightgbm"],
        ));
        trainings.push(Training::new(
            "Telco, auto (the default)",
            (telco, "Churn", "auto", &["customerID"]),
            ["lightgbm", "sklearn_logistic"],
        ));
    }
    // The smoke run leaves out the slowest fits.
    if let Some(bank) = bank.as_ref().filter(|_| !opts.quick) {
        trainings.push(Training::new(
            "bank, MLP",
            (bank, "Exited", "mlp", &["RowNumber", "CustomerId", "Surname"]),
            ["sklearn_mlp", "lightgbm"],
        ));
        trainings.push(Training::new(
            "bank, auto (the default)",
            (bank, "Exited", "auto", &["RowNumber", "CustomerId", "Surname"]),
            ["lightgbm", "sklearn_mlp"],
        ));
    }
    for _ in 0..train_reps {
        // The peers fit each file once per repetition; every training of that file compares
        // with that fit.
        let mut fitted: Vec<(&Path, Value)> = Vec::new();
        for t in &mut trainings {
            let (data, target, model, drop) = t.job;
            t.ours.push(train(&churn, data, target, model)?);
            let peers = match fitted.iter().find(|(d, _)| *d == data) {
                Some((_, p)) => Some(p.clone()),
                None => peer_fit(data, target, drop)?,
            };
            if let Some(p) = peers {
                fitted.push((data, p.clone()));
                t.peers.push(p);
            }
        }
    }
    // LightGBM tuned under the same nested protocol (Optuna, 50 trials; 1 on the smoke run), once
    // per file: against our default, which also chooses by nested cross-validation.
    if let Some(py) = &python {
        let trials = if opts.quick { "1" } else { "50" };
        for label in ["Telco, auto (the default)", "bank, auto (the default)"] {
            let Some(t) = trainings.iter().find(|t| t.label == label) else { continue };
            let (data, target, _, drop) = t.job;
            let tuned =
                peers_json(py, &["tune", "--trials", trials, "--data"], data, target, drop, opts.quick)?;
            let theirs = &tuned["lightgbm_tuned"];
            let seconds: Vec<f64> = t.ours.iter().map(|o| o.0).collect();
            let name = format!("lightgbm_tuned ({trials} trials)");
            let mut auc = Row::new("trainer", format!("{label}: CV ROC AUC, nested"), t.ours[0].1, "", true)
                .vs(name.clone(), theirs["roc_auc"].as_f64().unwrap_or(f64::NAN));
            auc.difference = true;
            let mut time = Row::new(
                "trainer",
                format!("{label}: seconds, nested search + fit"),
                median(&seconds),
                "s",
                false,
            )
            .vs(name, theirs["seconds"].as_f64().unwrap_or(f64::NAN));
            time.noise = Some(spread(&seconds));
            rows.extend([auc, time]);
        }
    }
    // What choosing the recipe costs: auto's time over logistic's, run by run (the two ran in
    // turns, so each ratio saw the same machine).
    let by_label = |label: &str| trainings.iter().find(|t| t.label == label);
    if let (Some(logistic), Some(auto)) = (by_label("Telco, logistic"), by_label("Telco, auto (the default)"))
    {
        let ratios: Vec<f64> = auto.ours.iter().zip(&logistic.ours).map(|(a, l)| a.0 / l.0).collect();
        let mut row = Row::new(
            "trainer",
            "Telco: --model auto seconds ÷ --model logistic seconds (budget 5×)",
            median(&ratios),
            "×",
            false,
        );
        row.noise = Some(spread(&ratios));
        rows.push(row);
    }
    for t in &trainings {
        let seconds: Vec<f64> = t.ours.iter().map(|o| o.0).collect();
        let auc_ours = t.ours[0].1;
        let peaks: Vec<f64> = t.ours.iter().map(|o| o.2 / 1e6).collect();
        rows.push(Row::new("trainer", format!("{}: peak memory", t.label), median(&peaks), "MB", false));
        for name in t.peer_names {
            let mut time = Row::new(
                "trainer",
                format!("{}: seconds (5-fold CV + fit)", t.label),
                median(&seconds),
                "s",
                false,
            );
            time.noise = Some(spread(&seconds));
            let mut auc = Row::new("trainer", format!("{}: CV ROC AUC", t.label), auc_ours, "", true);
            auc.difference = true;
            if !t.peers.is_empty() {
                let theirs: Vec<f64> =
                    t.peers.iter().map(|p| p[name]["seconds"].as_f64().unwrap_or(f64::NAN)).collect();
                time = time.vs(name, median(&theirs));
                let ratios: Vec<f64> = theirs.iter().zip(&seconds).map(|(t, o)| t / o).collect();
                time.ratio_noise = Some(confidence(&ratios));
                auc = auc.vs(name, t.peers[0][name]["roc_auc"].as_f64().unwrap_or(f64::NAN));
            }
            rows.extend([time, auc]);
            if t.peers.is_empty() {
                break;
            }
        }
    }

    // The demo of `cargo xtask up`: 10,000 synthetic customers, trained as the demo trains them.
    let demo = demo_training(&churn, train_reps)?;
    let mut row = Row::new(
        "trainer",
        "the demo's 10,000 rows, default (auto): seconds (nested CV + fit)",
        median(&demo.0),
        "s",
        false,
    );
    row.noise = Some(spread(&demo.0));
    rows.extend([
        row,
        Row::new("trainer", "the demo's 10,000 rows: peak memory", median(&demo.1), "MB", false),
    ]);

    // Scale: `churn train --stream` on synthetic tables that carry their true churn probability.
    for &n in &opts.scale_rows {
        let run = scale(&churn, n, opts.scale_memory)?;
        let label = format!("synthetic {n} rows, --stream --memory {}", opts.scale_memory);
        rows.push(Row::new("scale", format!("{label}: seconds, end to end"), run.seconds, "s", false));
        rows.push(Row::new("scale", format!("{label}: peak memory"), run.peak / 1e6, "MB", false));
        let k = |r: f64| format!("{:.0}k", r / 1e3);
        let per_epoch = if run.epochs.len() <= 5 {
            run.epochs.iter().map(|&r| k(r)).collect::<Vec<_>>().join(", ")
        } else {
            let (lo, hi) = (
                run.epochs.iter().copied().fold(f64::INFINITY, f64::min),
                run.epochs.iter().copied().fold(0.0, f64::max),
            );
            format!("{} epochs, {}–{}", run.epochs.len(), k(lo), k(hi))
        };
        let mean = run.epochs.iter().sum::<f64>() / run.epochs.len().max(1) as f64;
        rows.push(Row::new(
            "scale",
            format!("{label}: training rows/s per epoch ({per_epoch})"),
            mean,
            "rows/s",
            true,
        ));
        let mut fit = Row::new(
            "scale",
            format!("{label}: holdout ROC AUC, against the true probability's"),
            run.auc,
            "",
            true,
        )
        .vs("truth", run.best);
        fit.difference = true;
        rows.push(fit);
        if n <= IN_MEMORY_ROWS {
            rows.extend(in_memory(&churn, &run.data, n, run.best)?);
        }
    }

    // Sizes.
    let kb = |bytes: usize| bytes as f64 / 1024.0;
    rows.push(Row::new("size", "web module, Telco logistic inside", kb(with_logistic.raw), "KB", false));
    rows.push(Row::new(
        "size",
        "web module, Telco logistic inside, gzip",
        kb(with_logistic.gzip),
        "KB",
        false,
    ));
    rows.push(Row::new("size", "web module, Telco MLP inside", kb(with_mlp.raw), "KB", false));
    rows.push(Row::new("size", "web module, Telco MLP inside, gzip", kb(with_mlp.gzip), "KB", false));
    let api = std::fs::metadata(root().join("edge-functions/build/churn_api.wasm"))?.len();
    rows.push(Row::new("size", "API component", api as f64 / 1024.0, "KB", false));
    let artifact = std::fs::metadata(&golden_model)?.len() as f64 / 1024.0;
    let mut row = Row::new(
        "size",
        "Telco logistic model file (with card, calibration, drift reference)",
        artifact,
        "KB",
        false,
    );
    if let Some(o) = &onnx {
        row = row.vs("ONNX export (model only)", o["onnx_bytes"].as_f64().unwrap_or(f64::NAN) / 1024.0);
    }
    rows.push(row);

    print_table(&rows, opts);
    if !not_run.is_empty() {
        println!("\nNot run, for want of reference data ({}):", refs.advice());
        for what in &not_run {
            println!("  - {what}");
        }
    }
    // A smoke run keeps its own files, so that CI's never replaces a real run's.
    let name = if opts.quick { "bench-quick" } else { "bench" };
    let out = target_dir()?.join(format!("{name}.json"));
    let this = report(&rows, opts)?;
    // The previous run, kept beside, and whether each ratio agrees with it.
    let previous = target_dir()?.join(format!("{name}-previous.json"));
    if let Ok(bytes) = std::fs::read(&out)
        && let Ok(before) = serde_json::from_slice::<Value>(&bytes)
    {
        print_agreement(&before, &this);
        std::fs::write(&previous, bytes)?;
    }
    std::fs::write(&out, serde_json::to_string_pretty(&this)?)?;
    println!("\nWritten to {} (the run before: {})", out.display(), previous.display());
    Ok(not_run)
}

/// Compares every ratio with the previous run's: they agree when the ranges ratio ± half its
/// noise overlap (a difference of ROC AUC is deterministic and must match to the fourth digit).
fn print_agreement(before: &Value, now: &Value) {
    let key = |r: &Value| (r["section"].clone(), r["benchmark"].clone(), r["peer"].clone());
    let empty = Vec::new();
    let rows_before = before["rows"].as_array().unwrap_or(&empty);
    let (mut agree, mut total) = (0, 0);
    let mut disagreements = Vec::new();
    for r in now["rows"].as_array().unwrap_or(&empty) {
        let Some(b) = rows_before.iter().find(|b| key(b) == key(r)) else { continue };
        let (Some(x), Some(y)) = (r["times_better"].as_f64(), b["times_better"].as_f64()) else { continue };
        total += 1;
        let ok = if r["unit"] == "" {
            (x - y).abs() < 5e-5
        } else {
            let half = |v: &Value| v["ratio_noise"].as_f64().unwrap_or(0.0) / 2.0;
            let (lo_x, hi_x) = (x * (1.0 - half(r)), x * (1.0 + half(r)));
            let (lo_y, hi_y) = (y * (1.0 - half(b)), y * (1.0 + half(b)));
            lo_x <= hi_y && lo_y <= hi_x
        };
        if ok {
            agree += 1;
        } else {
            disagreements.push(format!(
                "  {} / {} vs {}: {y:.3} then, {x:.3} now",
                r["section"].as_str().unwrap_or(""),
                r["benchmark"].as_str().unwrap_or(""),
                r["peer"].as_str().unwrap_or("")
            ));
        }
    }
    println!("\nAgainst the previous run: {agree} of {total} ratios agree within the noise both report.");
    for d in disagreements {
        println!("{d}");
    }
}

/// Our figures from the scoring bench (release build, or dev for `--quick`).
/// The Telco CSV case runs when `telco` is given (`BENCH_CSV`).
fn scorer_figures(quick: bool, telco: Option<&Path>) -> Result<Vec<Value>> {
    let out = target_dir()?.join("bench-scoring.json");
    let mut command = Command::new(cargo());
    command.args(["bench", "-p", "tests", "--bench", "scoring"]).env("BENCH_JSON", &out);
    if let Some(telco) = telco {
        command.env("BENCH_CSV", telco);
    }
    if quick {
        command.args(["--profile", "dev"]).env("BENCH_QUICK", "1");
    }
    run_command(&mut command)?;
    Ok(serde_json::from_str(&std::fs::read_to_string(&out)?)?)
}

/// Scoring in Chromium through the page our server serves; the Telco CSV too when it is given.
fn browser_figures(addr: &str, telco: Option<&Path>, quick: bool) -> Result<Value> {
    let golden: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("tests/golden/golden.json"))?)?;
    let customer = golden["models"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["name"] == "telco-logistic"))
        .map(|m| m["cases"][0]["customer"].clone())
        .context("golden.json has the telco-logistic cases")?;
    let mut command = Command::new("node");
    command
        .arg(root().join("bench/browser.mjs"))
        .arg(format!("http://{addr}/"))
        .arg(telco.map_or_else(|| "-".into(), |t| t.display().to_string()))
        .arg(customer.to_string())
        .current_dir(root());
    if quick {
        command.arg("--quick");
    }
    let out = command.output().context("node is installed")?;
    if !out.status.success() {
        bail!("the Chromium benchmark failed:\n{}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// Every load scenario, `reps` times each: the median run and the spread.
/// One training benchmark: our runs (seconds, CV ROC AUC) and the peers' answers, in turns.
struct Training<'a> {
    label: &'static str,
    /// Data, target, our model, the columns the peers drop.
    job: (&'a Path, &'static str, &'static str, &'static [&'static str]),
    peer_names: [&'static str; 2],
    /// Seconds, CV ROC AUC and peak memory (bytes) of each of our runs.
    ours: Vec<(f64, f64, f64)>,
    peers: Vec<Value>,
}

impl<'a> Training<'a> {
    fn new(
        label: &'static str,
        job: (&'a Path, &'static str, &'static str, &'static [&'static str]),
        peer_names: [&'static str; 2],
    ) -> Training<'a> {
        Training { label, job, peer_names, ours: Vec::new(), peers: Vec::new() }
    }
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The width of the 95 % confidence interval of the mean of repeated measurements (Student's t),
/// over their median: a few rounds pin a ratio down only loosely, and this says how loosely.
/// 0 for one measurement.
fn confidence(values: &[f64]) -> f64 {
    // t quantiles at 0.975 for 1 to 10 degrees of freedom.
    const T975: [f64; 10] = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];
    let n = values.len();
    if n < 2 {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    let t = T975.get(n - 2).copied().unwrap_or(1.96);
    2.0 * t * sd / (n as f64).sqrt() / median(values)
}

/// The spread of repeated measurements, (max − min) / median; 0 for one.
fn spread(values: &[f64]) -> f64 {
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    if values.len() < 2 { 0.0 } else { (max - min) / median(values) }
}

/// What one scale run measured.
struct Scale {
    seconds: f64,
    /// Peak resident memory, bytes.
    peak: f64,
    /// Rows per second of each epoch.
    epochs: Vec<f64>,
    /// ROC AUC on the held-out rows.
    auc: f64,
    /// ROC AUC of the true churn probability over the file: the best any model can do.
    best: f64,
    /// The synthetic file.
    data: PathBuf,
}

/// Tables up to this many rows are also trained in memory (5-fold CV), beside `--stream`.
const IN_MEMORY_ROWS: u64 = 1_000_000;

/// `churn train` in memory on a synthetic file of `n` rows: time, peak memory, CV ROC AUC.
fn in_memory(churn: &Path, data: &Path, n: u64, best: f64) -> Result<Vec<Row>> {
    let out = target_dir()?.join(format!("bench-scale/model-{n}-in-memory"));
    let (card, seconds, peak) = measured(train_synthetic(churn, data, &out).arg("--no-report"))?;
    let label = format!("synthetic {n} rows, in memory (5-fold CV + fit)");
    let auc = card["cv"]["roc_auc"]["mean"].as_f64().context("the card has cv.roc_auc")?;
    let mut fit =
        Row::new("scale", format!("{label}: CV ROC AUC, against the true probability's"), auc, "", true)
            .vs("truth", best);
    fit.difference = true;
    Ok(vec![
        Row::new("scale", format!("{label}: seconds, end to end"), seconds, "s", false),
        Row::new("scale", format!("{label}: peak memory"), peak / 1e6, "MB", false),
        fit,
    ])
}

/// Streams `n` synthetic customers, written as Parquet, through `churn train --stream` with a
/// memory budget of `memory_mb`.
fn scale(churn: &Path, n: u64, memory_mb: u64) -> Result<Scale> {
    let dir = target_dir()?.join("bench-scale");
    std::fs::create_dir_all(&dir)?;
    let parquet = dir.join(format!("synth-{n}.parquet"));
    // The file is reused across runs (ten million rows take minutes to write); the summary with
    // the truth's AUC beside it says it is complete.
    let summary_file = dir.join(format!("synth-{n}.json"));
    let summary: Value = match std::fs::read(&summary_file).ok().filter(|_| parquet.exists()) {
        Some(bytes) => serde_json::from_slice(&bytes)?,
        None => {
            let output = Command::new(churn)
                .args(["synth", "--seed", "7", "--with-truth", "--json", "--rows", &n.to_string(), "--out"])
                .arg(&parquet)
                .output()?;
            if !output.status.success() {
                bail!("churn synth failed:\n{}", String::from_utf8_lossy(&output.stderr));
            }
            std::fs::write(&summary_file, &output.stdout)?;
            serde_json::from_slice(&output.stdout)?
        }
    };
    let best = summary["true_probability_roc_auc"].as_f64().context("churn synth reports the truth's AUC")?;
    let out = dir.join(format!("model-{n}"));
    let (card, seconds, peak) = measured(train_synthetic(churn, &parquet, &out).args([
        "--stream",
        "--memory",
        &memory_mb.to_string(),
        "--no-report",
    ]))?;
    let auc = card["cv"]["roc_auc"]["mean"].as_f64().context("the card has cv.roc_auc")?;
    let epochs = card["epochs"]
        .as_array()
        .context("a streamed card lists its epochs")?
        .iter()
        .filter_map(|e| e["rows_per_second"].as_f64())
        .collect();
    Ok(Scale { seconds, peak, epochs, auc, best, data: parquet })
}

/// `churn train` end to end: seconds, the CV ROC AUC from its card, and peak memory (bytes).
fn train(churn: &Path, data: &Path, target: &str, model: &str) -> Result<(f64, f64, f64)> {
    let out = target_dir()?.join(format!("bench-train-{model}"));
    let (card, seconds, peak) = measured(
        Command::new(churn)
            .args(["train", "--target", target, "--model", model, "--no-report", "--json", "--data"])
            .arg(data)
            .arg("--out")
            .arg(&out),
    )?;
    Ok((seconds, card["cv"]["roc_auc"]["mean"].as_f64().context("the card has cv.roc_auc")?, peak))
}

/// `churn train` on the demo's data (`cargo xtask up`'s), `reps` times: seconds and peak MB.
fn demo_training(churn: &Path, reps: usize) -> Result<(Vec<f64>, Vec<f64>)> {
    let dir = target_dir()?.join("bench-demo");
    std::fs::create_dir_all(&dir)?;
    let data = dir.join("customers.csv");
    let (rows, seed) = crate::up::DEMO;
    run_command(
        Command::new(churn)
            .args(["synth", "--rows", rows, "--seed", seed, "--with-truth", "--out"])
            .arg(&data),
    )?;
    let mut seconds = Vec::new();
    let mut peaks = Vec::new();
    for _ in 0..reps {
        let (_, s, peak) = measured(&mut train_synthetic(churn, &data, &dir.join("model")))?;
        seconds.push(s);
        peaks.push(peak / 1e6);
    }
    Ok((seconds, peaks))
}

/// `churn train --json` on a `churn synth` table: its `churned` target, without the true
/// probability it carries.
fn train_synthetic(churn: &Path, data: &Path, out: &Path) -> Command {
    let mut command = Command::new(churn);
    command.args(["train", "--target", "churned", "--drop", "true_churn_probability", "--json", "--data"]);
    command.arg(data).arg("--out").arg(out);
    command
}

/// Runs a `churn … --json` command: its JSON answer, its wall time in seconds, and its peak
/// resident memory in bytes (the kernel's VmHWM, read until it exits).
fn measured(command: &mut Command) -> Result<(Value, f64, f64)> {
    let started = std::time::Instant::now();
    let mut child =
        command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn()?;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0.0f64;
    while child.try_wait()?.is_none() {
        if let Ok(status) = std::fs::read_to_string(&status_file)
            && let Some(kb) = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))
        {
            peak = peak.max(kb.trim().trim_end_matches("kB").trim().parse::<f64>().unwrap_or(0.0) * 1024.0);
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let output = child.wait_with_output()?;
    let seconds = started.elapsed().as_secs_f64();
    if !output.status.success() {
        bail!("{command:?} failed:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    Ok((serde_json::from_slice(&output.stdout)?, seconds, peak))
}

/// The peers' virtual environment (bench/peers/requirements.txt).
fn venv() -> Result<PathBuf> {
    crate::tools::venv("bench-venv", &root().join("bench/peers/requirements.txt"))
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

fn show(value: f64, unit: &str) -> String {
    if value.is_nan() {
        return "–".into();
    }
    let number = if value >= 100_000.0 {
        format!("{:.0}k", value / 1000.0)
    } else if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.4}")
    };
    if unit.is_empty() { number } else { format!("{number} {unit}") }
}

fn print_table(rows: &[Row], opts: &Options) {
    if opts.quick {
        println!("\nSmoke run (--quick): tiny sizes, one short repetition; the figures mean nothing.");
    }
    println!(
        "\n{:<8} {:<62} {:>14} {:>14}  {:<28} {:>13}",
        "", "benchmark", "churn", "peer", "peer is", "× better¹"
    );
    for r in rows {
        let (peer_name, peer) = match &r.peer {
            Some((n, v)) => (n.as_str(), show(*v, r.unit)),
            None => ("", String::new()),
        };
        let ratio = match (r.ratio(), r.ratio_noise) {
            (Some(x), _) if r.difference => format!("{x:+.4}"),
            (Some(x), Some(n)) => format!("{x:.2} ±{:.0}%", n * 50.0),
            (Some(x), None) => format!("{x:.2}"),
            _ => String::new(),
        };
        let ours = match r.noise {
            Some(n) => format!("{} ±{:.0}%", show(r.ours, r.unit), n * 50.0),
            None => show(r.ours, r.unit),
        };
        println!(
            "{:<8} {:<62} {:>14} {:>14}  {:<28} {:>13}",
            r.section, r.what, ours, peer, peer_name, ratio
        );
    }
    println!(
        "¹ throughput ours ÷ theirs, time and size theirs ÷ ours (above 1: we are better); ROC AUC as a \
         difference. ± on a figure: half the interquartile range of the scorer's samples, half the \
         spread (max − min) of repeated load tests and training runs. ± on a ratio: the 95 % \
         confidence interval (Student's t) from the rounds made in turns with the peer (edge, \
         trainer), or half the sum of both interquartile ranges (scorer)."
    );
}

fn report(rows: &[Row], opts: &Options) -> Result<Value> {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())?;
    Ok(json!({
        "quick": opts.quick,
        "machine": { "cpu": cpu, "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0), "rustc": rustc },
        "connections": opts.connections,
        "seconds_per_load_test": opts.seconds,
        "rows": rows.iter().map(|r| json!({
            "section": r.section, "benchmark": r.what, "unit": r.unit, "ours": r.ours,
            "peer": r.peer.as_ref().map(|(n, _)| n), "peer_value": r.peer.as_ref().map(|(_, v)| v),
            "times_better": r.ratio(), "noise": r.noise, "ratio_noise": r.ratio_noise,
        })).collect::<Vec<_>>(),
    }))
}
