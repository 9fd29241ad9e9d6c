//! The table: printed, written to `target/bench.json` (`bench-quick.json` for a smoke run, so
//! that CI's never replaces a real run's), and compared with the run before it.

use std::process::Command;

use anyhow::Result;
use serde_json::{Value, json};

use super::{Options, Row};
use crate::util::target_dir;

/// Prints the table and what did not run, writes it, and compares it with the previous run's,
/// which is kept beside it.
pub(super) fn finish(rows: &[Row], opts: &Options, not_run: &[String], left_out: &[String]) -> Result<()> {
    print_table(rows, opts);
    if !left_out.is_empty() {
        println!("\nLeft out on purpose:");
        for what in left_out {
            println!("  - {what}");
        }
    }
    if !not_run.is_empty() {
        println!(
            "\nNot run, for want of reference data ({}):",
            crate::reference::Reference::locate().advice()
        );
        for what in not_run {
            println!("  - {what}");
        }
    }
    let name = if opts.quick { "bench-quick" } else { "bench" };
    let out = target_dir()?.join(format!("{name}.json"));
    let this = report(rows, opts)?;
    let previous = target_dir()?.join(format!("{name}-previous.json"));
    if let Ok(bytes) = std::fs::read(&out)
        && let Ok(before) = serde_json::from_slice::<Value>(&bytes)
    {
        print_agreement(&before, &this);
        std::fs::write(&previous, bytes)?;
    }
    std::fs::write(&out, serde_json::to_string_pretty(&this)?)?;
    println!("\nWritten to {} (the run before: {})", out.display(), previous.display());
    Ok(())
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
