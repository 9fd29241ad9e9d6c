//! The page in Chromium and `POST /v1/score` under wrk, against FastAPI + uvicorn serving the
//! fitted scikit-learn pipeline. Both servers are up (idle, pinned to CPU 0) and load-tested in
//! turns, case by case, repetition by repetition: a machine that slows down during the run slows
//! both, and the ratios' spread shows what is left.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::stats::{confidence, median, spread};
use super::{Bench, Row};
use crate::bench_http::{self, Measured};
use crate::util::{root, target_dir};

const OURS: &str = "127.0.0.1:3917";
const PEER: &str = "127.0.0.1:3918";
const FASTAPI: &str = "FastAPI + uvicorn";

pub(super) fn rows(bench: &mut Bench) -> Result<Vec<Row>> {
    let opts = bench.opts;
    let _ours = bench_http::start_ours(OURS, opts.quick)?;
    let mut rows = browser_rows(bench.telco.as_deref(), opts.quick)?;
    let _peer = match (&bench.python, &bench.telco) {
        (Some(py), Some(telco)) => Some(start_fastapi(py, telco)?),
        _ => None,
    };
    let (reps, seconds) = if opts.quick { (1, 1) } else { (5, opts.seconds) };
    let cases = bench_http::bodies()?;
    let mut ours: Vec<Vec<Measured>> = cases.iter().map(|_| Vec::new()).collect();
    let mut peer: Vec<Vec<Measured>> = cases.iter().map(|_| Vec::new()).collect();
    for _ in 0..reps {
        for (i, (name, n, body)) in cases.iter().enumerate() {
            ours[i].push(bench_http::wrk(OURS, name, *n, body, seconds, opts.connections)?);
            if _peer.is_some() {
                peer[i].push(bench_http::wrk(PEER, name, *n, body, seconds, opts.connections)?);
            }
        }
    }
    for (ours, peer) in ours.iter().zip(&peer) {
        rows.extend(load_rows(ours, peer));
    }
    Ok(rows)
}

/// The FastAPI peer, fitted on the Telco file, pinned like our server.
fn start_fastapi(python: &Path, telco: &Path) -> Result<bench_http::Server> {
    let script = root().join("bench/peers/peers.py").display().to_string();
    let telco = telco.display().to_string();
    let args: [&str; 10] =
        [&script, "serve", "--data", &telco, "--target", "Churn", "--drop", "customerID", "--port", "3918"];
    bench_http::start_pinned(python, &args, PEER, &target_dir()?.join("bench-fastapi.log"))
}

/// The rows of one load case: requests per second and latencies, ours against the peer's.
fn load_rows(ours: &[Measured], peer: &[Measured]) -> Vec<Row> {
    let name = &ours[0].name;
    let series = |runs: &[Measured], f: fn(&Measured) -> f64| runs.iter().map(f).collect::<Vec<f64>>();
    let row = |what: &str, f: fn(&Measured) -> f64, unit: &'static str, higher: bool| {
        let mine = series(ours, f);
        let mut row =
            Row::new("edge", format!("{name}: {what}"), median(&mine), unit, higher).noise(spread(&mine));
        if !peer.is_empty() {
            let theirs = series(peer, f);
            row = row.vs(FASTAPI, median(&theirs));
            let ratios: Vec<f64> =
                mine.iter().zip(&theirs).map(|(m, t)| if higher { m / t } else { t / m }).collect();
            row.ratio_noise = Some(confidence(&ratios));
        }
        row
    };
    vec![
        row("requests/s", |m| m.requests_per_second, "req/s", true),
        row("p50 latency", |m| m.p50_us, "µs", false),
        row("p99 latency", |m| m.p99_us, "µs", false),
        row("p99.9 latency", |m| m.p999_us, "µs", false),
    ]
}

/// One customer, and the Telco CSV when it is given, scored in Chromium through the page our
/// server serves.
fn browser_rows(telco: Option<&Path>, quick: bool) -> Result<Vec<Row>> {
    let figures = browser_figures(OURS, telco, quick)?;
    let number = |key: &str| figures[key].as_f64().unwrap_or(f64::NAN);
    let mut rows =
        vec![Row::new("scorer", "one customer, Chromium", number("one_seconds") * 1e9, "ns", false)];
    if telco.is_some() {
        let rate = number("csv_rows") / number("csv_seconds");
        rows.push(Row::new("scorer", "Telco CSV parsed + scored, Chromium", rate, "rows/s", true));
    }
    Ok(rows)
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
