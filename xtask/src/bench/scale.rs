//! `churn train` on synthetic Parquet tables of `--scale-rows` customers that carry their true
//! churn probability: streamed with `--stream --memory MB` (time, peak memory, rows per second of
//! each epoch, holdout ROC AUC against the truth's), and in memory with the default up to
//! [`IN_MEMORY_ROWS`].

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::trainer::{measured, train_synthetic};
use super::{Bench, Row};
use crate::util::target_dir;

/// Tables up to this many rows are also trained in memory (5-fold CV), beside `--stream`.
const IN_MEMORY_ROWS: u64 = 1_000_000;

/// What one streamed run measured.
struct Streamed {
    seconds: f64,
    /// Peak resident memory, bytes.
    peak: f64,
    /// Rows per second of each epoch.
    epochs: Vec<f64>,
    /// ROC AUC on the held-out rows.
    auc: f64,
}

pub(super) fn rows(bench: &mut Bench) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    let memory = bench.opts.scale_memory;
    for &n in &bench.opts.scale_rows {
        let (data, best) = table(&bench.churn, n)?;
        let run = streamed(&bench.churn, &data, n, memory)?;
        let label = format!("synthetic {n} rows, --stream --memory {memory}");
        rows.push(Row::new("scale", format!("{label}: seconds, end to end"), run.seconds, "s", false));
        rows.push(Row::new("scale", format!("{label}: peak memory"), run.peak / 1e6, "MB", false));
        let mean = run.epochs.iter().sum::<f64>() / run.epochs.len().max(1) as f64;
        let what = format!("{label}: training rows/s per epoch ({})", per_epoch(&run.epochs));
        rows.push(Row::new("scale", what, mean, "rows/s", true));
        let what = format!("{label}: holdout ROC AUC, against the true probability's");
        rows.push(Row::auc("scale", what, run.auc).vs("truth", best));
        if n <= IN_MEMORY_ROWS {
            rows.extend(in_memory(&bench.churn, &data, n, best)?);
        }
    }
    Ok(rows)
}

/// Each epoch's rows per second, or their range when there are many.
fn per_epoch(epochs: &[f64]) -> String {
    let k = |r: f64| format!("{:.0}k", r / 1e3);
    if epochs.len() <= 5 {
        return epochs.iter().map(|&r| k(r)).collect::<Vec<_>>().join(", ");
    }
    let lo = epochs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = epochs.iter().copied().fold(0.0, f64::max);
    format!("{} epochs, {}–{}", epochs.len(), k(lo), k(hi))
}

/// The synthetic table of `n` rows as Parquet, written once and reused (ten million rows take
/// minutes to write), and the ROC AUC of its true churn probability: the best any model can do.
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

/// `churn train --stream --memory MB` on the table.
fn streamed(churn: &Path, data: &Path, n: u64, memory_mb: u64) -> Result<Streamed> {
    let out = target_dir()?.join(format!("bench-scale/model-{n}"));
    let memory = memory_mb.to_string();
    let (card, seconds, peak) =
        measured(train_synthetic(churn, data, &out).args(["--stream", "--memory", &memory, "--no-report"]))?;
    let auc = card["cv"]["roc_auc"]["mean"].as_f64().context("the card has cv.roc_auc")?;
    let epochs = card["epochs"]
        .as_array()
        .context("a streamed card lists its epochs")?
        .iter()
        .filter_map(|e| e["rows_per_second"].as_f64())
        .collect();
    Ok(Streamed { seconds, peak, epochs, auc })
}

/// `churn train` in memory on the table of `n` rows: time, peak memory, CV ROC AUC.
fn in_memory(churn: &Path, data: &Path, n: u64, best: f64) -> Result<Vec<Row>> {
    let out = target_dir()?.join(format!("bench-scale/model-{n}-in-memory"));
    let (card, seconds, peak) = measured(train_synthetic(churn, data, &out).arg("--no-report"))?;
    let label = format!("synthetic {n} rows, in memory (5-fold CV + fit)");
    let auc = card["cv"]["roc_auc"]["mean"].as_f64().context("the card has cv.roc_auc")?;
    Ok(vec![
        Row::new("scale", format!("{label}: seconds, end to end"), seconds, "s", false),
        Row::new("scale", format!("{label}: peak memory"), peak / 1e6, "MB", false),
        Row::auc("scale", format!("{label}: CV ROC AUC, against the true probability's"), auc)
            .vs("truth", best),
    ])
}
