//! Lining up records and tables with the model: every mistake is named.

use scorer_wasm::{Csv, Value};

use crate::golden_model;

#[test]
fn record_errors_name_the_field() {
    let (model, _) = golden_model("telco-logistic.churn");
    let mut row = Vec::new();
    let err = model.record([("tenur", Value::Number(3.0))], &mut row).unwrap_err();
    assert_eq!(err.to_string(), "tenur: unknown field; did you mean \"tenure\"?");
    assert_eq!(err.code(), "unknown_field");
    let err =
        model.record([("tenure", Value::Number(3.0)), ("tenure", Value::Number(4.0))], &mut row).unwrap_err();
    assert_eq!(err.to_string(), "tenure: field appears twice");
    // The target is accepted and ignored; absent fields are missing and imputed.
    model.record([("Churn", Value::Text("Yes")), ("tenure", Value::Number(3.0))], &mut row).unwrap();
    let mut scorer = model.scorer();
    scorer.score(&row).unwrap();
    assert!(scorer.warnings().iter().any(|w| w.field == "Contract" && w.code() == "imputed"));
    model.record([("tenure", Value::Text("three"))], &mut row).unwrap();
    assert_eq!(scorer.score(&row).unwrap_err().to_string(), "tenure: expected a number, got \"three\"");
    model.record([("MonthlyCharges", Value::Number(f64::INFINITY))], &mut row).unwrap();
    assert_eq!(
        scorer.score(&row).unwrap_err().to_string(),
        "MonthlyCharges: expected a finite number, got inf (send null for a missing value)"
    );
    model.record([("customerID", Value::Number(f64::NAN))], &mut row).unwrap();
    assert_eq!(scorer.score(&row).unwrap_err().code(), "not_finite");
}

#[test]
fn header_errors_name_the_column() {
    let (model, _) = golden_model("telco-logistic.churn");
    let err = model.bind_header(&["customerID", "tenure"]).unwrap_err();
    assert_eq!(err.to_string(), "gender: the model needs this column, but it is not in the input");
    let mut names: Vec<String> = model.columns().iter().map(|c| c.name.clone()).collect();
    names.push("Churn".into());
    assert!(model.bind_header(&names).is_ok());
    names.push("Notes".into());
    assert_eq!(model.bind_header(&names).unwrap_err().to_string(), "Notes: unknown field");
}

#[test]
fn a_csv_batch_scores_row_by_row() {
    let (model, _) = golden_model("synth-logistic.churn");
    let names: Vec<&str> = model.columns().iter().map(|c| c.name.as_str()).collect();
    let mut text = names.join(",") + "\r\n";
    let row = "C1,2024-05-01,44,Female,North,Yes,No,Month-to-month,Fiber optic,No,Yes,Yes,Electronic check,90.5,1200, 2 ,,31";
    text += &format!("{row}\r\n{row}\r\n");
    let mut csv = Csv::new(text.as_bytes()).unwrap();
    let binding = model.bind_header(csv.header()).unwrap();
    let mut scorer = model.scorer();
    let mut probabilities = Vec::new();
    while let Some(record) = csv.next_row().unwrap() {
        let mut values = Vec::new();
        binding.fill(record.fields().map(Value::from_cell), &mut values);
        probabilities.push(scorer.score(&values).unwrap().probability);
    }
    assert_eq!(probabilities.len(), 2);
    assert_eq!(probabilities[0], probabilities[1]);
}
