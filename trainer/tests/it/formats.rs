//! One table exported as CSV, Parquet and NDJSON trains the same model.

use crate::{card, churn, train_churned};

#[test]
fn csv_parquet_and_ndjson_agree() {
    let dir = tempfile::tempdir().unwrap();
    let mut cards = Vec::new();
    for ext in ["csv", "parquet", "ndjson"] {
        let data = dir.path().join(format!("customers.{ext}")).display().to_string();
        assert_eq!(churn(&["synth", "--rows", "2000", "--seed", "11", "--out", &data]).0, 0);
        let out = dir.path().join(ext);
        let (code, _, stderr) = train_churned(&data, &out.display().to_string(), &["--json"]);
        assert_eq!(code, 0, "{stderr}");
        cards.push(card(&out));
    }
    for c in &cards[1..] {
        assert_eq!(c["cv"], cards[0]["cv"]);
        assert_eq!(c["features"], cards[0]["features"]);
        assert_eq!(c["threshold"], cards[0]["threshold"]);
    }
    let roles: Vec<(String, String)> = cards[0]["data"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_string(), c["role"].as_str().unwrap().to_string()))
        .collect();
    let role = |name: &str| roles.iter().find(|(n, _)| n == name).map(|(_, r)| r.as_str()).unwrap();
    assert_eq!(role("customer_id"), "identifier");
    assert_eq!(role("signup_date"), "date");
    assert_eq!(role("total_charges"), "numeric");
    assert_eq!(role("partner"), "boolean");
    assert_eq!(role("contract"), "categorical");
    assert_eq!(role("churned"), "target");
}
