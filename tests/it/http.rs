//! The Spin components of `spin.toml`, hosted in-process with wasmtime as `cargo xtask serve`
//! hosts them: every route, the golden vectors over HTTP, and a catalogue of bad requests, each
//! with its status and error code. CI builds the components with the Telco logistic golden model.

use serde_json::{Value as Json, json};
use tests::{golden_cases, golden_entry, post_json, send};

const TELCO: &str = "telco-logistic";

fn telco_cases() -> Vec<Json> {
    golden_cases(TELCO)
}

fn typical() -> Json {
    telco_cases()[0]["customer"].clone()
}

#[test]
fn the_components_embed_the_telco_golden_model() {
    let want = golden_entry(TELCO)["id"].clone();
    let health = send("GET", "/healthz", &[], "");
    assert_eq!(health.status, 200);
    assert_eq!(
        health.json()["model"]["id"],
        want,
        "the components were built with another model: run `cargo xtask build-edge --model tests/golden/{TELCO}.churn`"
    );
    assert_eq!(health.header("x-churn-model"), want.as_str());
}

#[test]
fn one_golden_customer_scores_as_natively() {
    let case = &telco_cases()[0];
    let reply = post_json("/v1/score", &json!({ "customer": case["customer"] }));
    assert_eq!(reply.status, 200);
    let r = &reply.json()["result"];
    assert_eq!(r["probability"].as_f64(), case["probability"].as_f64());
    assert_eq!(r["logit"].as_f64(), case["logit"].as_f64());
    assert_eq!(r["risk_band"], case["risk_band"]);
    assert_eq!(r["decision"], case["decision"]);
    assert_eq!(r["id"], "GOLDEN-0001");
    assert_eq!(reply.json()["model"]["name"], TELCO);
}

#[test]
fn every_golden_vector_over_http_equals_native() {
    let cases = telco_cases();
    let customers: Vec<Json> = cases.iter().map(|c| c["customer"].clone()).collect();
    let reply = post_json("/v1/score", &json!({ "customers": customers }));
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    let body = reply.json();
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), cases.len());
    for (case, r) in cases.iter().zip(results) {
        assert_eq!(r["probability"].as_f64(), case["probability"].as_f64(), "{}", case["name"]);
        assert_eq!(r["logit"].as_f64(), case["logit"].as_f64(), "{}", case["name"]);
        let warnings: Vec<String> = r["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| format!("{}: {}", w["field"].as_str().unwrap(), w["code"].as_str().unwrap()))
            .collect();
        assert_eq!(json!(warnings), case["warnings"], "{}", case["name"]);
    }
    assert_eq!(body["summary"]["rows"], cases.len());
}

#[test]
fn explanations_match_the_golden_ones() {
    for case in telco_cases().iter().filter(|c| c.get("explanation").is_some()) {
        let reply = post_json("/v1/explain", &json!({ "customer": case["customer"] }));
        assert_eq!(reply.status, 200);
        let e = &reply.json()["explanation"];
        assert_eq!(e["base_logit"].as_f64(), case["explanation"]["base_logit"].as_f64());
        for c in e["contributions"].as_array().unwrap() {
            let column = c["column"].as_str().unwrap();
            assert_eq!(
                c["contribution"].as_f64(),
                case["explanation"]["contributions"][column].as_f64(),
                "{column}"
            );
        }
    }
}

#[test]
fn what_if_answers_scenarios_side_by_side() {
    let reply = post_json(
        "/v1/what-if",
        &json!({ "customer": typical(), "changes": [{ "Contract": "Two year" }, { "Contract": "One year", "tenure": 48 }] }),
    );
    assert_eq!(reply.status, 200);
    let body = reply.json();
    let s = body["scenarios"].as_array().unwrap();
    assert_eq!(s.len(), 2);
    let base = telco_cases()[0]["probability"].as_f64().unwrap();
    for scenario in s {
        assert_eq!(scenario["before"]["probability"].as_f64(), Some(base));
        assert!(scenario["after"]["probability"].as_f64().unwrap() < base);
        assert!(scenario["delta_probability"].as_f64().unwrap() < 0.0);
    }
    let single =
        post_json("/v1/what-if", &json!({ "customer": typical(), "changes": { "Contract": "Two year" } }));
    assert_eq!(single.json()["scenarios"][0]["after"], s[0]["after"]);
}

#[test]
fn the_model_route_describes_the_model() {
    let reply = send("GET", "/v1/model", &[], "");
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["model"]["name"], TELCO);
    assert_eq!(body["model"]["target"], "Churn");
    assert_eq!(body["schema"]["columns"].as_array().unwrap().len(), 20);
    assert_eq!(body["card"]["data"]["rows"], 7043);
    assert_eq!(reply.header("content-type"), Some("application/json"));
}

