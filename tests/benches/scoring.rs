//! Scoring throughput of the scorer natively and of the browser module under wasmtime, from raw
//! named values to probabilities, with the ratio of the two. `cargo bench -p tests`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use scorer_wasm::{Model, Value};
use tests::{WebModule, encode_records, golden, golden_model, record_of, reference, web_module_path};

/// Median time per call over 15 samples, each long enough to be measured (≥ 20 ms).
fn measure(mut f: impl FnMut()) -> Duration {
    let mut iters = 1u32;
    loop {
        let t = Instant::now();
        for _ in 0..iters {
            f();
        }
        if t.elapsed() >= Duration::from_millis(20) {
            break;
        }
        iters *= 2;
    }
    let mut samples: Vec<Duration> = (0..15)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iters {
                f();
            }
            t.elapsed() / iters
        })
        .collect();
    samples.sort();
    samples[7]
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
    let csv = std::fs::read(reference("WA_Fn-UseC_-Telco-Customer-Churn.csv")).expect("Telco file");
    println!("{:<52} {:>11} {:>11} {:>8} {:>12}", "case", "native", "wasmtime", "ratio", "wasm rows/s");
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
        let cases: [(&str, Duration, Duration, f64); 3] = [
            (
                "one customer",
                measure(&mut native_one),
                measure(|| {
                    black_box(web.score_records(&one).unwrap());
                }),
                1.0,
            ),
            (
                "1000 customers in one call",
                measure(|| {
                    for _ in 0..1000 {
                        native_one();
                    }
                }),
                measure(|| {
                    black_box(web.score_records(&thousand).unwrap());
                }),
                1000.0,
            ),
            (
                "Telco CSV, 7043 rows (parse + score)",
                measure(|| {
                    black_box(scorer_wasm::api::score_csv(&model, &csv, 0, usize::MAX).unwrap());
                }),
                measure(|| {
                    black_box(web.score_csv(&csv).unwrap());
                }),
                7043.0,
            ),
        ];
        for (name, native, wasm, rows) in cases {
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
}
