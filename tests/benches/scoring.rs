//! Scoring throughput of the scorer natively and of the browser module under wasmtime, from raw
//! named values to probabilities, with the ratio of the two. `cargo bench -p tests`.
//!
//! `cargo xtask bench` runs it with `BENCH_JSON=FILE` (also write the figures as JSON) and, for
//! its smoke run, `BENCH_QUICK=1` (3 short samples instead of 15). The Telco CSV case reads
//! `BENCH_CSV`, else the reference Telco file; without either it is named as not run.

use std::hint::black_box;
use std::time::{Duration, Instant};

use scorer_wasm::{Model, Value};
use tests::{WebModule, encode_records, golden, golden_model, record_of, web_module_path};

fn quick() -> bool {
    std::env::var_os("BENCH_QUICK").is_some()
}

thread_local! {
    /// Interquartile range of the last `measure`'s samples over their median.
    static SPREAD: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
}

/// Median time per call over 15 samples, each long enough to be measured (≥ 20 ms).
fn measure(mut f: impl FnMut()) -> Duration {
    let (samples, least) =
        if quick() { (3, Duration::from_millis(2)) } else { (15, Duration::from_millis(20)) };
    let mut iters = 1u32;
    loop {
        let t = Instant::now();
        for _ in 0..iters {
            f();
        }
        if t.elapsed() >= least {
            break;
        }
        iters *= 2;
    }
    let mut samples: Vec<Duration> = (0..samples)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iters {
                f();
            }
            t.elapsed() / iters
        })
        .collect();
    samples.sort();
    let median = samples[samples.len() / 2];
    let iqr = samples[samples.len() * 3 / 4].as_secs_f64() - samples[samples.len() / 4].as_secs_f64();
    SPREAD.set(iqr / median.as_secs_f64());
    median
}

/// A median time and its relative spread.
type Measured = (Duration, f64);

/// A measurement and its spread.
fn measured(f: impl FnMut()) -> Measured {
    let d = measure(f);
    (d, SPREAD.get())
}

fn show(d: Duration) -> String {
    let ns = d.as_nanos() as f64;
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{:.2} ms", ns / 1e6)
    }
}

fn main() {
    let golden = golden();
    let compiled = WebModule::compile(&web_module_path()).expect("run `cargo xtask build-wasm` first");
    let csv = match std::env::var_os("BENCH_CSV") {
        Some(path) => Some(std::fs::read(&path).expect("BENCH_CSV names a readable file")),
        None => tests::reference_if_present("WA_Fn-UseC_-Telco-Customer-Churn.csv")
            .map(|p| std::fs::read(p).expect("the Telco file is readable")),
    };
    if csv.is_none() {
        println!("not run: the Telco CSV case (no BENCH_CSV, and the reference Telco file is missing)");
    }
    println!("{:<52} {:>11} {:>11} {:>8} {:>12}", "case", "native", "wasmtime", "ratio", "wasm rows/s");
    let mut figures = Vec::new();
    for file in ["telco-logistic.churn", "telco-mlp.churn"] {
        let bytes = golden_model(file);
        let model = Model::from_bytes(&bytes).unwrap();
        let m = golden["models"].as_array().unwrap().iter().find(|m| m["file"] == file).unwrap();
        let customer = m["cases"][0]["customer"].as_object().unwrap().clone();
        let record = record_of(&customer);
        let mut web = WebModule::instantiate(&compiled).unwrap();
        web.load(&bytes).unwrap().unwrap();

        let fields: Vec<(&str, Value<'_>)> = record
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    tests::Field::Missing => Value::Missing,
                    tests::Field::Number(x) => Value::Number(*x),
                    tests::Field::Text(s) => Value::Text(s),
                    tests::Field::Bool(b) => Value::Bool(*b),
                };
                (k.as_str(), v)
            })
            .collect();
        let mut scorer = model.scorer();
        let mut row = Vec::new();
        let mut native_one = || {
            model.record(fields.iter().copied(), &mut row).unwrap();
            black_box(scorer.score(&row).unwrap());
        };
        let one = encode_records(std::slice::from_ref(&record));
        let thousand = encode_records(&vec![record.clone(); 1000]);
        let mut cases: Vec<(&str, Measured, Measured, f64)> = vec![
            (
                "one customer",
                measured(&mut native_one),
                measured(|| {
                    black_box(web.score_records(&one).unwrap());
                }),
                1.0,
            ),
            (
                "1000 customers in one call",
                measured(|| {
                    for _ in 0..1000 {
                        native_one();
                    }
                }),
                measured(|| {
                    black_box(web.score_records(&thousand).unwrap());
                }),
                1000.0,
            ),
        ];
        if let Some(csv) = &csv {
            cases.push((
                "Telco CSV, 7043 rows (parse + score)",
                measured(|| {
                    black_box(scorer_wasm::api::score_csv(&model, csv, 0, usize::MAX).unwrap());
                }),
                measured(|| {
                    black_box(web.score_csv(csv).unwrap());
                }),
                7043.0,
            ));
        }
        for (name, (native, native_spread), (wasm, wasm_spread), rows) in cases {
            figures.push(serde_json::json!({
                "model": file.trim_end_matches(".churn"),
                "case": name,
                "rows": rows,
                "native_seconds": native.as_secs_f64(),
                "native_spread": native_spread,
                "wasmtime_seconds": wasm.as_secs_f64(),
                "wasmtime_spread": wasm_spread,
            }));
            println!(
                "{:<52} {:>11} {:>11} {:>7.2}x {:>12.0}",
                format!("{} / {name}", file.trim_end_matches(".churn")),
                show(native),
                show(wasm),
                wasm.as_secs_f64() / native.as_secs_f64(),
                rows / wasm.as_secs_f64()
            );
        }
    }
    if let Some(path) = std::env::var_os("BENCH_JSON") {
        std::fs::write(path, serde_json::to_string_pretty(&figures).unwrap()).expect("write BENCH_JSON");
    }
}
