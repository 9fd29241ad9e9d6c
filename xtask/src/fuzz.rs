//! `cargo xtask fuzz [--seconds N] [--target NAME]`: coverage-guided fuzzing (cargo-fuzz,
//! libFuzzer) of every decoder of untrusted bytes, the targets in `fuzz/fuzz_targets/`:
//! `model_file` (a model file loaded, scored, explained, described), `csv_batch` (CSV bytes
//! scored as a batch, by one model and split between two), `routes` (JSON, CSV and NDJSON bodies
//! through every route handler) and `what_if` (what-if changes).
//!
//! Seed corpora are written from the golden files (`tests/golden`) into the target directory,
//! where libFuzzer keeps what it finds for the next run. Targets run side by side, one per core,
//! for `--seconds` each. A crash fails the run and names the input libFuzzer saved; it then
//! belongs in a regression test (`edge-functions/churn-api/tests/fuzzed.rs`).
//!
//! cargo-fuzz builds with sanitizer coverage, which stable Rust accepts; it is installed with
//! `cargo install` on first use. AddressSanitizer is left off (`--sanitizer none`): every target
//! is safe Rust, where a bug shows as a panic, and ASan's checks of every memory access would buy
//! nothing but slower executions.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::util::{cargo, root, run_command, target_dir};

/// The fuzz targets, as `fuzz/Cargo.toml` names them.
pub const TARGETS: [&str; 4] = ["model_file", "csv_batch", "routes", "what_if"];

/// The cargo-fuzz release this project is fuzzed with.
const CARGO_FUZZ: &str = "0.13.2";

/// What one target did.
pub struct Outcome {
    pub target: &'static str,
    pub seconds: u32,
    pub executions: u64,
    pub per_second: u64,
    /// Coverage: the code edges reached, and libFuzzer's finer features.
    pub edges: u64,
    pub features: u64,
    pub corpus: u64,
}

pub fn run(seconds: u32, only: Option<&str>) -> Result<Vec<Outcome>> {
    let targets: Vec<&'static str> = match only {
        Some(name) => match TARGETS.iter().find(|t| **t == name) {
            Some(t) => vec![*t],
            None => bail!("no fuzz target {name}; the targets are {}", TARGETS.join(", ")),
        },
        None => TARGETS.to_vec(),
    };
    crate::tools::ensure_cargo_tool("fuzz", CARGO_FUZZ, "1 min")?;
    let dir = target_dir()?.join("fuzz");
    let build_dir = dir.join("build");
    eprintln!("building the fuzz targets (cargo fuzz build, release, sanitizer coverage)");
    run_command(fuzz_command(&build_dir).args(["build", "--sanitizer", "none"]))?;
    for target in &targets {
        seed(target, &dir.join("corpus").join(target))?;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut outcomes = Vec::new();
    for batch in targets.chunks(cores) {
        let mut running = Vec::new();
        for target in batch {
            let log = dir.join(format!("{target}.log"));
            let artifacts = dir.join("artifacts").join(target);
            std::fs::create_dir_all(&artifacts)?;
            eprintln!("fuzzing {target} for {seconds} s (log: {})", log.display());
            let child = fuzz_command(&build_dir)
                .args(["run", "--sanitizer", "none", target])
                .arg(dir.join("corpus").join(target))
                .arg("--")
                .arg(format!("-max_total_time={seconds}"))
                .args(["-print_final_stats=1", "-timeout=10", "-rss_limit_mb=2048", "-max_len=65536"])
                .arg(format!("-artifact_prefix={}/", artifacts.display()))
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log)?)
                .spawn()
                .with_context(|| format!("starting cargo fuzz run {target}"))?;
            running.push((*target, child, log, artifacts));
        }
        for (target, mut child, log, artifacts) in running {
            let status = child.wait()?;
            let text = std::fs::read_to_string(&log)?;
            if !status.success() {
                let saved = saved_inputs(&artifacts);
                bail!(
                    "fuzz target {target} failed ({status}); the input is in {}; make it a regression test. \
                     The end of {}:\n{}",
                    saved.join(", "),
                    log.display(),
                    tail(&text, 30)
                );
            }
            outcomes.push(read_outcome(target, seconds, &text)?);
        }
    }
    print_table(&outcomes);
    let report: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            json!({ "target": o.target, "seconds": o.seconds, "executions": o.executions,
                    "executions_per_second": o.per_second, "edges": o.edges, "features": o.features,
                    "corpus": o.corpus })
        })
        .collect();
    std::fs::write(dir.join("fuzz.json"), serde_json::to_string_pretty(&report)? + "\n")?;
    Ok(outcomes)
}

