//! `churn train` end to end, and the peers under the same protocol, in turns: Telco (logistic,
//! and auto, the default) and bank (MLP, and auto) against scikit-learn and LightGBM, the same
//! defaults against LightGBM tuned by Optuna under the same nested protocol, what auto costs over
//! a logistic fit, and the demo's table.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::stats::{confidence, median, spread};
use super::{Bench, Row, peers_json};
use crate::util::{run_command, target_dir};

/// One training benchmark: our runs and the peers' answers, in turns.
struct Training<'a> {
    label: &'static str,
    /// Data, target, our model, the columns the peers drop.
    job: (&'a Path, &'static str, &'static str, &'static [&'static str]),
    peer_names: [&'static str; 2],
    /// Seconds, CV ROC AUC and peak memory (bytes) of each of our runs.
    ours: Vec<(f64, f64, f64)>,
    peers: Vec<Value>,
}

const TELCO_AUTO: &str = "Telco, auto (the default)";
const BANK_AUTO: &str = "bank, auto (the default)";

pub(super) fn rows(bench: &mut Bench) -> Result<Vec<Row>> {
    let reps = if bench.opts.quick { 1 } else { 3 };
    let (telco, bank) = (bench.telco.clone(), bench.bank.clone());
    let mut trainings = Vec::new();
    if let Some(telco) = &telco {
        let drop: &'static [&'static str] = &["customerID"];
        trainings.push(training(
            "Telco, logistic",
            (telco, "Churn", "logistic", drop),
            ["sklearn_logistic", "lightgbm"],
        ));
        trainings.push(training(
            TELCO_AUTO,
            (telco, "Churn", "auto", drop),
            ["lightgbm", "sklearn_logistic"],
        ));
    }
    // The smoke run leaves out the slowest fits.
    if let Some(bank) = bank.as_ref().filter(|_| !bench.opts.quick) {
        let drop: &'static [&'static str] = &["RowNumber", "CustomerId", "Surname"];
        trainings.push(training("bank, MLP", (bank, "Exited", "mlp", drop), ["sklearn_mlp", "lightgbm"]));
        trainings.push(training(BANK_AUTO, (bank, "Exited", "auto", drop), ["lightgbm", "sklearn_mlp"]));
    }
    run_in_turns(bench, &mut trainings, reps)?;
    let mut rows = tuned_rows(bench, &trainings)?;
    rows.extend(auto_cost_row(&trainings));
    for t in &trainings {
        rows.extend(training_rows(t));
    }
    rows.extend(demo_rows(&bench.churn, reps)?);
    Ok(rows)
}

