//! The scorer, natively and under wasmtime (`cargo bench -p tests --bench scoring`): one customer,
//! and the Telco CSV parsed and scored; against ONNX Runtime and scikit-learn.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};
use serde_json::Value;

use super::{Bench, Row};
use crate::util::{cargo, run_command, target_dir};

/// The CSV case of the scoring bench.
const CSV_CASE: &str = "Telco CSV, 7043 rows (parse + score)";

pub(super) fn rows(bench: &mut Bench) -> Result<Vec<Row>> {
    let figures = Figures(scorer_figures(bench.opts.quick, bench.telco.as_deref())?);
    let mut rows = Vec::new();
    let one = || -> Result<Row> {
        let row = Row::new(
            "scorer",
            "one customer, native",
            figures.get("one customer", "native_seconds")? * 1e9,
            "ns",
            false,
        );
        Ok(row.noise(figures.get("one customer", "native_spread")?))
    };
    let ort_one = bench.onnx("onnxruntime_one_seconds").map(|s| s * 1e9);
    rows.push(with_peer(bench, one()?, "ONNX Runtime", ort_one, "onnxruntime_one_spread"));
    if bench.onnx.is_some() {
        let sklearn_one = bench.onnx("sklearn_one_seconds").map(|s| s * 1e9);
        rows.push(with_peer(bench, one()?, "scikit-learn", sklearn_one, "sklearn_one_spread"));
    }
    let one_wasm = figures.get("one customer", "wasmtime_seconds")? * 1e9;
    let wasm_one = Row::new("scorer", "one customer, wasmtime (the browser module)", one_wasm, "ns", false);
    rows.push(wasm_one.noise(figures.get("one customer", "wasmtime_spread")?));
    if bench.telco.is_none() {
        return Ok(rows);
    }
    let csv = || -> Result<Row> {
        let rate = 7043.0 / figures.get(CSV_CASE, "native_seconds")?;
        let row = Row::new("scorer", "Telco CSV parsed + scored, native", rate, "rows/s", true);
        Ok(row.noise(figures.get(CSV_CASE, "native_spread")?))
    };
    let ort_csv = bench.onnx("onnxruntime_batch_rows_per_second");
    rows.push(with_peer(bench, csv()?, "ONNX Runtime (typed arrays)", ort_csv, "onnxruntime_batch_spread"));
    if bench.onnx.is_some() {
        let sklearn_csv = bench.onnx("sklearn_batch_rows_per_second");
        rows.push(with_peer(bench, csv()?, "scikit-learn (DataFrame)", sklearn_csv, "sklearn_batch_spread"));
    }
    let rate = 7043.0 / figures.get(CSV_CASE, "wasmtime_seconds")?;
    let wasm_csv = Row::new("scorer", "Telco CSV parsed + scored, wasmtime", rate, "rows/s", true);
    rows.push(wasm_csv.noise(figures.get(CSV_CASE, "wasmtime_spread")?));
    Ok(rows)
}

/// A peer's figure with its spread; the ratio's spread is then ours plus theirs.
fn with_peer(bench: &Bench, row: Row, name: &str, value: Option<f64>, spread: &str) -> Row {
    match value {
        Some(v) => {
            let mut row = row.vs(name, v);
            row.ratio_noise = row.noise.zip(bench.onnx(spread)).map(|(a, b)| a + b);
            row
        }
        None => row,
    }
}

/// The scoring bench's answer: one object per model and case.
struct Figures(Vec<Value>);

impl Figures {
    fn get(&self, case: &str, key: &str) -> Result<f64> {
        self.0
            .iter()
            .find(|f| f["model"] == "telco-logistic" && f["case"] == case)
            .and_then(|f| f[key].as_f64())
            .with_context(|| format!("the scoring bench has no {case} / {key}"))
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
