//! JSON, CSV and NDJSON bodies → every route handler, natively, with a champion and a
//! challenger. The first byte picks the route and the content type; the rest is the body. No
//! answer is a 5xx, and every answer is a JSON object.
#![no_main]

use std::sync::LazyLock;

use churn_api::routes::{Challenger, Models, Request, handle};
use libfuzzer_sys::fuzz_target;
use scorer_wasm::Model;

static LOGISTIC: LazyLock<Model> =
    LazyLock::new(|| Model::from_bytes(include_bytes!("../../tests/golden/telco-logistic.churn")).unwrap());
static MLP: LazyLock<Model> =
    LazyLock::new(|| Model::from_bytes(include_bytes!("../../tests/golden/telco-mlp.churn")).unwrap());

/// Route, method and content type, chosen by the first byte.
const REQUESTS: [(&str, &str, Option<&str>); 8] = [
    ("/v1/score", "POST", Some("application/json")),
    ("/v1/score", "POST", Some("text/csv")),
    ("/v1/score", "POST", Some("application/x-ndjson")),
    ("/v1/explain", "POST", Some("application/json")),
    ("/v1/what-if", "POST", Some("application/json")),
    ("/v1/score", "POST", None),
    ("/v1/model", "GET", None),
    ("/v1/openapi.json", "GET", None),
];

fuzz_target!(|bytes: &[u8]| {
    let Some((&pick, body)) = bytes.split_first() else { return };
    let (path, method, content_type) = REQUESTS[usize::from(pick) % REQUESTS.len()];
    let models = Models { champion: &LOGISTIC, challenger: Some(Challenger { model: &MLP, share: 0.5 }) };
    let reply = handle(&models, &Request { method, path, content_type, body });
    assert!(reply.status < 500, "{path}: {} {}", reply.status, reply.body);
    let answer: serde_json::Value = serde_json::from_str(&reply.body).expect("every answer is JSON");
    assert!(answer.is_object(), "{path}: {}", reply.body);
});
