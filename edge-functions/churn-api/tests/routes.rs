//! The routes natively, without wasm or Spin: `routes::handle` with the golden models, each
//! request's status, error code and body checked. The same answers go out over HTTP from the
//! component (`tests/it/http.rs` in the workspace), which these cannot replace: they make a
//! change to the routes testable in seconds.

use std::path::PathBuf;

use churn_api::routes::{self, Challenger, Models, Reply, Request, bucket};
use scorer_wasm::Model;
use serde_json::{Value as Json, json};

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden")
}

fn model(file: &str) -> Model {
    let path = golden_dir().join(file);
    Model::from_bytes(&std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .expect("a golden model loads")
}

fn golden() -> Json {
    serde_json::from_str(&std::fs::read_to_string(golden_dir().join("golden.json")).unwrap()).unwrap()
}

fn cases(name: &str) -> Vec<Json> {
    let g = golden();
    let m = g["models"].as_array().unwrap().iter().find(|m| m["name"] == name).unwrap().clone();
    m["cases"].as_array().unwrap().clone()
}

fn call(models: &Models<'_>, method: &str, path: &str, content_type: Option<&str>, body: &[u8]) -> Reply {
    routes::handle(models, &Request { method, path, content_type, body })
}

fn json_of(reply: &Reply) -> Json {
    serde_json::from_str(&reply.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", reply.body))
}

fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
}

const JSON: Option<&str> = Some("application/json");

/// A request and what it must get: what, method, path, content type, body, status, and the
/// error code ("" for a success).
type Case<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, Vec<u8>, u16, &'a str);

#[test]
fn every_route_answers_with_its_status_and_code() {
    let telco = model("telco-logistic.churn");
    let models = Models { champion: &telco, challenger: None };
    let typical = cases("telco-logistic")[0]["customer"].clone();
    let one = json!({ "customer": typical }).to_string();
    let many = format!("{{\"customers\": [{}]}}", vec!["{}"; routes::MAX_BATCH + 1].join(","));
    let scenarios =
        format!("{{\"customer\": {{}}, \"changes\": [{}]}}", vec!["{}"; routes::MAX_SCENARIOS + 1].join(","));
    let deep = format!("{{\"customer\": {}1{}}}", "[".repeat(300), "]".repeat(300));
    let table: Vec<Case<'_>> = vec![
        ("health", "GET", "/healthz", None, vec![], 200, ""),
        ("health, HEAD", "HEAD", "/healthz", None, vec![], 200, ""),
        ("the model", "GET", "/v1/model", None, vec![], 200, ""),
        ("the OpenAPI document", "GET", "/v1/openapi.json", None, vec![], 200, ""),
        (
            "the OpenAPI document by POST",
            "POST",
            "/v1/openapi.json",
            JSON,
            b"{}".to_vec(),
            405,
            "method_not_allowed",
        ),
        ("one customer", "POST", "/v1/score", JSON, one.clone().into_bytes(), 200, ""),
        (
            "json with a charset",
            "POST",
            "/v1/score",
            Some("application/json; charset=utf-8"),
            one.clone().into_bytes(),
            200,
            "",
        ),
        ("explain", "POST", "/v1/explain", JSON, one.clone().into_bytes(), 200, ""),
        (
            "what-if",
            "POST",
            "/v1/what-if",
            JSON,
            json!({"customer": typical, "changes": {"Contract": "Two year"}}).to_string().into_bytes(),
            200,
            "",
        ),
        ("unknown route", "GET", "/v2/score", None, vec![], 404, "not_found"),
        ("score by GET", "GET", "/v1/score", None, vec![], 405, "method_not_allowed"),
        ("health by POST", "POST", "/healthz", JSON, b"{}".to_vec(), 405, "method_not_allowed"),
        (
            "no content type",
            "POST",
            "/v1/score",
            None,
            one.clone().into_bytes(),
            415,
            "unsupported_media_type",
        ),
        (
            "XML",
            "POST",
            "/v1/score",
            Some("application/xml"),
            b"<a/>".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "CSV to explain",
            "POST",
            "/v1/explain",
            Some("text/csv"),
            b"a\n1\n".to_vec(),
            415,
            "unsupported_media_type",
        ),
        ("empty body", "POST", "/v1/score", JSON, vec![], 400, "empty_body"),
        ("blank body", "POST", "/v1/score", JSON, b" \r\n ".to_vec(), 400, "empty_body"),
        ("malformed JSON", "POST", "/v1/score", JSON, b"{\"customer\": ".to_vec(), 400, "malformed_json"),
        (
            "NaN",
            "POST",
            "/v1/score",
            JSON,
            br#"{"customer": {"tenure": NaN}}"#.to_vec(),
            400,
            "malformed_json",
        ),
        ("300 levels deep", "POST", "/v1/score", JSON, deep.into_bytes(), 400, "malformed_json"),
        ("an array", "POST", "/v1/score", JSON, b"[]".to_vec(), 400, "expected_object"),
        ("a number", "POST", "/v1/score", JSON, b"3".to_vec(), 400, "expected_object"),
        (
            "text for a number",
            "POST",
            "/v1/score",
            JSON,
            br#"{"customer": {"tenure": "abc"}}"#.to_vec(),
            400,
            "expected_number",
        ),
        (
            "unknown field",
            "POST",
            "/v1/score",
            JSON,
            br#"{"customer": {"tenur": 3}}"#.to_vec(),
            400,
            "unknown_field",
        ),
        (
            "unknown envelope key",
            "POST",
            "/v1/score",
            JSON,
            br#"{"client": {}}"#.to_vec(),
            400,
            "unknown_field",
        ),
        (
            "a nested value",
            "POST",
            "/v1/score",
            JSON,
            br#"{"customer": {"tenure": [1]}}"#.to_vec(),
            400,
            "not_scalar",
        ),
        (
            "a boolean it cannot read",
            "POST",
            "/v1/score",
            JSON,
            br#"{"customer": {"Partner": "maybe"}}"#.to_vec(),
            400,
            "expected_boolean",
        ),
        ("empty batch", "POST", "/v1/score", JSON, br#"{"customers": []}"#.to_vec(), 400, "empty_batch"),
        ("batch over the limit", "POST", "/v1/score", JSON, many.into_bytes(), 400, "batch_too_large"),
        (
            "what-if over the limit",
            "POST",
            "/v1/what-if",
            JSON,
            scenarios.into_bytes(),
            400,
            "batch_too_large",
        ),
        (
            "CSV without the columns",
            "POST",
            "/v1/score",
            Some("text/csv"),
            b"tenure\n1\n".to_vec(),
            400,
            "missing_column",
        ),
        (
            "NDJSON line not an object",
            "POST",
            "/v1/score",
            Some("application/x-ndjson"),
            b"[1]\n".to_vec(),
            400,
            "expected_object",
        ),
        (
            "what-if, unknown change",
            "POST",
            "/v1/what-if",
            JSON,
            br#"{"customer": {}, "changes": {"Contrct": "Two year"}}"#.to_vec(),
            400,
            "unknown_field",
        ),
        (
            "what-if, no scenarios",
            "POST",
            "/v1/what-if",
            JSON,
            br#"{"customer": {}, "changes": []}"#.to_vec(),
            400,
            "empty_batch",
        ),
    ];
    assert_eq!(table.len(), 34);
    for (what, method, path, content_type, body, status, code) in table {
        let reply = call(&models, method, path, content_type, &body);
        let answer = json_of(&reply);
        assert_eq!(
            (reply.status, answer["error"]["code"].as_str().unwrap_or("")),
            (status, code),
            "{what}: {}",
            reply.body
        );
        assert_eq!(header(&reply, "content-type"), Some("application/json"), "{what}");
        assert_eq!(header(&reply, "x-churn-model"), Some(telco.id()), "{what}");
        if status == 405 {
            assert!(header(&reply, "allow").is_some(), "{what}: no Allow header");
        }
        if code.is_empty() {
            assert!(answer.get("error").is_none(), "{what}");
        } else {
            assert_eq!(answer["error"]["status"], status, "{what}");
            assert!(!answer["error"]["message"].as_str().unwrap().is_empty(), "{what}");
        }
    }
}

#[test]
fn golden_customers_score_to_their_golden_bits() {
    for (file, name) in [("telco-logistic.churn", "telco-logistic"), ("bank-mlp.churn", "bank-mlp")] {
        let m = model(file);
        let models = Models { champion: &m, challenger: None };
        let cases = cases(name);
        let customers: Vec<Json> = cases.iter().map(|c| c["customer"].clone()).collect();
        let body = json!({ "customers": customers }).to_string();
        let reply = call(&models, "POST", "/v1/score", JSON, body.as_bytes());
        assert_eq!(reply.status, 200, "{name}: {}", reply.body);
        let answer = json_of(&reply);
        let results = answer["results"].as_array().unwrap();
        assert_eq!(results.len(), cases.len());
        for (case, r) in cases.iter().zip(results) {
            let (got, want) = (r["probability"].as_f64().unwrap(), case["probability"].as_f64().unwrap());
            assert_eq!(got.to_bits(), want.to_bits(), "{name} {}", case["name"]);
            assert_eq!(r["risk_band"], case["risk_band"], "{name} {}", case["name"]);
        }
    }
}

#[test]
fn under_a_split_each_customer_meets_the_model_its_bucket_names() {
    let (champion, challenger) = (model("telco-logistic.churn"), model("telco-mlp.churn"));
    let models =
        Models { champion: &champion, challenger: Some(Challenger { model: &challenger, share: 0.5 }) };
    let (champion_cases, challenger_cases) = (cases("telco-logistic"), cases("telco-mlp"));
    let customers: Vec<Json> = champion_cases.iter().map(|c| c["customer"].clone()).collect();
    let reply =
        call(&models, "POST", "/v1/score", JSON, json!({ "customers": customers }).to_string().as_bytes());
    assert_eq!(reply.status, 200, "{}", reply.body);
    let answer = json_of(&reply);
    let mut seen = [0, 0];
    for ((r, a), b) in
        answer["results"].as_array().unwrap().iter().zip(&champion_cases).zip(&challenger_cases)
    {
        let id = a["customer"]["customerID"].as_str().unwrap();
        let to_challenger = bucket(id) < 5_000;
        let (want_model, want_p) = if to_challenger {
            (challenger.id(), &b["probability"])
        } else {
            (champion.id(), &a["probability"])
        };
        assert_eq!((r["model_id"].as_str(), &r["probability"]), (Some(want_model), want_p), "{id}");
        seen[usize::from(to_challenger)] += 1;
    }
    // The golden ids (GOLDEN-0001 …) hash unevenly at a share of one half: 7 champion, 97 challenger.
    assert_eq!(seen, [7, 97]);
    assert_eq!(
        header(&reply, "x-churn-model"),
        Some(format!("{}, {}", champion.id(), challenger.id()).as_str())
    );
    // One customer says which model and role answered.
    let one = json!({ "customer": champion_cases[0]["customer"] }).to_string();
    let single = json_of(&call(&models, "POST", "/v1/explain", JSON, one.as_bytes()));
    let id = champion_cases[0]["customer"]["customerID"].as_str().unwrap();
    let role = if bucket(id) < 5_000 { "challenger" } else { "champion" };
    assert_eq!(single["model"]["role"], role);
}
