//! `cargo xtask schemathesis [--model FILE] [--examples N] [--seed N]`: Schemathesis, the
//! OpenAPI-driven fuzzer, against the served app with the document the app generates for its
//! model (`GET /v1/openapi.json`), every check and every phase.
//!
//! Builds the components with the model, starts `churn-serve` on a port of its own, fetches the
//! document, and runs Schemathesis (pinned in `tests/schemathesis/requirements.txt`, in a virtual
//! environment in the target directory) with the project's serialisers for NDJSON and CSV
//! (`tests/schemathesis/hooks.py`). Any failure, error or 5xx fails the run, and so does a POST
//! operation that got fewer than `--examples` cases: a fuzzer that tested little must not pass
//! as one that found nothing. Writes its JSON report to `target/schemathesis-<model id>.json`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::util::{CHURN_SERVE, Profile, Steps, built_binary, churn_binary, root, run_command, target_dir};

/// Where the app listens during the run.
const ADDR: &str = "127.0.0.1:3917";

/// Cases per operation by default, and the seed.
pub const EXAMPLES: u32 = 500;
pub const SEED: u64 = 20261202;

pub struct Options {
    pub model: Option<PathBuf>,
    pub examples: u32,
    pub seed: u64,
    /// The host's profile: the dev build the tests share, or the release build users run.
    pub profile: Profile,
}

pub fn run(options: &Options) -> Result<()> {
    let mut steps = Steps::default();
    run_steps(&mut steps, options)?;
    steps.summary("cargo xtask schemathesis, its steps:");
    Ok(())
}

pub fn run_steps(steps: &mut Steps, options: &Options) -> Result<()> {
    crate::tools::require("schemathesis", &[crate::tools::System::Python])?;
    let built = crate::build_edge::run_steps(steps, options.model.clone(), None)?;
    steps.next("Schemathesis (tests/schemathesis/requirements.txt, installed once)");
    let python =
        crate::tools::venv("schemathesis-venv", &root().join("tests/schemathesis/requirements.txt"))?;
    let schemathesis = python.with_file_name("schemathesis");
    let host = built_binary(CHURN_SERVE, options.profile)?;
    steps.next(&format!(
        "Schemathesis against the app serving model {}: all checks, all phases, {} cases per operation",
        built.model_id, options.examples
    ));
    let manifest = root().join("spin.toml").display().to_string();
    let dir = target_dir()?;
    let _server = crate::bench_http::start_pinned(
        &host,
        &["--manifest", &manifest, "--addr", ADDR],
        ADDR,
        &dir.join("schemathesis-server.log"),
    )?;
    let (status, document) = get(ADDR, "/v1/openapi.json")?;
    if status != 200 {
        bail!("GET /v1/openapi.json answered {status}: {document}");
    }
    let document_file = dir.join(format!("openapi-{}.json", built.model_id));
    std::fs::write(&document_file, &document)?;
    let report = dir.join(format!("schemathesis-{}.json", built.model_id));
    let events = dir.join(format!("schemathesis-{}.ndjson", built.model_id));
    let _ = std::fs::remove_file(&report);
    let _ = std::fs::remove_file(&events);
    let examples = options.examples.to_string();
    let seed = options.seed.to_string();
    let mut command = Command::new(&schemathesis);
    command
        .arg("run")
        .arg(&document_file)
        .args(["--url", &format!("http://{ADDR}")])
        .args(["--checks", "all", "--phases", "examples,coverage,fuzzing,stateful"])
        .args(["--max-examples", &examples, "--seed", &seed, "--no-color"])
        .args(["--generation-database", "none", "--report", "json,ndjson", "--report-json-path"])
        .arg(&report)
        .arg("--report-ndjson-path")
        .arg(&events)
        .env("SCHEMATHESIS_HOOKS", "hooks")
        .env("PYTHONPATH", root().join("tests/schemathesis"))
        .current_dir(&dir);
    let outcome = run_command(&mut command);
    let summary = summarise(&report, &events, options.examples);
    match (outcome, summary) {
        (Ok(()), Ok(lines)) => {
            for line in lines {
                eprintln!("{line}");
            }
            Ok(())
        }
        (Err(e), _) => Err(e.context(format!(
            "Schemathesis found problems with model {} (report: {})",
            built.model_id,
            report.display()
        ))),
        (Ok(()), Err(e)) => Err(e),
    }
}

