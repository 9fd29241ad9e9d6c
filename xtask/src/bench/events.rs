//! From an event log to a model: `churn train --events` with default flags on `churn synth
//! --events` (5,000 customers, 2.2 million events; 300 customers with `--quick`), against the
//! same snapshots and features written in pandas with LightGBM on them, grouped by customer in
//! the folds (`bench/peers/events.py`), in turns. Time end to end, peak resident memory, and ROC
//! AUC against the peer's and against the true probability's (the best any model can do).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::stats::{confidence, median, spread};
use super::trainer::measured;
use super::{Bench, Row};
use crate::util::{root, target_dir};

/// Customers of the synthetic log (its events: about 440 a customer).
const CUSTOMERS: u64 = 5_000;
const QUICK_CUSTOMERS: u64 = 300;

/// One `churn train --events` run: seconds, ROC AUC, peak bytes.
struct Run {
    seconds: f64,
    auc: f64,
    peak: f64,
}

pub(super) fn rows(bench: &mut Bench) -> Result<Vec<Row>> {
    let n = if bench.opts.quick { QUICK_CUSTOMERS } else { CUSTOMERS };
    let (dir, summary) = log(&bench.churn, n)?;
    let best = summary["true_probability_roc_auc"].as_f64().context("churn synth reports the truth's AUC")?;
    let events = summary["events"].as_u64().unwrap_or(0);
    let (mut ours, mut peer) = (Vec::new(), Vec::new());
    for _ in 0..if bench.opts.quick { 1 } else { 3 } {
        ours.push(train(&bench.churn, &dir)?);
        if let Some(py) = &bench.python {
            peer.push(pandas_lightgbm(py, &dir)?);
        }
    }
    let label = format!("event log, {n} customers, {:.1} million events", events as f64 / 1e6);
    let seconds: Vec<f64> = ours.iter().map(|r| r.seconds).collect();
    let what = format!("{label}: snapshot rows, features and default training, seconds");
    let mut time = Row::new("events", what, median(&seconds), "s", false).noise(spread(&seconds));
    let mut auc = Row::auc("events", format!("{label}: CV ROC AUC"), ours[0].auc);
    if !peer.is_empty() {
        let theirs: Vec<f64> = peer.iter().map(|p| p["seconds"].as_f64().unwrap_or(f64::NAN)).collect();
        time = time.vs("pandas + lightgbm", median(&theirs));
        let ratios: Vec<f64> = theirs.iter().zip(&seconds).map(|(t, o)| t / o).collect();
        time.ratio_noise = Some(confidence(&ratios));
        auc.what = format!("{label}: CV ROC AUC, against pandas + LightGBM's");
        auc = auc.vs("pandas + lightgbm", peer[0]["roc_auc"].as_f64().unwrap_or(f64::NAN));
    }
    let peaks: Vec<f64> = ours.iter().map(|r| r.peak / 1e6).collect();
    let truth =
        Row::auc("events", format!("{label}: CV ROC AUC, against the true probability's"), ours[0].auc)
            .vs("truth", best);
    Ok(vec![
        time,
        Row::new("events", format!("{label}: peak memory"), median(&peaks), "MB", false),
        auc,
        truth,
    ])
}

/// The synthetic log of `n` customers, written once and reused, and `churn synth`'s summary.
fn log(churn: &Path, n: u64) -> Result<(PathBuf, Value)> {
    let dir = target_dir()?.join(format!("bench-events/{n}"));
    // The summary, written after the files, says they are complete.
    let summary_file = dir.join("summary.json");
    if let Ok(bytes) = std::fs::read(&summary_file) {
        return Ok((dir, serde_json::from_slice(&bytes)?));
    }
    let output = Command::new(churn)
        .args(["synth", "--events", "--seed", "42", "--json", "--rows", &n.to_string(), "--out"])
        .arg(&dir)
        .output()?;
    if !output.status.success() {
        bail!("churn synth --events failed:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    std::fs::write(&summary_file, &output.stdout)?;
    Ok((dir, serde_json::from_slice(&output.stdout)?))
}

fn train(churn: &Path, dir: &Path) -> Result<Run> {
    let mut command = Command::new(churn);
    command.args(["train", "--json", "--no-report", "--events"]).arg(dir.join("events.csv"));
    command.arg("--customers").arg(dir.join("customers.csv")).arg("--out").arg(dir.join("model"));
    let (card, seconds, peak) = measured(&mut command)?;
    let auc = card["cv"]["roc_auc"]["mean"].as_f64().context("the card has cv.roc_auc")?;
    Ok(Run { seconds, auc, peak })
}

fn pandas_lightgbm(python: &Path, dir: &Path) -> Result<Value> {
    let output = Command::new(python)
        .arg(root().join("bench/peers/events.py"))
        .arg("--events")
        .arg(dir.join("events.csv"))
        .arg("--customers")
        .arg(dir.join("customers.csv"))
        .output()?;
    if !output.status.success() {
        bail!("bench/peers/events.py failed:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}
