//! `cargo xtask bench --soak MINUTES`: the release server under a mixed load for minutes, its
//! resident memory sampled every second.
//!
//! The components are built with the Telco logistic golden model and served by the release
//! `churn-serve` pinned to CPU 0. One wrk process per kind of request, all pinned to CPU 1, so
//! every answer is counted by kind and status (a wrk thread cannot tell which of its requests an
//! answer belongs to): valid single customers, JSON batches of 100, CSV and NDJSON batches, and
//! malformed JSON, wrong types, unknown fields, bodies nested 10,000 deep and bodies over the
//! 4 MiB limit. Each kind has one expected status.
//!
//! The report gives requests per second, answers by kind and status, transport errors, and the
//! resident memory: at the end of the first minute (warm-up: allocator pools and the instance
//! pool fill), at the end, and the least-squares slope after the first minute. The run fails on
//! any transport error, any 5xx, any unexpected status, or memory growth of 1 MB or more after
//! the first minute. Writes `target/soak.json`.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::bench_http::{bodies, start_ours};
use crate::util::{root, target_dir};

const ADDR: &str = "127.0.0.1:3918";

/// Memory growth after warm-up that fails the soak.
const GROWTH_LIMIT_MB: f64 = 1.0;

/// Counts every answer by status, across wrk's threads.
const LUA: &str = r#"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  counts = {}
  local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
  local body = f:read("*a")
  f:close()
  local headers = {}
  headers["Content-Type"] = os.getenv("CONTENT_TYPE")
  prepared = wrk.format("POST", os.getenv("REQUEST_PATH"), headers, body)
