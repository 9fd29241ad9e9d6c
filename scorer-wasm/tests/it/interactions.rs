//! Interaction terms: what they encode, what loads, and model files of format version 2.

use scorer_wasm::pipeline::MAX_INTERACTION_WIDTH;
use scorer_wasm::{Encoder, Interaction, Model, Pipeline, Role, Side};

use crate::{golden, golden_model, values};

/// The bank model with interaction terms, and a term between two of its columns.
fn bank() -> Model {
    golden_model("bank-pairs.churn").0
}

fn column(model: &Model, name: &str) -> u32 {
    model.columns().iter().position(|c| c.name == name).unwrap() as u32
}

#[test]
fn a_term_writes_the_products_of_its_two_bases() {
    let model = bank();
    let (age, active) = (column(&model, "Age"), column(&model, "IsActiveMember"));
    let term = Interaction {
        first: Side::Segments { column: age, knots: vec![20.0, 40.0, 60.0] },
        second: Side::Slots { column: active },
    };
    let pipeline = Pipeline::with_interactions(model.columns().to_vec(), vec![term]).unwrap();
    let base = Pipeline::new(model.columns().to_vec()).unwrap();
    let (off, width) = pipeline.interaction_range(0).unwrap();
    assert_eq!((off, width), (base.width(), 2));
    assert_eq!(
        pipeline.feature_names()[off..],
        ["Age in [20, 40] × IsActiveMember = 1", "Age in [40, 60] × IsActiveMember = 1"]
    );
    let customer = |age: f64, active: i64| {
        serde_json::json!({ "Age": age, "IsActiveMember": active }).as_object().unwrap().clone()
    };
    for (age, active, want) in
        [(30.0, 1, [0.5, 0.0]), (50.0, 1, [1.0, 0.5]), (70.0, 1, [1.0, 1.0]), (50.0, 0, [0.0, 0.0])]
    {
        let c = customer(age, active);
        let mut row = Vec::new();
        model.record(values(&c), &mut row).unwrap();
        let mut out = vec![0.0; pipeline.width()];
        pipeline.encode(&row, &mut out, &mut Vec::new()).unwrap();
        assert_eq!(out[off..], want, "Age {age}, active {active}");
    }
    // A missing age takes the column's median, as its own features do.
    let Role::Feature(Encoder::Numeric(n)) = &model.columns()[age as usize].role else { unreachable!() };
    let c = serde_json::json!({ "Age": null, "IsActiveMember": 1 }).as_object().unwrap().clone();
    let mut row = Vec::new();
    model.record(values(&c), &mut row).unwrap();
    let mut out = vec![0.0; pipeline.width()];
    pipeline.encode(&row, &mut out, &mut Vec::new()).unwrap();
    assert_eq!(out[off], ((n.median - 20.0) / 20.0).clamp(0.0, 1.0));
}

#[test]
fn terms_that_cannot_be_encoded_do_not_load() {
    let model = bank();
    let (age, active, geography, name) = (
        column(&model, "Age"),
        column(&model, "IsActiveMember"),
        column(&model, "Geography"),
        column(&model, "Surname"),
    );
    let segments = |column, knots: &[f64]| Side::Segments { column, knots: knots.to_vec() };
    let cases = [
        (
            segments(age, &[1.0, 2.0]),
            segments(age, &[3.0, 4.0]),
            "interaction 0: both sides are the same column",
        ),
        (
            segments(age, &[2.0, 1.0]),
            Side::Slots { column: active },
            "interaction 0: the knots of \"Age\" must be finite and strictly increasing (2 to 33)",
        ),
        (
            segments(age, &[1.0, f64::NAN]),
            Side::Slots { column: active },
            "interaction 0: the knots of \"Age\" must be finite and strictly increasing (2 to 33)",
        ),
        (
            Side::Slots { column: age },
            Side::Slots { column: active },
            "interaction 0: \"Age\" cannot be a side of this kind",
        ),
        (
            segments(active, &[0.0, 1.0]),
            Side::Slots { column: geography },
            "interaction 0: \"IsActiveMember\" cannot be a side of this kind",
        ),
        (
            Side::Slots { column: name },
            Side::Slots { column: active },
            "interaction 0: \"Surname\" cannot be a side of this kind",
        ),
        (
            Side::Slots { column: 999 },
            Side::Slots { column: active },
            "interaction 0: column 999 does not exist",
        ),
    ];
    for (first, second, message) in cases {
        let err = Pipeline::with_interactions(model.columns().to_vec(), vec![Interaction { first, second }])
            .unwrap_err();
        assert_eq!(err, message);
    }
    // Too wide: 33 knots against 33 knots is 1,024 products.
    let knots: Vec<f64> = (0..33).map(f64::from).collect();
    let balance = column(&model, "Balance");
    let wide = Interaction { first: segments(age, &knots), second: segments(balance, &knots) };
    assert_eq!(
        Pipeline::with_interactions(model.columns().to_vec(), vec![wide]).unwrap_err(),
        format!("interaction 0: 1024 features (at most {MAX_INTERACTION_WIDTH})")
    );
}

#[test]
fn explanations_split_each_term_between_its_columns() {
    let model = bank();
    assert!(!model.pipeline().interactions().is_empty());
    let g = golden();
    let m = g["models"].as_array().unwrap().iter().find(|m| m["name"] == "bank-pairs").unwrap();
    let mut scorer = model.scorer();
    let mut row = Vec::new();
    let mut some_term_moved = false;
    for case in m["cases"].as_array().unwrap() {
        model.record(values(case["customer"].as_object().unwrap()), &mut row).unwrap();
        let e = scorer.explain(&row).unwrap();
        let sum = e.base_logit + e.contributions.iter().map(|c| c.value).sum::<f64>();
        assert!((sum - e.logit).abs() <= 1e-9, "{}: {sum} against {}", case["name"], e.logit);
        assert_eq!(e.interactions.len(), model.pipeline().interactions().len());
        for (pair, term) in e.interactions.iter().zip(model.pipeline().interactions()) {
            assert_eq!(pair.columns, term.columns());
            some_term_moved |= pair.value.abs() > 0.01;
        }
    }
    assert!(some_term_moved, "no golden customer moves any interaction term");
}

#[test]
fn format_version_2_files_still_load_and_score_the_same() {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/telco-logistic-v2.churn"))
        .unwrap();
    assert_eq!(u32::from_le_bytes(bytes[8..12].try_into().unwrap()), 2);
    let old = Model::from_bytes(&bytes).unwrap();
    assert_eq!(old.format_version(), 2);
    // Its id is its own file's, as the registry and the edge have always known it.
    assert_eq!(old.id(), "00fc7825f1d0");
    assert!(old.pipeline().interactions().is_empty());
    // It scores what it scored when format 2 was current, to the bit.
    let fixture: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/telco-logistic-v2.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(fixture["id"], old.id());
    let mut scorer = old.scorer();
    let mut row = Vec::new();
    let cases = fixture["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 24);
    for case in cases {
        old.record(values(case["customer"].as_object().unwrap()), &mut row).unwrap();
        let s = scorer.score(&row).unwrap();
        assert_eq!(s.logit, case["logit"].as_f64().unwrap(), "{}", case["name"]);
        assert_eq!(s.probability, case["probability"].as_f64().unwrap(), "{}", case["name"]);
    }
    // Its answers say which format it came from.
    assert_eq!(old.info().format_version, 2);
    assert_eq!(golden_model("telco-logistic.churn").0.info().format_version, 3);
}