#[test]
fn a_csv_upload_of_7043_telco_shaped_rows_in_requests_of_2000_scores_as_natively() {
    let csv = tests::telco_shaped_csv(tests::TELCO_SHAPED_ROWS);
    let model = scorer_wasm::Model::from_bytes(&tests::golden_model("telco-logistic.churn")).unwrap();
    let native = scorer_wasm::api::score_csv(&model, &csv, 0, usize::MAX).unwrap();
    // In requests of at most 2,000 rows (the API's limit, `churn_api::routes::MAX_BATCH`), as a
    // client splits the file; the one over the limit is refused whole.
    let text = String::from_utf8(csv.clone()).unwrap();
    let mut lines = text.split_inclusive('\n');
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    assert!(rows.iter().all(|r| r.ends_with("\r\n") && r.matches('"').count() % 2 == 0), "one row a line");
    let mut results = Vec::new();
    for chunk in rows.chunks(2_000) {
        let body = format!("{header}{}", chunk.concat());
        let reply = send("POST", "/v1/score", &[("content-type", "text/csv; charset=utf-8")], body);
        assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
        results.extend(reply.json()["results"].as_array().unwrap().clone());
    }
    assert_eq!((results.len(), native.rows.len()), (7043, 7043));
    for (r, n) in results.iter().zip(&native.rows) {
        assert_eq!(r["probability"].as_f64(), Some(n.probability), "row {}", n.row);
    }
    assert_eq!(results[0]["id"], "TS-00000");
    assert_eq!(results[7042]["id"], "TS-07042");
    let reply = send("POST", "/v1/score", &[("content-type", "text/csv")], csv);
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"]["code"], "batch_too_large");
}

#[test]
fn an_ndjson_upload_scores_line_by_line() {
    let cases = telco_cases();
    let body: String = cases.iter().take(5).map(|c| format!("{}\n", c["customer"])).collect();
    let reply = send("POST", "/v1/score", &[("content-type", "application/x-ndjson")], body);
    assert_eq!(reply.status, 200);
    let results = reply.json()["results"].as_array().unwrap().clone();
    for (r, c) in results.iter().zip(&cases) {
        assert_eq!(r["probability"].as_f64(), c["probability"].as_f64());
    }
}

#[test]
fn the_components_import_only_wasi_interfaces() {
    let engine = wasmtime::Engine::default();
    for file in ["churn_api.wasm", "churn_assets.wasm"] {
        let path = tests::root().join("edge-functions/build").join(file);
        let component =
            wasmtime::component::Component::from_file(&engine, &path).expect("the component loads");
        let imports: Vec<String> =
            component.component_type().imports(&engine).map(|(name, _)| name.to_string()).collect();
        assert!(!imports.is_empty());
        for name in &imports {
            assert!(name.starts_with("wasi:"), "{file} imports {name}");
        }
        let exports: Vec<String> =
            component.component_type().exports(&engine).map(|(name, _)| name.to_string()).collect();
        assert!(
            exports.iter().any(|e| e.starts_with("wasi:http/incoming-handler@0.2")),
            "{file} exports {exports:?}"
        );
    }
}

#[test]
fn the_browser_module_is_served_with_etags() {
    let wasm = send("GET", "/pkg/scorer_wasm_bg.wasm", &[], "");
    assert_eq!(wasm.status, 200);
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert_eq!(
        wasm.body,
        std::fs::read(tests::web_module_path()).unwrap(),
        "the page gets the very module CI tested"
    );
    let etag = wasm.header("etag").unwrap().to_string();
    assert_eq!(send("GET", "/pkg/scorer_wasm_bg.wasm", &[("if-none-match", &etag)], "").status, 304);
    assert!(wasm.header("content-security-policy").unwrap().contains("default-src 'self'"));
    assert_eq!(send("GET", "/no/such/file.js", &[], "").status, 404);
    assert_eq!(send("POST", "/pkg/scorer_wasm.js", &[], "x").status, 405);
}

/// A bad request: what it is, method, path, headers, body, and the status and code it must get.
type BadRequest<'a> = (&'a str, &'a str, &'a str, &'a [(&'a str, &'a str)], Vec<u8>, u16, &'a str);