end
function request() return prepared end
function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    for status, n in pairs(c) do total[status] = (total[status] or 0) + n end
  end
  for status, n in pairs(total) do io.write(string.format("STATUS %d %d\n", status, n)) end
  io.write(string.format("RESULT requests=%d duration_us=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
end
"#;

/// One kind of request in the mix.
struct Kind {
    name: &'static str,
    path: &'static str,
    content_type: &'static str,
    body: Vec<u8>,
    expected: u16,
    connections: u32,
}

fn kinds() -> Result<Vec<Kind>> {
    let bodies = bodies()?;
    let one = serde_json::to_vec(&bodies[0].2)?;
    let batch = serde_json::to_vec(&bodies[1].2)?;
    let customers = bodies[1].2["customers"].as_array().context("a batch of customers")?.clone();
    let csv = crate::bench_http::csv(&customers);
    let ndjson: String = customers.iter().take(20).map(|c| c.to_string() + "\n").collect();
    let mut wrong = bodies[0].2.clone();
    wrong["customer"]["tenure"] = json!("five years");
    let mut unknown = bodies[0].2.clone();
    unknown["customer"]["tenur"] = json!(3);
    let deep = format!("{{\"customer\": {}1{}}}", "[".repeat(10_000), "]".repeat(10_000));
    let huge = format!("{{\"customers\": [{}]}}", vec![r#"{"tenure": 1}"#; 330_000].join(","));
    let kind = |name, path, content_type, body: Vec<u8>, expected, connections| Kind {
        name,
        path,
        content_type,
        body,
        expected,
        connections,
    };
    Ok(vec![
        kind("one customer", "/v1/score", "application/json", one.clone(), 200, 4),
        kind("explain", "/v1/explain", "application/json", one, 200, 2),
        kind("JSON batch of 100", "/v1/score", "application/json", batch, 200, 2),
        kind("CSV batch of 100", "/v1/score", "text/csv", csv.into_bytes(), 200, 2),
        kind("NDJSON batch of 20", "/v1/score", "application/x-ndjson", ndjson.into_bytes(), 200, 2),
        kind(
            "malformed JSON",
            "/v1/score",
            "application/json",
            b"{\"customer\": {\"tenure\": ".to_vec(),
            400,
            2,
        ),
        kind("wrong type", "/v1/score", "application/json", serde_json::to_vec(&wrong)?, 400, 2),
        kind("unknown field", "/v1/score", "application/json", serde_json::to_vec(&unknown)?, 400, 2),
        kind("nested 10,000 deep", "/v1/score", "application/json", deep.into_bytes(), 400, 1),
        kind("over 4 MiB", "/v1/score", "application/json", huge.into_bytes(), 413, 1),
    ])
}

/// What wrk reported for one kind.
struct Counted {
    statuses: Vec<(u16, u64)>,
    requests: u64,
    transport_errors: u64,
}

pub fn run(minutes: u32) -> Result<Value> {
    if minutes == 0 {
        bail!("--soak takes a number of minutes, at least 1");
    }
    crate::tools::require("bench --soak", &[crate::tools::System::Wrk])?;
    crate::build_edge::run(Some(root().join("tests/golden/telco-logistic.churn")), None)?;
    let server = start_ours(ADDR, false)?;
    let pid = server.id();
    let work = target_dir()?.join("soak");
    std::fs::create_dir_all(&work)?;
    let script = work.join("soak.lua");
    std::fs::write(&script, LUA)?;
    let kinds = kinds()?;
    let seconds = minutes * 60;
    eprintln!(
        "soak: {} kinds of request for {minutes} min against the release churn-serve (pid {pid}) on {ADDR}",
        kinds.len()
    );
    let mut running = Vec::new();
    for (i, k) in kinds.iter().enumerate() {
        let body = work.join(format!("body-{i}"));
        std::fs::write(&body, &k.body)?;
        let child = crate::bench_http::pinned("1", Path::new("wrk"))
            .args([
                "-t1",
                &format!("-c{}", k.connections),
                &format!("-d{seconds}s"),
                "--timeout",
                "10s",
                "-s",
            ])
            .arg(&script)
            .arg(format!("http://{ADDR}"))
            .env("BODY_FILE", &body)
            .env("CONTENT_TYPE", k.content_type)
            .env("REQUEST_PATH", k.path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting wrk")?;
        running.push(child);
    }
    // Resident memory once a second while the load runs.
    let started = Instant::now();
    let mut samples: Vec<(f64, f64)> = Vec::new();
    while started.elapsed() < Duration::from_secs(u64::from(seconds)) {
        std::thread::sleep(Duration::from_secs(1));
        if let Some(kb) = resident_kb(pid) {
            samples.push((started.elapsed().as_secs_f64(), kb as f64 / 1024.0));
        }
    }
    let mut counted = Vec::new();
    for child in running {
        let out = child.wait_with_output()?;
        counted.push(read_counts(&String::from_utf8_lossy(&out.stdout))?);
    }
    drop(server);
    report(&kinds, &counted, &samples, seconds)
}

fn resident_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn read_counts(text: &str) -> Result<Counted> {
    let mut statuses = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("STATUS ") {
            let mut words = rest.split_whitespace();
            let status = words.next().and_then(|w| w.parse().ok()).context("a status")?;
            let n = words.next().and_then(|w| w.parse().ok()).context("a count")?;
            statuses.push((status, n));
        }
    }
    statuses.sort();
    let line = text
        .lines()
        .find(|l| l.starts_with("RESULT "))
        .with_context(|| format!("wrk printed no result:\n{text}"))?;
    let field = |key: &str| -> Result<u64> {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("no {key} in {line}"))
    };
    Ok(Counted {
        statuses,
        requests: field("requests")?,
        transport_errors: field("connect")? + field("read")? + field("write")? + field("timeout")?,
    })
}

/// The least-squares slope of (seconds, MB), in MB a minute.
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    if points.len() < 2 {
        return 0.0;
    }
    let (mx, my) = (points.iter().map(|p| p.0).sum::<f64>() / n, points.iter().map(|p| p.1).sum::<f64>() / n);
    let sxy: f64 = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = points.iter().map(|(x, _)| (x - mx) * (x - mx)).sum();
    if sxx == 0.0 { 0.0 } else { sxy / sxx * 60.0 }
}

fn report(kinds: &[Kind], counted: &[Counted], samples: &[(f64, f64)], seconds: u32) -> Result<Value> {
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    let (mut total, mut transport, mut server_errors) = (0, 0, 0);
    eprintln!("\n| kind | expected | answers by status | transport errors | requests/s |");
    eprintln!("|---|---|---|---|---|");
    for (k, c) in kinds.iter().zip(counted) {
        let answered: u64 = c.statuses.iter().map(|s| s.1).sum();
        let shown: Vec<String> = c.statuses.iter().map(|(s, n)| format!("{s}: {n}")).collect();
        let rate = c.requests as f64 / f64::from(seconds);
        eprintln!(
            "| {} | {} | {} | {} | {rate:.0} |",
            k.name,
            k.expected,
            shown.join(", "),
            c.transport_errors
        );
        total += c.requests;
        transport += c.transport_errors;
        server_errors += c.statuses.iter().filter(|s| s.0 >= 500).map(|s| s.1).sum::<u64>();
        if c.statuses.iter().any(|s| s.0 != k.expected) {
            problems.push(format!("{}: expected {} only, got {}", k.name, k.expected, shown.join(", ")));
        }
        if answered == 0 {
            problems.push(format!("{}: no answers", k.name));
        }
        rows.push(json!({ "kind": k.name, "expected": k.expected, "requests": c.requests,
            "statuses": c.statuses.iter().map(|(s, n)| json!({ "status": s, "answers": n })).collect::<Vec<_>>(),
            "transport_errors": c.transport_errors, "requests_per_second": rate }));
    }
    if transport > 0 {
        problems.push(format!("{transport} transport errors"));
    }
    let warm: Vec<(f64, f64)> = samples.iter().copied().filter(|(t, _)| *t >= 60.0).collect();
    let at_minute = warm.first().map_or(f64::NAN, |s| s.1);
    let at_end = samples.last().map_or(f64::NAN, |s| s.1);
    let peak_after = warm.iter().map(|s| s.1).fold(f64::NAN, f64::max);
    let growth = peak_after - at_minute;
    let per_minute = slope(&warm);
    eprintln!(
        "\n{total} requests in {seconds} s: {:.0}/s; {transport} transport errors, {server_errors} 5xx",
        total as f64 / f64::from(seconds)
    );
    if warm.is_empty() {
        eprintln!("resident memory: {} samples, none after the first minute", samples.len());
        problems.push("no memory samples after the first minute (a soak needs more than 1 minute)".into());
    } else {
        eprintln!(
            "resident memory: {:.1} MB at 1 min, {at_end:.1} MB at the end, highest after 1 min {peak_after:.1} MB \
             (growth {growth:+.2} MB), slope {per_minute:+.3} MB/min over {} samples",
            at_minute,
            warm.len()
        );
        if growth >= GROWTH_LIMIT_MB {
            problems.push(format!(
                "resident memory grew {growth:.2} MB after the first minute (limit {GROWTH_LIMIT_MB} MB)"
            ));
        }
    }
    let out = json!({
        "seconds": seconds, "requests": total, "requests_per_second": total as f64 / f64::from(seconds),
        "transport_errors": transport, "server_errors": server_errors, "kinds": rows,
        "memory_mb": { "at_1_min": at_minute, "at_end": at_end, "highest_after_1_min": peak_after,
            "growth_after_1_min": growth, "slope_per_min": per_minute,
            "samples": samples.iter().map(|(t, m)| json!([t, m])).collect::<Vec<_>>() },
    });
    std::fs::write(target_dir()?.join("soak.json"), serde_json::to_string_pretty(&out)? + "\n")?;
    if !problems.is_empty() {
        bail!("the soak failed: {}", problems.join("; "));
    }
    Ok(out)
}
