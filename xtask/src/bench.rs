//! `cargo xtask bench [--quick] [--no-peers]`: every benchmark, side by side with the stack users
//! would pick instead, in one table (and `target/bench.json`).
//!
//! - **scorer**: one customer and the Telco CSV (7043 raw rows parsed and scored) natively and
//!   under wasmtime (`cargo bench -p tests --bench scoring`), and in headless Chromium through the
//!   web module (`bench/browser.mjs`); peers: scikit-learn's `predict_proba` and ONNX Runtime on
//!   the exported pipeline (`bench/peers/peers.py onnx`).
//! - **edge**: `POST /v1/score` with 1, 100 and 1000 customers under wrk, server pinned to CPU 0
//!   and wrk to CPU 1; peer: FastAPI + uvicorn serving the fitted scikit-learn pipeline.
//! - **trainer**: `churn train` end to end on Telco (logistic) and bank (MLP); peers:
//!   scikit-learn's logistic regression and MLP and LightGBM under the same protocol.
//! - **scale**: `churn train` on synthetic Parquet tables of `--scale-rows` customers: time, peak
//!   resident memory (VmHWM) and the CV ROC AUC against the ROC AUC of the true churn probability
//!   the synthetic data carries (the best any model can do on it).
//! - **sizes**: the web module raw and gzipped, the API component, the model file; peer: the
//!   ONNX export.
//!
//! Peers run from a virtual environment in the target directory, installed from PyPI on first use
//! with the versions pinned in `bench/peers/requirements.txt`. Every ratio is "how many times
//! better we are" (throughput ours/theirs, time theirs/ours). Load tests run `reps` times and
//! report the median with the spread (max − min over the median) as their noise.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::bench_http::{self, Measured};
use crate::util::{cargo, churn_binary, reference_data, root, run_command, target_dir};

const TELCO: &str = "WA_Fn-UseC_-Telco-Customer-Churn.csv";
const BANK: &str = "Churn_Modelling.csv";