/// Totals from the report, and cases per operation from its events (every scenario records the
/// cases it sent, positive and negative), checked against the number asked for.
fn summarise(report: &Path, events: &Path, examples: u32) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(report).with_context(|| format!("reading {}", report.display()))?;
    let report: Value = serde_json::from_str(&text)?;
    let cases = &report["test_cases"];
    let mut lines = vec![format!(
        "schemathesis: {} cases, {} with failures, {} errored; {} errors",
        cases["generated"],
        cases["with_failures"],
        cases["errored"],
        report["errors"].as_array().map_or(0, Vec::len)
    )];
    if cases["with_failures"] != 0
        || cases["errored"] != 0
        || report["errors"].as_array().is_some_and(|e| !e.is_empty())
    {
        bail!("{}: failures or errors although Schemathesis exited 0", lines[0]);
    }
    let mut per_operation: std::collections::BTreeMap<String, usize> = Default::default();
    let text = std::fs::read_to_string(events).with_context(|| format!("reading {}", events.display()))?;
    for line in text.lines() {
        let event: Value = serde_json::from_str(line)?;
        let recorder = &event["ScenarioFinished"]["recorder"];
        if let (Some(label), Some(cases)) = (recorder["label"].as_str(), recorder["cases"].as_object()) {
            *per_operation.entry(label.to_string()).or_default() += cases.len();
        }
    }
    if per_operation.is_empty() {
        bail!("{} records no test cases", events.display());
    }
    let mut short = Vec::new();
    for (operation, count) in &per_operation {
        lines.push(format!("  {operation}: {count} cases"));
        if operation.starts_with("POST") && *count < examples as usize {
            short.push(format!("{operation} ({count})"));
        }
    }
    if !short.is_empty() {
        bail!("Schemathesis tested too little: {} below {examples} cases", short.join(", "));
    }
    Ok(lines)
}

/// A GET on loopback: the status and the body.
fn get(addr: &str, path: &str) -> Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr).with_context(|| format!("connecting to {addr}"))?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    let reply = String::from_utf8(reply).context("the answer is not UTF-8")?;
    let (head, body) = reply.split_once("\r\n\r\n").context("the answer has no end of headers")?;
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).context("no status line")?;
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    Ok((status, if chunked { dechunk(body)? } else { body.to_string() }))
}

fn dechunk(mut body: &str) -> Result<String> {
    let mut out = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n").context("a chunk without its size")?;
        let size = usize::from_str_radix(size.trim(), 16).context("a chunk size that is not hex")?;
        if size == 0 {
            return Ok(out);
        }
        out.push_str(rest.get(..size).context("a chunk shorter than its size")?);
        body = rest.get(size + 2..).context("a chunk without its line end")?;
    }
}

/// The demo model as `cargo xtask up` trains it, in the target directory: for the runs of
/// `cargo xtask test`, which must not touch the user's demo/ or models/.
pub fn demo_model(steps: &mut Steps) -> Result<PathBuf> {
    steps.next("the demo model, trained as cargo xtask up trains it (in the target directory)");
    let churn = churn_binary()?;
    let dir = target_dir()?.join("schemathesis-demo");
    std::fs::create_dir_all(&dir)?;
    let data = dir.join("customers.csv");
    let (rows, seed) = crate::up::DEMO;
    run_command(
        Command::new(&churn)
            .args(["synth", "--rows", rows, "--seed", seed, "--with-truth", "--out"])
            .arg(&data),
    )?;
    run_command(
        Command::new(&churn)
            .args(crate::up::DEMO_TRAIN)
            .args(["--no-report", "--data"])
            .arg(&data)
            .arg("--out")
            .arg(dir.join("model")),
    )?;
    Ok(dir.join("model/model.churn"))
}
