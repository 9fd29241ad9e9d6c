//! Explanations add up: base value + Σ contributions = logit, within 1e-9 relative.

use crate::{golden, golden_model, values};

#[test]
fn contributions_sum_to_the_logit_for_logistic_and_mlp() {
    let golden = golden();
    let mut kinds = Vec::new();
    for m in golden["models"].as_array().unwrap() {
        let (model, _) = golden_model(m["file"].as_str().unwrap());
        kinds.push(model.meta().kind.clone());
        let mut scorer = model.scorer();
        let mut row = Vec::new();
        for case in m["cases"].as_array().unwrap() {
            model.record(values(case["customer"].as_object().unwrap()), &mut row).unwrap();
            let e = scorer.explain(&row).unwrap();
            let sum = e.base_logit + e.contributions.iter().map(|c| c.value).sum::<f64>();
            let tolerance = 1e-9 * e.logit.abs().max(1.0);
            assert!(
                (sum - e.logit).abs() <= tolerance,
                "{} {}: {sum} vs {}",
                m["name"],
                case["name"],
                e.logit
            );
            assert_eq!(
                e.contributions.len(),
                model.columns().iter().filter(|c| matches!(c.role, scorer_wasm::Role::Feature(_))).count()
            );
        }
    }
    assert!(kinds.contains(&"logistic".to_string()) && kinds.contains(&"mlp".to_string()));
}

#[test]
fn the_typical_customer_of_a_logistic_model_is_explained_by_its_weights() {
    // For logistic regression each contribution is Σ w·(x − mean): changing one input moves only
    // that input's contribution.
    let (model, _) = golden_model("telco-logistic.churn");
    let g = golden();
    let case = &g["models"][0]["cases"][0];
    let customer = case["customer"].as_object().unwrap();
    assert_eq!(customer["Contract"], "Month-to-month");
    let mut two_year = customer.clone();
    two_year.insert("Contract".into(), serde_json::json!("Two year"));
    let mut scorer = model.scorer();
    let mut row = Vec::new();
    model.record(values(customer), &mut row).unwrap();
    let before = scorer.explain(&row).unwrap();
    let mut row = Vec::new();
    model.record(values(&two_year), &mut row).unwrap();
    let after = scorer.explain(&row).unwrap();
    let contract = model.column_index("Contract").unwrap();
    for (b, a) in before.contributions.iter().zip(&after.contributions) {
        if b.column == contract {
            assert!(a.value < b.value, "a two-year contract lowers churn risk");
        } else {
            assert_eq!(a.value, b.value, "{}", model.columns()[b.column].name);
        }
    }
}

/// Found by Schemathesis on the demo model: `-1.7976931348623157e308` in a number column whose
/// standard deviation is below 1 standardised to −∞, and the what-if deltas of that customer
/// came out NaN (written as null). Standardised features now stop at a million standard
/// deviations, so every figure of the most extreme finite input is finite.
#[test]
fn the_most_extreme_finite_numbers_give_finite_answers() {
    use scorer_wasm::Value;
    for file in crate::golden_files() {
        let (model, _) = golden_model(&file);
        let numeric: Vec<usize> = model
            .columns()
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c.role, scorer_wasm::Role::Feature(scorer_wasm::Encoder::Numeric(_))))
            .map(|(i, _)| i)
            .collect();
        assert!(!numeric.is_empty(), "{file} has number columns");
        let mut scorer = model.scorer();
        for extreme in [f64::MAX, -f64::MAX, f64::MIN_POSITIVE] {
            let mut row = vec![Value::Missing; model.columns().len()];
            for &i in &numeric {
                row[i] = Value::Number(extreme);
            }
            let before = vec![Value::Missing; model.columns().len()];
            let w = scorer.what_if(&before, &row).unwrap();
            let figures =
                [w.after.logit, w.after.probability, w.after.base_logit, w.delta_logit, w.delta_probability];
            assert!(figures.iter().all(|x| x.is_finite()), "{file} at {extreme:e}: {figures:?}");
            assert!(
                w.contributions.iter().all(|c| c.after.is_finite() && c.delta.is_finite()),
                "{file} at {extreme:e}"
            );
            assert!((0.0..=1.0).contains(&w.after.probability));
        }
    }
}
