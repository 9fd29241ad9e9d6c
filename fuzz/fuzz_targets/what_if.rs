//! What-if changes → `POST /v1/what-if` for a golden customer: the bytes are the `changes` value
//! (an object or a list of them). An answer is a 400 naming the change, or one scenario per
//! change set whose delta is after − before.
#![no_main]

use std::sync::LazyLock;

use churn_api::routes::{Models, Request, handle};
use libfuzzer_sys::fuzz_target;
use scorer_wasm::Model;

static MLP: LazyLock<Model> =
    LazyLock::new(|| Model::from_bytes(include_bytes!("../../tests/golden/telco-mlp.churn")).unwrap());

const CUSTOMER: &str = r#"{"customerID": "C-1001", "gender": "Female", "SeniorCitizen": 0, "Partner": "Yes", "Dependents": "No", "tenure": 3, "PhoneService": "Yes", "MultipleLines": "No", "InternetService": "Fiber optic", "OnlineSecurity": "No", "OnlineBackup": "No", "DeviceProtection": "No", "TechSupport": "No", "StreamingTV": "Yes", "StreamingMovies": "No", "Contract": "Month-to-month", "PaperlessBilling": "Yes", "PaymentMethod": "Electronic check", "MonthlyCharges": 84.5, "TotalCharges": 251.4}"#;

fuzz_target!(|changes: &[u8]| {
    let mut body = format!("{{\"customer\": {CUSTOMER}, \"changes\": ").into_bytes();
    body.extend_from_slice(changes);
    body.push(b'}');
    let models = Models { champion: &MLP, challenger: None };
    let reply = handle(
        &models,
        &Request { method: "POST", path: "/v1/what-if", content_type: Some("application/json"), body: &body },
    );
    assert!(reply.status == 200 || reply.status == 400, "{} {}", reply.status, reply.body);
    if reply.status != 200 {
        return;
    }
    let answer: serde_json::Value = serde_json::from_str(&reply.body).expect("a JSON answer");
    let parsed: serde_json::Value = serde_json::from_slice(&body).expect("accepted bodies are JSON");
    let sets = parsed["changes"].as_array().map_or(1, Vec::len);
    let scenarios = answer["scenarios"].as_array().expect("scenarios");
    assert_eq!(scenarios.len(), sets);
    for s in scenarios {
        let (before, after) = (s["before"]["logit"].as_f64().unwrap(), s["after"]["logit"].as_f64().unwrap());
        assert_eq!(s["delta_logit"].as_f64().unwrap(), after - before);
    }
});