/// Every bad request: the status and the error code it must get.
#[test]
fn bad_requests_get_the_right_status_and_code() {
    let json = [("content-type", "application/json")];
    let csv = [("content-type", "text/csv")];
    let ndjson = [("content-type", "application/x-ndjson")];
    let deep = format!("{{\"customer\": {}1{}}}", "[".repeat(300), "]".repeat(300));
    // One over the API's limit (`churn_api::routes::MAX_BATCH`).
    let many = format!("{{\"customers\": [{}]}}", vec!["{}"; 2_001].join(","));
    let huge = vec![b' '; 5 << 20];
    let header = "customerID,gender,SeniorCitizen,Partner,Dependents,tenure,PhoneService,MultipleLines,InternetService,OnlineSecurity,OnlineBackup,DeviceProtection,TechSupport,StreamingTV,StreamingMovies,Contract,PaperlessBilling,PaymentMethod,MonthlyCharges,TotalCharges";
    let row =
        "A1,Female,0,Yes,No,12,Yes,No,DSL,No,Yes,No,No,No,No,Month-to-month,Yes,Electronic check,50.5,600";
    let cases: Vec<BadRequest<'_>> = vec![
        ("malformed JSON", "POST", "/v1/score", &json, b"{\"customer\": ".to_vec(), 400, "malformed_json"),
        ("empty body", "POST", "/v1/score", &json, Vec::new(), 400, "empty_body"),
        ("body is an array", "POST", "/v1/score", &json, b"[]".to_vec(), 400, "expected_object"),
        (
            "text where a number goes",
            "POST",
            "/v1/score",
            &json,
            br#"{"customer": {"tenure": "abc"}}"#.to_vec(),
            400,
            "expected_number",
        ),
        (
            "unknown field",
            "POST",
            "/v1/score",
            &json,
            br#"{"customer": {"tenur": 3}}"#.to_vec(),
            400,
            "unknown_field",
        ),
        (
            "NaN",
            "POST",
            "/v1/score",
            &json,
            br#"{"customer": {"tenure": NaN}}"#.to_vec(),
            400,
            "malformed_json",
        ),
        (
            "Infinity",
            "POST",
            "/v1/score",
            &json,
            br#"{"customer": {"tenure": Infinity}}"#.to_vec(),
            400,
            "malformed_json",
        ),
        (
            "number out of range",
            "POST",
            "/v1/score",
            &json,
            br#"{"customer": {"tenure": 1e999}}"#.to_vec(),
            400,
            "malformed_json",
        ),
        (
            "infinite number as text",
            "POST",
            "/v1/score",
            &json,
            br#"{"customer": {"tenure": "1e999"}}"#.to_vec(),
            400,
            "expected_number",
        ),
        ("deep nesting", "POST", "/v1/score", &json, deep.into_bytes(), 400, "malformed_json"),
        (
            "object as a value",
            "POST",
            "/v1/score",
            &json,
            br#"{"customer": {"tenure": {"months": 3}}}"#.to_vec(),
            400,
            "not_scalar",
        ),
        (
            "customer is null",
            "POST",
            "/v1/score",
            &json,
            br#"{"customer": null}"#.to_vec(),
            400,
            "expected_object",
        ),
        (
            "yes/no column with another word",
            "POST",
            "/v1/score",
            &json,
            br#"{"customer": {"Partner": "maybe"}}"#.to_vec(),
            400,
            "expected_boolean",
        ),
        ("empty batch", "POST", "/v1/score", &json, br#"{"customers": []}"#.to_vec(), 400, "empty_batch"),
        (
            "customers is not a list",
            "POST",
            "/v1/score",
            &json,
            br#"{"customers": {}}"#.to_vec(),
            400,
            "expected_array",
        ),
        ("batch over the limit", "POST", "/v1/score", &json, many.into_bytes(), 400, "batch_too_large"),
        ("body over the limit", "POST", "/v1/score", &json, huge, 413, "payload_too_large"),
        (
            "both customer and customers",
            "POST",
            "/v1/score",
            &json,
            br#"{"customer": {}, "customers": []}"#.to_vec(),
            400,
            "ambiguous_body",
        ),
        (
            "neither customer nor customers",
            "POST",
            "/v1/score",
            &json,
            b"{}".to_vec(),
            400,
            "missing_customer",
        ),
        (
            "unknown envelope key",
            "POST",
            "/v1/score",
            &json,
            br#"{"client": {}}"#.to_vec(),
            400,
            "unknown_field",
        ),
        (
            "not UTF-8",
            "POST",
            "/v1/score",
            &json,
            b"{\"customer\": {\"gender\": \"\xff\"}}".to_vec(),
            400,
            "malformed_json",
        ),
        ("wrong method on score", "GET", "/v1/score", &[], Vec::new(), 405, "method_not_allowed"),
        ("wrong method on model", "POST", "/v1/model", &json, b"{}".to_vec(), 405, "method_not_allowed"),
        (
            "wrong content type",
            "POST",
            "/v1/score",
            &[("content-type", "text/plain")],
            b"tenure=3".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "no content type",
            "POST",
            "/v1/score",
            &[],
            br#"{"customer": {}}"#.to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "form encoded",
            "POST",
            "/v1/explain",
            &[("content-type", "application/x-www-form-urlencoded")],
            b"a=b".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "CSV missing columns",
            "POST",
            "/v1/score",
            &csv,
            b"customerID,tenure\nA1,3\n".to_vec(),
            400,
            "missing_column",
        ),
        (
            "CSV ragged row",
            "POST",
            "/v1/score",
            &csv,
            format!("{header}\n{row}\nA2,Male\n").into_bytes(),
            400,
            "malformed_csv",
        ),
        (
            "CSV bad value",
            "POST",
            "/v1/score",
            &csv,
            format!("{header}\n{}\n", row.replace(",12,", ",twelve,")).into_bytes(),
            400,
            "expected_number",
        ),
        (
            "CSV unknown column",
            "POST",
            "/v1/score",
            &csv,
            format!("{header},Notes\n{row},x\n").into_bytes(),
            400,
            "unknown_field",
        ),
        (
            "CSV header only",
            "POST",
            "/v1/score",
            &csv,
            format!("{header}\n").into_bytes(),
            400,
            "empty_batch",
        ),
        (
            "NDJSON bad line",
            "POST",
            "/v1/score",
            &ndjson,
            b"{\"tenure\": 1}\n{oops\n".to_vec(),
            400,
            "malformed_ndjson",
        ),
        (
            "NDJSON line that is not an object",
            "POST",
            "/v1/score",
            &ndjson,
            b"[1, 2]\n".to_vec(),
            400,
            "expected_object",
        ),
        ("unknown route", "GET", "/v1/scores", &[], Vec::new(), 404, "not_found"),
        (
            "what-if without changes",
            "POST",
            "/v1/what-if",
            &json,
            br#"{"customer": {}}"#.to_vec(),
            400,
            "missing_changes",
        ),
        (
            "what-if change to an unknown field",
            "POST",
            "/v1/what-if",
            &json,
            br#"{"customer": {}, "changes": {"Contrct": "Two year"}}"#.to_vec(),
            400,
            "unknown_field",
        ),
        (
            "what-if with no scenarios",
            "POST",
            "/v1/what-if",
            &json,
            br#"{"customer": {}, "changes": []}"#.to_vec(),
            400,
            "empty_batch",
        ),
        (
            "explain a batch",
            "POST",
            "/v1/explain",
            &json,
            br#"{"customers": [{}]}"#.to_vec(),
            400,
            "unknown_field",
        ),
    ];
    assert!(cases.len() >= 25);
    for (name, method, path, headers, body, status, code) in cases {
        let reply = send(method, path, headers, body);
        assert_eq!(
            reply.error(),
            (status, code.to_string()),
            "{name}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        assert_eq!(reply.json()["error"]["status"], status, "{name}");
    }
}

#[test]
fn errors_name_the_path_and_list_every_failing_record() {
    let reply = post_json(
        "/v1/score",
        &json!({ "customers": [typical(), { "tenure": "abc" }, typical(), { "tenur": 1 }] }),
    );
    assert_eq!(reply.status, 400);
    let body = reply.json();
    assert_eq!(body["error"]["message"], "customers[1].tenure: expected a number, got \"abc\"");
    assert_eq!(body["error"]["field"], "customers[1].tenure");
    let listed: Vec<&str> =
        body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(listed, ["customers[1].tenure", "customers[3].tenur"]);
    let csv_row = send(
        "POST",
        "/v1/score",
        &[("content-type", "text/csv")],
        "customerID,gender,SeniorCitizen,Partner,Dependents,tenure,PhoneService,MultipleLines,InternetService,OnlineSecurity,OnlineBackup,DeviceProtection,TechSupport,StreamingTV,StreamingMovies,Contract,PaperlessBilling,PaymentMethod,MonthlyCharges,TotalCharges\n\
         A1,Female,0,Yes,No,twelve,Yes,No,DSL,No,Yes,No,No,No,No,Month-to-month,Yes,Electronic check,50.5,600\n",
    );
    assert_eq!(
        csv_row.json()["error"]["message"],
        "row 1 (line 2): tenure: expected a number, got \"twelve\""
    );
    let allow = send("GET", "/v1/what-if", &[], "");
    assert_eq!(allow.header("allow"), Some("POST"));
}