fn fuzz_command(build_dir: &Path) -> Command {
    let mut command = Command::new(cargo());
    command.arg("fuzz");
    command.current_dir(root());
    // Its own target directory: sanitizer coverage changes the flags of every crate.
    command.env("CARGO_TARGET_DIR", build_dir);
    crate::util::unlinted(&mut command);
    command
}

fn saved_inputs(artifacts: &Path) -> Vec<String> {
    let mut saved: Vec<String> = std::fs::read_dir(artifacts)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().display().to_string())
        .collect();
    saved.sort();
    if saved.is_empty() {
        saved.push("(none saved)".into());
    }
    saved
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Executions, speed and coverage from libFuzzer's last status line and final statistics.
fn read_outcome(target: &'static str, seconds: u32, log: &str) -> Result<Outcome> {
    let stat = |name: &str| -> Option<u64> {
        log.lines()
            .find_map(|l| l.strip_prefix(&format!("stat::{name}:")))
            .and_then(|v| v.trim().parse().ok())
    };
    let last = log
        .lines()
        .rev()
        .find(|l| l.starts_with('#') && l.contains("cov: "))
        .with_context(|| format!("{target}: libFuzzer printed no status line:\n{}", tail(log, 20)))?;
    let field = |name: &str| -> Option<u64> {
        let mut words = last.split_whitespace();
        words.find(|w| *w == name)?;
        let value = words.next()?;
        value.split('/').next()?.parse().ok()
    };
    Ok(Outcome {
        target,
        seconds,
        executions: stat("number_of_executed_units").context("no stat::number_of_executed_units")?,
        per_second: stat("average_exec_per_sec").context("no stat::average_exec_per_sec")?,
        edges: field("cov:").context("no cov: in the status line")?,
        features: field("ft:").context("no ft: in the status line")?,
        corpus: field("corp:").context("no corp: in the status line")?,
    })
}

fn print_table(outcomes: &[Outcome]) {
    eprintln!("\n| target | seconds | executions | exec/s | edges (cov) | features (ft) | corpus |");
    eprintln!("|---|---|---|---|---|---|---|");
    for o in outcomes {
        eprintln!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            o.target, o.seconds, o.executions, o.per_second, o.edges, o.features, o.corpus
        );
    }
    eprintln!("0 crashes.");
}

/// Writes a target's seed inputs from the golden files (libFuzzer adds its own beside them).
fn seed(target: &str, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let golden = root().join("tests/golden");
    let seeds: Vec<Vec<u8>> = match target {
        "model_file" => {
            // Each golden file whole (first byte even), and its payload alone (odd: the target
            // writes the header).
            let mut seeds = Vec::new();
            for path in golden_models(&golden)? {
                let file = std::fs::read(&path)?;
                let payload = file.get(scorer_wasm::artifact::HEADER_LEN..).unwrap_or_default();
                seeds.push([&[0u8][..], &file].concat());
                seeds.push([&[1u8][..], payload].concat());
            }
            seeds
        }
        "csv_batch" => {
            let customers = crate::bench_http::golden_customers()?;
            [1, 3, 20]
                .iter()
                .map(|&n| crate::bench_http::csv(&customers[..n.min(customers.len())]).into_bytes())
                .collect()
        }
        "routes" => {
            let customers = crate::bench_http::golden_customers()?;
            let c = &customers[0];
            let lines: String = customers.iter().take(3).map(|c| c.to_string() + "\n").collect();
            let with = |pick: u8, body: String| [vec![pick], body.into_bytes()].concat();
            vec![
                with(0, json!({ "customer": c }).to_string()),
                with(0, json!({ "customers": customers.iter().take(3).collect::<Vec<_>>() }).to_string()),
                with(1, crate::bench_http::csv(&customers[..3])),
                with(2, lines),
                with(3, json!({ "customer": c }).to_string()),
                with(
                    4,
                    json!({ "customer": c, "changes": [{ "Contract": "Two year" }, { "tenure": 60 }] })
                        .to_string(),
                ),
                with(6, String::new()),
                with(7, String::new()),
            ]
        }
        "what_if" => vec![
            br#"{"Contract": "Two year"}"#.to_vec(),
            br#"[{"tenure": 60, "TechSupport": "Yes"}, {"MonthlyCharges": null}, {}]"#.to_vec(),
        ],
        other => bail!("no seeds for fuzz target {other}"),
    };
    for bytes in seeds {
        let name = format!("seed-{:016x}", fnv(&bytes));
        std::fs::write(dir.join(name), bytes)?;
    }
    Ok(())
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

fn golden_models(golden: &Path) -> Result<Vec<PathBuf>> {
    let mut models: Vec<PathBuf> = std::fs::read_dir(golden)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "churn"))
        .collect();
    models.sort();
    Ok(models)
}
