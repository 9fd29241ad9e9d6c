//! Integration tests of the scorer crate.

mod artifact; // corrupt, truncated and future model files are errors, never panics or scores
mod explain; // contributions add up to the logit for logistic and MLP models
mod golden; // the committed golden vectors, scored natively: exactly equal
mod input; // records and tables: unknown, missing, duplicate and malformed fields
mod interactions; // interaction terms: products, refused terms, split explanations; format 2 files

use std::path::{Path, PathBuf};

use scorer_wasm::Model;

/// `tests/golden/` at the workspace root.
pub fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/golden")
}

pub fn golden_model(file: &str) -> (Model, Vec<u8>) {
    let bytes = std::fs::read(golden_dir().join(file)).expect("golden model exists");
    (Model::from_bytes(&bytes).expect("golden model loads"), bytes)
}

/// The file names of every golden model, in order.
pub fn golden_files() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(golden_dir())
        .expect("tests/golden exists")
        .map(|e| e.expect("tests/golden lists").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".churn"))
        .collect();
    files.sort();
    assert!(files.len() >= 6, "the golden models: {files:?}");
    files
}

pub fn golden() -> serde_json::Value {
    let text = std::fs::read_to_string(golden_dir().join("golden.json")).expect("golden.json exists");
    serde_json::from_str(&text).expect("golden.json is JSON")
}

/// A JSON customer as the scorer's raw values.
pub fn values(customer: &serde_json::Map<String, serde_json::Value>) -> Vec<(&str, scorer_wasm::Value<'_>)> {
    customer
        .iter()
        .map(|(k, v)| {
            let value = match v {
                serde_json::Value::Null => scorer_wasm::Value::Missing,
                serde_json::Value::Bool(b) => scorer_wasm::Value::Bool(*b),
                serde_json::Value::Number(n) => scorer_wasm::Value::Number(n.as_f64().unwrap()),
                serde_json::Value::String(s) => scorer_wasm::Value::Text(s),
                other => panic!("golden customers hold scalars, found {other}"),
            };
            (k.as_str(), value)
        })
        .collect()
}