fn training<'a>(
    label: &'static str,
    job: (&'a Path, &'static str, &'static str, &'static [&'static str]),
    peer_names: [&'static str; 2],
) -> Training<'a> {
    Training { label, job, peer_names, ours: Vec::new(), peers: Vec::new() }
}

/// `reps` rounds of every training, ours then the peers'. The peers fit each file once per
/// round; every training of that file compares with that fit.
fn run_in_turns(bench: &Bench, trainings: &mut [Training], reps: usize) -> Result<()> {
    for _ in 0..reps {
        let mut fitted: Vec<(&Path, Value)> = Vec::new();
        for t in trainings.iter_mut() {
            let (data, target, model, drop) = t.job;
            t.ours.push(train(&bench.churn, data, target, model)?);
            let peers = match (fitted.iter().find(|(d, _)| *d == data), &bench.python) {
                (Some((_, p)), _) => Some(p.clone()),
                (None, Some(py)) => {
                    Some(peers_json(py, &["fit", "--data"], data, target, drop, bench.opts.quick)?)
                }
                (None, None) => None,
            };
            if let Some(p) = peers {
                fitted.push((data, p.clone()));
                t.peers.push(p);
            }
        }
    }
    Ok(())
}

/// LightGBM tuned under the same nested protocol (Optuna, 50 trials; 1 on the smoke run), once
/// per file: against our default, which also chooses by nested cross-validation.
fn tuned_rows(bench: &Bench, trainings: &[Training]) -> Result<Vec<Row>> {
    let Some(py) = &bench.python else { return Ok(Vec::new()) };
    let trials = if bench.opts.quick { "1" } else { "50" };
    let mut rows = Vec::new();
    for label in [TELCO_AUTO, BANK_AUTO] {
        let Some(t) = trainings.iter().find(|t| t.label == label) else { continue };
        let (data, target, _, drop) = t.job;
        let tuned =
            peers_json(py, &["tune", "--trials", trials, "--data"], data, target, drop, bench.opts.quick)?;
        let theirs = &tuned["lightgbm_tuned"];
        let seconds: Vec<f64> = t.ours.iter().map(|o| o.0).collect();
        let name = format!("lightgbm_tuned ({trials} trials)");
        let auc = Row::auc("trainer", format!("{label}: CV ROC AUC, nested"), t.ours[0].1)
            .vs(name.clone(), theirs["roc_auc"].as_f64().unwrap_or(f64::NAN));
        let time = Row::new(
            "trainer",
            format!("{label}: seconds, nested search + fit"),
            median(&seconds),
            "s",
            false,
        )
        .vs(name, theirs["seconds"].as_f64().unwrap_or(f64::NAN))
        .noise(spread(&seconds));
        rows.extend([auc, time]);
    }
    Ok(rows)
}

/// What choosing the recipe costs: auto's time over logistic's on Telco, run by run (the two ran
/// in turns, so each ratio saw the same machine).
fn auto_cost_row(trainings: &[Training]) -> Option<Row> {
    let by_label = |label: &str| trainings.iter().find(|t| t.label == label);
    let (logistic, auto) = (by_label("Telco, logistic")?, by_label(TELCO_AUTO)?);
    let ratios: Vec<f64> = auto.ours.iter().zip(&logistic.ours).map(|(a, l)| a.0 / l.0).collect();
    let what = "Telco: --model auto seconds ÷ --model logistic seconds (budget 5×)";
    Some(Row::new("trainer", what, median(&ratios), "×", false).noise(spread(&ratios)))
}

/// Peak memory, then time and ROC AUC against each peer.
fn training_rows(t: &Training) -> Vec<Row> {
    let seconds: Vec<f64> = t.ours.iter().map(|o| o.0).collect();
    let peaks: Vec<f64> = t.ours.iter().map(|o| o.2 / 1e6).collect();
    let mut rows =
        vec![Row::new("trainer", format!("{}: peak memory", t.label), median(&peaks), "MB", false)];
    for name in t.peer_names {
        let what = format!("{}: seconds (5-fold CV + fit)", t.label);
        let mut time = Row::new("trainer", what, median(&seconds), "s", false).noise(spread(&seconds));
        let mut auc = Row::auc("trainer", format!("{}: CV ROC AUC", t.label), t.ours[0].1);
        if t.peers.is_empty() {
            rows.extend([time, auc]);
            break;
        }
        let theirs: Vec<f64> =
            t.peers.iter().map(|p| p[name]["seconds"].as_f64().unwrap_or(f64::NAN)).collect();
        time = time.vs(name, median(&theirs));
        let ratios: Vec<f64> = theirs.iter().zip(&seconds).map(|(t, o)| t / o).collect();
        time.ratio_noise = Some(confidence(&ratios));
        auc = auc.vs(name, t.peers[0][name]["roc_auc"].as_f64().unwrap_or(f64::NAN));
        rows.extend([time, auc]);
    }
    rows
}

/// The demo of `cargo xtask up`: 10,000 synthetic customers, trained as the demo trains them.
fn demo_rows(churn: &Path, reps: usize) -> Result<Vec<Row>> {
    let dir = target_dir()?.join("bench-demo");
    std::fs::create_dir_all(&dir)?;
    let data = dir.join("customers.csv");
    let (rows, seed) = crate::up::DEMO;
    run_command(
        Command::new(churn)
            .args(["synth", "--rows", rows, "--seed", seed, "--with-truth", "--out"])
            .arg(&data),
    )?;
    let (mut seconds, mut peaks) = (Vec::new(), Vec::new());
    for _ in 0..reps {
        let (_, s, peak) = measured(&mut train_synthetic(churn, &data, &dir.join("model")))?;
        seconds.push(s);
        peaks.push(peak / 1e6);
    }
    let what = "the demo's 10,000 rows, default (auto): seconds (nested CV + fit)";
    Ok(vec![
        Row::new("trainer", what, median(&seconds), "s", false).noise(spread(&seconds)),
        Row::new("trainer", "the demo's 10,000 rows: peak memory", median(&peaks), "MB", false),
    ])
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

/// `churn train --json` on a `churn synth` table: its `churned` target, without the true
/// probability it carries.
pub(super) fn train_synthetic(churn: &Path, data: &Path, out: &Path) -> Command {
    let mut command = Command::new(churn);
    command.args(["train", "--target", "churned", "--drop", "true_churn_probability", "--json", "--data"]);
    command.arg(data).arg("--out").arg(out);
    command
}

/// Runs a `churn … --json` command: its JSON answer, its wall time in seconds, and its peak
/// resident memory in bytes (the kernel's VmHWM, read until it exits).
pub(super) fn measured(command: &mut Command) -> Result<(Value, f64, f64)> {
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
