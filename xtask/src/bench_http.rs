//! `cargo xtask bench-http`: requests per second and latency of `POST /v1/score` on loopback.
//!
//! Starts the release build of the in-process host (`churn-serve`) pinned to CPU 0 and drives it with `wrk` pinned
//! to CPU 1 (on a 2-core machine the two would otherwise steal each other's time), for one
//! customer per request and for batches of 100 and 1000. `cargo xtask bench` uses the same
//! pieces for our server and for the FastAPI peer. A `done()` hook makes wrk report exact
//! percentiles; any non-2xx answer fails the run. Writes `target/bench-http.json`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::util::{CHURN_SERVE, Profile, built_binary, root, target_dir};

const LUA: &str = r#"
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = os.getenv("CONTENT_TYPE") or "application/json"
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d non2xx=%d socket_errors=%d p50=%d p99=%d p999=%d\n",
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
"#;

/// One measured scenario.
pub struct Measured {
    pub name: String,
    pub customers_per_request: usize,
    pub requests_per_second: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub p999_us: f64,
}

/// Kills the server when the run ends, however it ends.
pub struct Server(Child);

impl Server {
    /// The server's process id (taskset execs it, so the pinned program keeps the id).
    pub fn id(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn pinned(cpu: &str, program: &Path) -> Command {
    if Command::new("taskset").arg("--version").output().is_ok_and(|o| o.status.success()) {
        let mut c = Command::new("taskset");
        c.args(["-c", cpu]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn wait_healthy(addr: &str) -> Result<()> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(120) {
        if let Ok(mut s) = TcpStream::connect(addr) {
            let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            let mut reply = String::new();
            let _ = s.read_to_string(&mut reply);
            if reply.starts_with("HTTP/1.1 200") {
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    bail!("the server did not become healthy on {addr}")
}

/// Starts the in-process host (`churn-serve`) pinned to CPU 0 on `addr`, serving the components
/// as they are: its release build, or with `quick` the dev build the tests share (for smoke
/// runs, which measure nothing).
pub fn start_ours(addr: &str, quick: bool) -> Result<Server> {
    let profile = if quick { Profile::Dev } else { Profile::Release };
    let host = built_binary(CHURN_SERVE, profile)?;
    let manifest = root().join("spin.toml");
    let manifest = manifest.display().to_string();
    start_pinned(
        &host,
        &["--manifest", &manifest, "--addr", addr],
        addr,
        &target_dir()?.join("bench-http-server.log"),
    )
}

/// Starts any server command pinned to CPU 0 and waits until `addr` answers `/healthz`.
pub fn start_pinned(program: &Path, args: &[&str], addr: &str, log: &Path) -> Result<Server> {
    let server = Server(
        pinned("0", program)
            .args(args)
            .current_dir(root())
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(log)?)
            .spawn()
            .with_context(|| format!("starting {}", program.display()))?,
    );
    wait_healthy(addr)?;
    Ok(server)
}

/// The Telco logistic model's golden customers (`tests/golden/golden.json`).
pub fn golden_customers() -> Result<Vec<Value>> {
    let golden: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("tests/golden/golden.json"))?)?;
    let cases = golden["models"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["name"] == "telco-logistic"))
        .and_then(|m| m["cases"].as_array())
        .context("golden.json has the telco-logistic cases")?;
    let customers: Vec<Value> = cases.iter().map(|c| c["customer"].clone()).collect();
    if customers.is_empty() {
        bail!("golden.json: telco-logistic has no customers");
    }
    Ok(customers)
}

/// Customers as a CSV document, with the first one's keys as the header.
pub fn csv(customers: &[Value]) -> String {
    let header: Vec<&String> =
        customers.first().and_then(Value::as_object).map(|o| o.keys().collect()).unwrap_or_default();
    let quote = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = header.iter().map(|h| quote(h)).collect::<Vec<_>>().join(",") + "\n";
    for c in customers {
        let cells: Vec<String> = header
            .iter()
            .map(|h| match &c[h.as_str()] {
                Value::Null => String::new(),
                Value::String(s) => quote(s),
                other => other.to_string(),
            })
            .collect();
        out += &(cells.join(",") + "\n");
    }
    out
}

/// The golden Telco customers, and request bodies of 1, 100 and 1000 of them.
pub fn bodies() -> Result<Vec<(String, usize, Value)>> {
    let customers = golden_customers()?;
    let batch = |n: usize| -> Vec<Value> { customers.iter().cycle().take(n).cloned().collect() };
    Ok(vec![
        ("1 customer".to_string(), 1, json!({ "customer": customers[0] })),
        ("100 customers".to_string(), 100, json!({ "customers": batch(100) })),
        ("1000 customers".to_string(), 1000, json!({ "customers": batch(1000) })),
    ])
}

/// Drives `POST http://addr/v1/score` with `body` from wrk pinned to CPU 1.
pub fn wrk(
    addr: &str,
    name: &str,
    n: usize,
    body: &Value,
    seconds: u32,
    connections: u32,
) -> Result<Measured> {
    if Command::new("wrk").arg("--version").output().is_err() {
        bail!("wrk is not installed (Debian: apt-get install wrk)");
    }
    let work = target_dir()?.join("bench-http");
    std::fs::create_dir_all(&work)?;
    let script = work.join("post.lua");
    std::fs::write(&script, LUA)?;
    let body_file = work.join(format!("body-{n}.json"));
    std::fs::write(&body_file, serde_json::to_vec(body)?)?;
    eprintln!("wrk: {name} per request to {addr}, {connections} connections, {seconds} s");
    let out = pinned("1", Path::new("wrk"))
        .args(["-t1", &format!("-c{connections}"), &format!("-d{seconds}s"), "-s"])
        .arg(&script)
        .arg(format!("http://{addr}/v1/score"))
        .env("BODY_FILE", &body_file)
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("RESULT "))
        .with_context(|| format!("wrk printed no result:\n{text}"))?;
    let field = |key: &str| -> Result<f64> {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("no {key} in {line}"))
    };
    if field("non2xx")? > 0.0 || field("socket_errors")? > 0.0 {
        bail!("{name}: the server at {addr} answered errors: {line}");
    }
    Ok(Measured {
        name: name.to_string(),
        customers_per_request: n,
        requests_per_second: field("requests")? / (field("duration_us")? / 1e6),
        p50_us: field("p50")?,
        p99_us: field("p99")?,
        p999_us: field("p999")?,
    })
}

/// Runs the benchmark; `seconds` per scenario, `connections` concurrent keep-alive connections.
pub fn run(seconds: u32, connections: u32, build: bool) -> Result<Vec<Measured>> {
    if build {
        crate::build_edge::run(Some(root().join("tests/golden/telco-logistic.churn")), None)?;
    }
    let addr = "127.0.0.1:3917";
    let _server = start_ours(addr, false)?;
    let mut results = Vec::new();
    for (name, n, body) in bodies()? {
        results.push(wrk(addr, &name, n, &body, seconds, connections)?);
    }
    println!(
        "\nPOST /v1/score, server on CPU 0 (release build of churn-serve), wrk on CPU 1, {connections} connections"
    );
    println!(
        "{:<28} {:>11} {:>14} {:>10} {:>10} {:>10}",
        "scenario", "requests/s", "customers/s", "p50", "p99", "p99.9"
    );
    for m in &results {
        println!(
            "{:<28} {:>11.0} {:>14.0} {:>8.0}µs {:>8.0}µs {:>8.0}µs",
            m.name,
            m.requests_per_second,
            m.requests_per_second * m.customers_per_request as f64,
            m.p50_us,
            m.p99_us,
            m.p999_us
        );
    }
    let report: Vec<Value> = results.iter().map(Measured::to_json).collect();
    std::fs::write(target_dir()?.join("bench-http.json"), serde_json::to_string_pretty(&report)?)?;
    Ok(results)
}

impl Measured {
    pub fn to_json(&self) -> Value {
        json!({
            "scenario": self.name, "customers_per_request": self.customers_per_request,
            "requests_per_second": self.requests_per_second, "p50_us": self.p50_us, "p99_us": self.p99_us,
            "p999_us": self.p999_us,
        })
    }
}
