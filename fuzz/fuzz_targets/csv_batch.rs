//! CSV bytes → batch scoring with the Telco golden models, one model and split between two. A
//! batch either fails with errors or scores every row it counts, to probabilities in [0, 1].
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use scorer_wasm::Model;
use scorer_wasm::api::{score_csv, score_csv_routed};

static LOGISTIC: LazyLock<Model> =
    LazyLock::new(|| Model::from_bytes(include_bytes!("../../tests/golden/telco-logistic.churn")).unwrap());
static MLP: LazyLock<Model> =
    LazyLock::new(|| Model::from_bytes(include_bytes!("../../tests/golden/telco-mlp.churn")).unwrap());

fuzz_target!(|bytes: &[u8]| {
    if let Ok(answer) = score_csv(&LOGISTIC, bytes, 3, 1000) {
        assert_eq!(answer.summary.rows, answer.rows.len() + answer.errors.len());
        for row in &answer.rows {
            assert!((0.0..=1.0).contains(&row.probability), "row {}: {}", row.row, row.probability);
        }
    }
    let route = |id: Option<&str>| id.map_or(0, |id| id.len() % 2);
    if let Ok(answer) = score_csv_routed(&LOGISTIC, &[&MLP], route, bytes, 0, 1000) {
        assert!(answer.rows.iter().all(|r| r.model <= 1));
    }
});
