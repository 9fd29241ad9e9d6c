//! Sizes: the web module with the Telco logistic and MLP models inside, raw and gzipped, the API
//! component, and the model file against the ONNX export of the same pipeline.

use anyhow::Result;

use super::{Bench, GOLDEN_MODEL, Row};
use crate::util::root;

pub(super) fn rows(bench: &mut Bench) -> Result<Vec<Row>> {
    let kb = |bytes: usize| bytes as f64 / 1024.0;
    let [with_mlp, with_logistic] = &bench.modules;
    let mut rows = vec![
        Row::new("size", "web module, Telco logistic inside", kb(with_logistic.raw), "KB", false),
        Row::new("size", "web module, Telco logistic inside, gzip", kb(with_logistic.gzip), "KB", false),
        Row::new("size", "web module, Telco MLP inside", kb(with_mlp.raw), "KB", false),
        Row::new("size", "web module, Telco MLP inside, gzip", kb(with_mlp.gzip), "KB", false),
    ];
    let api = std::fs::metadata(root().join("edge-functions/build/churn_api.wasm"))?.len();
    rows.push(Row::new("size", "API component", kb(api as usize), "KB", false));
    let artifact = kb(std::fs::metadata(root().join(GOLDEN_MODEL))?.len() as usize);
    let what = "Telco logistic model file (with card, calibration, drift reference)";
    let mut row = Row::new("size", what, artifact, "KB", false);
    if let Some(onnx) = bench.onnx("onnx_bytes") {
        row = row.vs("ONNX export (model only)", onnx / 1024.0);
    }
    rows.push(row);
    Ok(rows)
}