pub struct Options {
    /// Tiny sizes and one short repetition: proves the harness works (CI), measures nothing.
    pub quick: bool,
    /// Synthetic table sizes for the scale rows (time, peak memory, AUC against the truth).
    pub scale_rows: Vec<u64>,
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

pub fn run(opts: &Options) -> Result<()> {
    let golden_model = root().join("tests/golden/telco-logistic.churn");
    crate::build_edge::run(Some(golden_model.clone()), None)?;
    let python = if opts.peers { Some(venv()?) } else { None };
    let telco = reference_data(TELCO)?;
    let bank = reference_data(BANK)?;
    let mut rows = Vec::new();

    // Peers' offline figures first, while nothing else runs.
    let onnx = match &python {
        Some(py) => Some(peers_json(py, &["onnx", "--data"], &telco, "Churn", &["customerID"], opts.quick)?),
        None => None,
    };

    // Scorer: native and wasmtime.
    let scoring = scorer_figures(opts.quick)?;
    let pick = |case: &str, key: &str| -> Result<f64> {
        scoring
            .iter()
            .find(|f| f["model"] == "telco-logistic" && f["case"] == case)
            .and_then(|f| f[key].as_f64())
            .with_context(|| format!("the scoring bench has no {case} / {key}"))
    };
    let one_native = pick("one customer", "native_seconds")?;
    let one_wasm = pick("one customer", "wasmtime_seconds")?;
    let csv_native = pick("Telco CSV, 7043 rows (parse + score)", "native_seconds")?;
    let csv_wasm = pick("Telco CSV, 7043 rows (parse + score)", "wasmtime_seconds")?;
    let peer = |key: &str| onnx.as_ref().and_then(|o| o[key].as_f64());
    let with_peer = |row: Row, name: &str, value: Option<f64>| match value {
        Some(v) => row.vs(name, v),
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
    rows.push(with_peer(one()?, "ONNX Runtime", peer("onnxruntime_one_seconds").map(|s| s * 1e9)));
    if onnx.is_some() {
        rows.push(with_peer(one()?, "scikit-learn", peer("sklearn_one_seconds").map(|s| s * 1e9)));
    }
    let wasm_one =
        Row::new("scorer", "one customer, wasmtime (the browser module)", one_wasm * 1e9, "ns", false);
    rows.push(noisy(wasm_one, "one customer", "wasmtime_spread")?);
    const CSV_CASE: &str = "Telco CSV, 7043 rows (parse + score)";
    let csv = || {
        let row =
            Row::new("scorer", "Telco CSV parsed + scored, native", 7043.0 / csv_native, "rows/s", true);
        noisy(row, CSV_CASE, "native_spread")
    };
    rows.push(with_peer(csv()?, "ONNX Runtime (typed arrays)", peer("onnxruntime_batch_rows_per_second")));
    if onnx.is_some() {
        rows.push(with_peer(csv()?, "scikit-learn (DataFrame)", peer("sklearn_batch_rows_per_second")));
    }
    let wasm_csv =
        Row::new("scorer", "Telco CSV parsed + scored, wasmtime", 7043.0 / csv_wasm, "rows/s", true);
    rows.push(noisy(wasm_csv, CSV_CASE, "wasmtime_spread")?);

    // Edge and browser: our server, then the peer's, never at the same time.
    let reps = if opts.quick { 1 } else { 3 };
    let seconds = if opts.quick { 1 } else { opts.seconds };
    let ours_addr = "127.0.0.1:3917";
    let (ours_http, browser) = {
        let _server = bench_http::start_ours(ours_addr, opts.quick)?;
        let browser = browser_figures(ours_addr, &telco, opts.quick)?;
        (load_all(ours_addr, reps, seconds, opts.connections)?, browser)
    };
    rows.push(Row::new(
        "scorer",
        "one customer, Chromium",
        browser["one_seconds"].as_f64().unwrap_or(f64::NAN) * 1e9,
        "ns",
        false,
    ));
    rows.push(Row::new(
        "scorer",
        "Telco CSV parsed + scored, Chromium",
        browser["csv_rows"].as_f64().unwrap_or(f64::NAN)
            / browser["csv_seconds"].as_f64().unwrap_or(f64::NAN),
        "rows/s",
        true,
    ));
    let peer_http = match &python {
        Some(py) => {
            let addr = "127.0.0.1:3918";
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
            let _server =
                bench_http::start_pinned(py, &args, addr, &target_dir()?.join("bench-fastapi.log"))?;
            Some(load_all(addr, reps, seconds, opts.connections)?)
        }
        None => None,
    };
    for (i, (m, noise)) in ours_http.iter().enumerate() {
        let peer = peer_http.as_ref().map(|p| &p[i].0);
        let mut rps =
            Row::new("edge", format!("{}: requests/s", m.name), m.requests_per_second, "req/s", true);
        rps.noise = Some(*noise);
        let mut p99 = Row::new("edge", format!("{}: p99 latency", m.name), m.p99_us, "µs", false);
        let mut p50 = Row::new("edge", format!("{}: p50 latency", m.name), m.p50_us, "µs", false);
        let p999 = Row::new("edge", format!("{}: p99.9 latency", m.name), m.p999_us, "µs", false);
        if let Some(p) = peer {
            rps = rps.vs("FastAPI + uvicorn", p.requests_per_second);
            p50 = p50.vs("FastAPI + uvicorn", p.p50_us);
            p99 = p99.vs("FastAPI + uvicorn", p.p99_us);
        }
        rows.extend([rps, p50, p99, p999]);
    }

    // Trainer, end to end, then the peers under the same protocol.
    let telco_train = train(&telco, "Churn", "logistic")?;
    // The smoke run leaves out the slowest fit.
    let bank_train = if opts.quick { None } else { Some(train(&bank, "Exited", "mlp")?) };
    let peer_fit = |data: &Path, target: &str, drop: &[&str]| -> Result<Option<Value>> {
        python
            .as_ref()
            .map(|py| peers_json(py, &["fit", "--data"], data, target, drop, opts.quick))
            .transpose()
    };
    let telco_peers = peer_fit(&telco, "Churn", &["customerID"])?;
    let bank_peers = match bank_train {
        Some(_) => peer_fit(&bank, "Exited", &["RowNumber", "CustomerId", "Surname"])?,
        None => None,
    };
    let mut trainings =
        vec![("Telco, logistic", telco_train, &telco_peers, ["sklearn_logistic", "lightgbm"])];
    if let Some(b) = bank_train {
        trainings.push(("bank, MLP", b, &bank_peers, ["sklearn_mlp", "lightgbm"]));
    }
    for (label, ours, peers, peer_names) in trainings {
        for name in peer_names {
            let peer = peers.as_ref().map(|p| &p[name]);
            let mut time =
                Row::new("trainer", format!("{label}: seconds (5-fold CV + fit)"), ours.0, "s", false);
            let mut auc = Row::new("trainer", format!("{label}: CV ROC AUC"), ours.1, "", true);
            auc.difference = true;
            if let Some(p) = peer {
                time = time.vs(name, p["seconds"].as_f64().unwrap_or(f64::NAN));
                auc = auc.vs(name, p["roc_auc"].as_f64().unwrap_or(f64::NAN));
            }
            rows.extend([time, auc]);
            if peers.is_none() {
                break;
            }
        }
    }

    // Scale: `churn train` on synthetic tables that carry their true churn probability.
    for &n in &opts.scale_rows {
        let (seconds, peak, auc, best) = scale(n)?;
        let label = format!("synthetic {n} rows (Parquet)");
        rows.push(Row::new("scale", format!("{label}: seconds, 5-fold CV + fit"), seconds, "s", false));
        rows.push(Row::new("scale", format!("{label}: peak memory"), peak / 1e6, "MB", false));
        let mut fit =
            Row::new("scale", format!("{label}: CV ROC AUC, against the true probability's"), auc, "", true)
                .vs("truth", best);
        fit.difference = true;
        rows.push(fit);
    }

    // Sizes.
    let module = std::fs::read(root().join(crate::build_wasm::MODULE))?;
    rows.push(Row::new("size", "web module", module.len() as f64 / 1024.0, "KB", false));
    rows.push(Row::new(
        "size",
        "web module, gzip",
        crate::build_wasm::gzip_len(&module)? as f64 / 1024.0,
        "KB",
        false,
    ));
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
    let out = target_dir()?.join("bench.json");
    std::fs::write(&out, serde_json::to_string_pretty(&report(&rows, opts)?)?)?;
    println!("\nWritten to {}", out.display());
    Ok(())
}

/// Our figures from the scoring bench (release build, or dev for `--quick`).
fn scorer_figures(quick: bool) -> Result<Vec<Value>> {
    let out = target_dir()?.join("bench-scoring.json");
    let mut command = Command::new(cargo());
    command.args(["bench", "--quiet", "-p", "tests", "--bench", "scoring"]).env("BENCH_JSON", &out);
    if quick {
        command.args(["--profile", "dev"]).env("BENCH_QUICK", "1");
    }
    run_command(&mut command)?;
    Ok(serde_json::from_str(&std::fs::read_to_string(&out)?)?)
}

/// Scoring in Chromium through the page our server serves.
fn browser_figures(addr: &str, telco: &Path, quick: bool) -> Result<Value> {
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
        .arg(telco)
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
fn load_all(addr: &str, reps: usize, seconds: u32, connections: u32) -> Result<Vec<(Measured, f64)>> {
    let mut out = Vec::new();
    for (name, n, body) in bench_http::bodies()? {
        let mut runs = Vec::new();
        for _ in 0..reps {
            runs.push(bench_http::wrk(addr, &name, n, &body, seconds, connections)?);
        }
        runs.sort_by(|a, b| a.requests_per_second.total_cmp(&b.requests_per_second));
        let lo = runs[0].requests_per_second;
        let hi = runs[runs.len() - 1].requests_per_second;
        let median = runs.swap_remove(runs.len() / 2);
        let noise = (hi - lo) / median.requests_per_second;
        out.push((median, noise));
    }
    Ok(out)
}

/// Trains on `n` synthetic customers written as Parquet: seconds, peak resident memory (bytes),
/// the CV ROC AUC, and the ROC AUC of the true churn probability on the same rows (the best any
/// model can reach on them).
fn scale(n: u64) -> Result<(f64, f64, f64, f64)> {
    let churn = churn_binary()?;
    let dir = target_dir()?.join("bench-scale");
    std::fs::create_dir_all(&dir)?;
    let parquet = dir.join(format!("synth-{n}.parquet"));
    let csv = dir.join(format!("synth-{n}.csv"));
    for file in [&parquet, &csv] {
        run_command(
            Command::new(&churn)
                .args(["synth", "--seed", "7", "--with-truth", "--rows", &n.to_string(), "--out"])
                .arg(file),
        )?;
    }
    let started = std::time::Instant::now();
    let mut child = Command::new(&churn)
        .args(["train", "--target", "churned", "--drop", "true_churn_probability", "--no-report", "--json"])
        .arg("--data")
        .arg(&parquet)
        .arg("--out")
        .arg(dir.join(format!("model-{n}")))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    // The kernel keeps the peak resident size (VmHWM); the last reading before exit is the peak.
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0.0f64;
    while child.try_wait()?.is_none() {
        if let Ok(status) = std::fs::read_to_string(&status_file)
            && let Some(kb) = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))
        {
            peak = peak.max(kb.trim().trim_end_matches("kB").trim().parse::<f64>().unwrap_or(0.0) * 1024.0);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let output = child.wait_with_output()?;
    let seconds = started.elapsed().as_secs_f64();
    if !output.status.success() {
        bail!("churn train on {} failed:\n{}", parquet.display(), String::from_utf8_lossy(&output.stderr));
    }
    let card: Value = serde_json::from_slice(&output.stdout)?;
    let auc = card["cv"]["roc_auc"]["mean"].as_f64().context("the card has cv.roc_auc")?;
    Ok((seconds, peak, auc, truth_auc(&csv)?))
}

/// ROC AUC of `true_churn_probability` against `churned` in a synthetic CSV.
fn truth_auc(csv: &Path) -> Result<f64> {
    let text = std::fs::read_to_string(csv)?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().context("empty synthetic file")?.split(',').collect();
    let column =
        |name: &str| header.iter().position(|h| *h == name).with_context(|| format!("no {name} column"));
    let (p, y) = (column("true_churn_probability")?, column("churned")?);
    let mut scored: Vec<(f64, bool)> = Vec::new();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        scored.push((cells[p].parse()?, cells[y] == "Yes"));
    }
    // Mann–Whitney with average ranks for ties.
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut rank_sum, mut positives, mut i) = (0.0, 0.0, 0);
    while i < scored.len() {
        let mut j = i;
        while j < scored.len() && scored[j].0 == scored[i].0 {
            j += 1;
        }
        let average = (i + j + 1) as f64 / 2.0;
        for s in &scored[i..j] {
            if s.1 {
                rank_sum += average;
                positives += 1.0;
            }
        }
        i = j;
    }
    let negatives = scored.len() as f64 - positives;
    Ok((rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives))
}

/// `churn train` end to end: seconds, and the CV ROC AUC from its card.
fn train(data: &Path, target: &str, model: &str) -> Result<(f64, f64)> {
    let churn = churn_binary()?;
    let out = target_dir()?.join(format!("bench-train-{model}"));
    let started = std::time::Instant::now();
    let output = Command::new(&churn)
        .args(["train", "--target", target, "--model", model, "--no-report", "--json", "--data"])
        .arg(data)
        .arg("--out")
        .arg(&out)
        .output()?;
    let seconds = started.elapsed().as_secs_f64();
    if !output.status.success() {
        bail!("churn train failed:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    let card: Value = serde_json::from_slice(&output.stdout)?;
    Ok((seconds, card["cv"]["roc_auc"]["mean"].as_f64().context("the card has cv.roc_auc")?))
}

/// The peers' virtual environment, created and filled from PyPI on first use.
fn venv() -> Result<PathBuf> {
    let dir = target_dir()?.join("bench-venv");
    let python = dir.join("bin/python");
    let requirements = root().join("bench/peers/requirements.txt");
    let wanted = std::fs::read_to_string(&requirements)?;
    let stamp = dir.join("requirements.installed");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) && python.exists() {
        return Ok(python);
    }
    eprintln!("installing the peers (bench/peers/requirements.txt) into {}", dir.display());
    run_command(Command::new("python3").args(["-m", "venv"]).arg(&dir))?;
    run_command(Command::new(&python).args(["-m", "pip", "install", "--quiet", "-r"]).arg(&requirements))?;
    std::fs::write(&stamp, wanted)?;
    Ok(python)
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
        "\n{:<8} {:<62} {:>14} {:>14}  {:<28} {:>9}",
        "", "benchmark", "churn", "peer", "peer is", "× better¹"
    );
    for r in rows {
        let (peer_name, peer) = match &r.peer {
            Some((n, v)) => (n.as_str(), show(*v, r.unit)),
            None => ("", String::new()),
        };
        let ratio = match r.ratio() {
            Some(x) if r.difference => format!("{x:+.4}"),
            Some(x) => format!("{x:.2}"),
            None => String::new(),
        };
        let ours = match r.noise {
            Some(n) => format!("{} ±{:.0}%", show(r.ours, r.unit), n * 50.0),
            None => show(r.ours, r.unit),
        };
        println!("{:<8} {:<62} {:>14} {:>14}  {:<28} {:>9}", r.section, r.what, ours, peer, peer_name, ratio);
    }
    println!(
        "¹ throughput ours ÷ theirs, time and size theirs ÷ ours (above 1: we are better); ROC AUC as a \
         difference. ± is half the interquartile range of the scorer's samples, half the spread of the \
         load-test repetitions."
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
            "times_better": r.ratio(), "noise": r.noise,
        })).collect::<Vec<_>>(),
    }))
}
