//! Scoring throughput of the scorer crate, from raw values to a probability.
//!
//! `cargo bench -p scorer-wasm`. Uses the committed golden models and the Telco reference file.

use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use scorer_wasm::{Csv, Model, Value};

fn golden(file: &str) -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/golden").join(file);
    Model::from_bytes(&std::fs::read(path).expect("golden model")).expect("loads")
}

fn telco_csv() -> Vec<u8> {
    let dir = std::env::var_os("CHURN_REFERENCE_DATA").map(PathBuf::from).unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|a| a.join("shared/data"))
            .find(|d| d.is_dir())
            .expect("shared/data beside the workspace")
    });
    std::fs::read(dir.join("WA_Fn-UseC_-Telco-Customer-Churn.csv")).expect("Telco file")
}

/// One typical Telco customer, as a JSON body would carry it.
const CUSTOMER: [(&str, Value<'static>); 19] = [
    ("gender", Value::Text("Female")),
    ("SeniorCitizen", Value::Number(0.0)),
    ("Partner", Value::Text("Yes")),
    ("Dependents", Value::Text("No")),
    ("tenure", Value::Number(12.0)),
    ("PhoneService", Value::Text("Yes")),
    ("MultipleLines", Value::Text("No")),
    ("InternetService", Value::Text("Fiber optic")),
    ("OnlineSecurity", Value::Text("No")),
    ("OnlineBackup", Value::Text("Yes")),
    ("DeviceProtection", Value::Text("No")),
    ("TechSupport", Value::Text("No")),
    ("StreamingTV", Value::Text("Yes")),
    ("StreamingMovies", Value::Text("No")),
    ("Contract", Value::Text("Month-to-month")),
    ("PaperlessBilling", Value::Text("Yes")),
    ("PaymentMethod", Value::Text("Electronic check")),
    ("MonthlyCharges", Value::Number(85.7)),
    ("TotalCharges", Value::Text("1023.5")),
];

fn single(c: &mut Criterion) {
    let mut group = c.benchmark_group("score one customer");
    group.throughput(Throughput::Elements(1));
    for file in ["telco-logistic.churn", "telco-mlp.churn"] {
        let model = golden(file);
        let mut row = Vec::new();
        model.record(CUSTOMER, &mut row).expect("customer fits the model");
        let mut scorer = model.scorer();
        group.bench_function(file, |b| b.iter(|| scorer.score(std::hint::black_box(&row)).expect("scores")));
    }
    group.finish();
}

fn batch(c: &mut Criterion) {
    let csv = telco_csv();
    let mut group = c.benchmark_group("score the Telco CSV (parse + encode + predict)");
    group.throughput(Throughput::Elements(7043));
    group.sample_size(20);
    for file in ["telco-logistic.churn", "telco-mlp.churn"] {
        let model = golden(file);
        group.bench_function(file, |b| {
            b.iter(|| {
                let mut reader = Csv::new(&csv).expect("valid CSV");
                let binding = model.bind_header(reader.header()).expect("header fits");
                let mut scorer = model.scorer();
                let mut sum = 0.0;
                while let Some(record) = reader.next_row().expect("valid row") {
                    let mut row = Vec::with_capacity(binding.slots().len());
                    binding.fill(record.fields().map(Value::from_cell), &mut row);
                    sum += scorer.score(&row).expect("scores").probability;
                }
                sum
            })
        });
    }
    group.finish();
}

criterion_group!(benches, single, batch);
criterion_main!(benches);
