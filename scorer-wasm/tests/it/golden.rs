//! Every golden case, scored by the native scorer, equals the recorded score exactly.

use crate::{golden, golden_model, values};

#[test]
fn golden_vectors_score_exactly() {
    let golden = golden();
    let mut checked = 0;
    for m in golden["models"].as_array().unwrap() {
        let (model, _) = golden_model(m["file"].as_str().unwrap());
        assert_eq!(
            model.id(),
            m["id"].as_str().unwrap(),
            "{} was retrained without `cargo xtask golden`",
            m["file"]
        );
        let mut scorer = model.scorer();
        let mut row = Vec::new();
        for case in m["cases"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            model.record(values(case["customer"].as_object().unwrap()), &mut row).unwrap();
            let s = scorer.score(&row).unwrap();
            assert_eq!(s.probability, case["probability"].as_f64().unwrap(), "{}: {name}", m["name"]);
            assert_eq!(s.logit, case["logit"].as_f64().unwrap(), "{}: {name}", m["name"]);
            assert_eq!(model.band(s.probability).as_str(), case["risk_band"], "{}: {name}", m["name"]);
            let warnings: Vec<String> =
                scorer.warnings().iter().map(|w| format!("{}: {}", w.field, w.code())).collect();
            assert_eq!(serde_json::json!(warnings), case["warnings"], "{}: {name}", m["name"]);
            if let Some(e) = case.get("explanation") {
                let got = scorer.explain(&row).unwrap();
                assert_eq!(got.base_logit, e["base_logit"].as_f64().unwrap());
                for c in &got.contributions {
                    let column = &model.columns()[c.column].name;
                    assert_eq!(c.value, e["contributions"][column].as_f64().unwrap(), "{name}: {column}");
                }
                let pairs = e["interactions"].as_array().unwrap();
                assert_eq!(got.interactions.len(), pairs.len(), "{name}");
                for (p, want) in got.interactions.iter().zip(pairs) {
                    let columns = p.columns.map(|c| model.columns()[c].name.as_str());
                    assert_eq!(serde_json::json!(columns), want["columns"], "{name}");
                    assert_eq!(p.value, want["contribution"].as_f64().unwrap(), "{name}: {columns:?}");
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 512);
}
