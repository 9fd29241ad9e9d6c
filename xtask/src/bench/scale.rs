//! The default at every size: `churn train` with no flags but the data and target, on synthetic
//! Parquet tables of `--scale-rows` customers that carry their true churn probability (the best
//! ROC AUC any model can reach on them), against `--model logistic` on the same table and against
//! LightGBM (300 trees) reading the same Parquet, in turns. Time end to end, peak resident memory,
//! and ROC AUC (cross-validated, or on the holdout when the table is streamed) against the
//! truth's. A table too large for memory is streamed by the default itself.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::stats::{confidence, median, spread};
use super::trainer::{measured, train_synthetic};
use super::{Bench, Row, peers_json};
use crate::util::target_dir;

/// The largest table LightGBM is given: pandas holds a table of this many rows in about 4 GB, and
/// 10⁷ would need about 20 GB beside our own run.
const PEER_ROWS: u64 = 2_000_000;

/// One size's runs, in turns: ours (seconds, ROC AUC, peak bytes, streamed) by recipe, and the peer's.
struct Runs {
    default: Vec<Run>,
    logistic: Vec<Run>,
    peer: Vec<Value>,
}

/// One `churn train` run.
struct Run {
    seconds: f64,
    auc: f64,
    peak: f64,
    streamed: bool,
}

pub(super) fn rows(bench: &mut Bench) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    for &n in &bench.opts.scale_rows {
        let (data, best) = table(&bench.churn, n)?;
        let reps = if bench.opts.quick || n >= 1_000_000 { 1 } else { 3 };
        let mut runs = Runs { default: Vec::new(), logistic: Vec::new(), peer: Vec::new() };
        for _ in 0..reps {
            runs.default.push(train(&bench.churn, &data, n, &[])?);
            runs.logistic.push(train(&bench.churn, &data, n, &["--model", "logistic"])?);
            if let Some(py) = bench.python.as_ref().filter(|_| n <= PEER_ROWS) {
                let args = ["fit", "--models", "lightgbm", "--data"];
                runs.peer.push(peers_json(
                    py,
                    &args,
                    &data,
                    "churned",
                    &["true_churn_probability"],
                    bench.opts.quick,
                )?);
            }
        }
        if bench.python.is_some() && n > PEER_ROWS {
            bench.left_out.push(format!(
                "scale: LightGBM on {n} rows (pandas would hold the table in about {} GB)",
                n / 500_000
            ));
        }
        rows.extend(size_rows(n, best, &runs));
    }
    Ok(rows)
}

/// The rows of one size.
fn size_rows(n: u64, best: f64, runs: &Runs) -> Vec<Row> {
    let how = if runs.default[0].streamed { "streamed, holdout" } else { "in memory, CV" };
    let label = format!("synthetic {n} rows, default ({how})");
    let seconds: Vec<f64> = runs.default.iter().map(|r| r.seconds).collect();
    let mut time = Row::new("scale", format!("{label}: seconds, end to end"), median(&seconds), "s", false)
        .noise(spread(&seconds));
    let mut auc = Row::auc("scale", format!("{label}: ROC AUC"), runs.default[0].auc);
    if !runs.peer.is_empty() {
        let theirs: Vec<f64> =
            runs.peer.iter().map(|p| p["lightgbm"]["seconds"].as_f64().unwrap_or(f64::NAN)).collect();
        time = time.vs("lightgbm", median(&theirs));
        let ratios: Vec<f64> = theirs.iter().zip(&seconds).map(|(t, o)| t / o).collect();
        time.ratio_noise = Some(confidence(&ratios));
        auc.what = format!("{label}: ROC AUC, against LightGBM's");
        auc = auc.vs("lightgbm", runs.peer[0]["lightgbm"]["roc_auc"].as_f64().unwrap_or(f64::NAN));
    }
    let peaks: Vec<f64> = runs.default.iter().map(|r| r.peak / 1e6).collect();
    let truth =
        Row::auc("scale", format!("{label}: ROC AUC, against the true probability's"), runs.default[0].auc)
            .vs("truth", best);
    // What choosing the recipe costs at this size: the default's time over a logistic fit's, run
    // by run (the two ran in turns).
    let ratios: Vec<f64> =
        runs.default.iter().zip(&runs.logistic).map(|(d, l)| d.seconds / l.seconds).collect();
    let what = format!("synthetic {n} rows: default seconds ÷ --model logistic seconds");
    let cost = Row::new("scale", what, median(&ratios), "×", false).noise(spread(&ratios));
    let logistic = Row::auc(
        "scale",
        format!("synthetic {n} rows, --model logistic: ROC AUC, against the default's"),
        runs.logistic[0].auc,
    )
    .vs("default", runs.default[0].auc);
    vec![
        time,
        Row::new("scale", format!("{label}: peak memory"), median(&peaks), "MB", false),
        auc,
        truth,
        cost,
        logistic,
    ]
}

/// The synthetic table of `n` rows as Parquet, written once and reused (ten million rows take
/// a quarter of a minute to write), and the ROC AUC of its true churn probability.
fn table(churn: &Path, n: u64) -> Result<(PathBuf, f64)> {
    let dir = target_dir()?.join("bench-scale");
    std::fs::create_dir_all(&dir)?;
    let parquet = dir.join(format!("synth-{n}.parquet"));
    // The summary with the truth's AUC, written after the table, says the table is complete.
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
    Ok((parquet, best))
}

/// `churn train` on the table with `flags` beyond the data, the target and the truth left out.
fn train(churn: &Path, data: &Path, n: u64, flags: &[&str]) -> Result<Run> {
    let name = if flags.is_empty() { "default" } else { "flags" };
    let out = target_dir()?.join(format!("bench-scale/model-{n}-{name}"));
    let (card, seconds, peak) = measured(train_synthetic(churn, data, &out).args(flags).arg("--no-report"))?;
    let auc = card["cv"]["roc_auc"]["mean"].as_f64().context("the card has cv.roc_auc")?;
    Ok(Run { seconds, auc, peak, streamed: card.get("streaming").is_some() })
}
