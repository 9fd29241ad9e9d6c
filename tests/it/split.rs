//! Champion and challenger at the edge: the API component built with the Telco MLP golden model
//! as challenger beside the Telco logistic one. Each customer meets one model, chosen by the
//! documented hash of its id, on every route; every answer names the model that scored it.

use serde_json::{Value as Json, json};
use tests::{golden_cases, golden_entry, send_to, split_app};

/// The documented split rule (openapi.yaml, `x-churn-model`): FNV-1a 64 of the id's UTF-8
/// bytes, modulo 10 000, below `share × 10 000` → challenger.
fn bucket(id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h % 10_000
}

fn id(name: &str) -> String {
    golden_entry(name)["id"].as_str().unwrap().to_string()
}

fn post(app: &churn_host::App, path: &str, body: &Json) -> tests::Reply {
    send_to(app, "POST", path, &[("content-type", "application/json")], serde_json::to_vec(body).unwrap())
}

#[test]
fn health_and_model_name_both_models_and_the_share() {
    let app = split_app("0.5");
    let health = send_to(&app, "GET", "/healthz", &[], "").json();
    assert_eq!(health["model"]["id"], id("telco-logistic"));
    assert_eq!(health["model"]["role"], "champion");
    assert_eq!(health["challenger"]["id"], id("telco-mlp"));
    assert_eq!(health["challenger"]["role"], "challenger");
    assert_eq!(health["challenger"]["share"], 0.5);

    let info = send_to(&app, "GET", "/v1/model", &[], "").json();
    assert_eq!(info["model"]["id"], id("telco-logistic"));
    assert_eq!(info["challenger"]["model"]["id"], id("telco-mlp"));
    assert_eq!(info["challenger"]["share"], 0.5);
    assert_eq!(info["challenger"]["routed_by"], "customerID");
    assert_eq!(info["challenger"]["card"]["model"], "mlp");
}

#[test]
fn a_batch_is_split_by_the_hash_of_the_customer_id_and_each_result_names_its_model() {
    let app = split_app("0.5");
    // Each model's golden customers: whichever model the hash picks, the score is that model's.
    for (name, role) in [("telco-logistic", "champion"), ("telco-mlp", "challenger")] {
        let cases = golden_cases(name);
        let customers: Vec<Json> = cases.iter().map(|c| c["customer"].clone()).collect();
        let reply = post(&app, "/v1/score", &json!({ "customers": customers }));
        assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
        let body = reply.json();
        let results = body["results"].as_array().unwrap();
        let mut theirs = 0;
        for (case, r) in cases.iter().zip(results) {
            let customer_id = case["customer"]["customerID"].as_str().unwrap();
            let expected = if bucket(customer_id) < 5_000 { id("telco-mlp") } else { id("telco-logistic") };
            assert_eq!(r["model_id"], expected.as_str(), "{customer_id}");
            if r["model_id"] == id(name).as_str() {
                theirs += 1;
                assert_eq!(r["probability"].as_f64(), case["probability"].as_f64(), "{}", case["name"]);
            }
        }
        assert!(theirs > 0, "no {role} customer among the {name} cases");
        assert_eq!(body["challenger"]["id"], id("telco-mlp"));
        let header = reply.header("x-churn-model").unwrap();
        assert_eq!(header, format!("{}, {}", id("telco-logistic"), id("telco-mlp")));
    }
}

#[test]
fn the_same_customer_meets_the_same_model_on_every_route() {
    let app = split_app("0.5");
    let base = golden_cases("telco-logistic")[0]["customer"].clone();
    let mut seen = [false, false];
    for n in 0..40 {
        let mut customer = base.clone();
        let customer_id = format!("CUST-{n:04}");
        customer["customerID"] = json!(customer_id);
        let challenger = bucket(&customer_id) < 5_000;
        seen[usize::from(challenger)] = true;
        let (role, model_id) =
            if challenger { ("challenger", id("telco-mlp")) } else { ("champion", id("telco-logistic")) };
        let score = post(&app, "/v1/score", &json!({ "customer": customer }));
        let explain = post(&app, "/v1/explain", &json!({ "customer": customer }));
        let what_if =
            post(&app, "/v1/what-if", &json!({ "customer": customer, "changes": {"Contract": "Two year"} }));
        for reply in [&score, &explain, &what_if] {
            assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
            assert_eq!(reply.json()["model"]["role"], role, "{customer_id}");
            assert_eq!(reply.json()["model"]["id"], model_id.as_str(), "{customer_id}");
            assert_eq!(reply.header("x-churn-model"), Some(model_id.as_str()));
        }
        assert_eq!(
            score.json()["result"]["probability"].as_f64(),
            explain.json()["explanation"]["probability"].as_f64()
        );
        assert_eq!(
            score.json()["result"]["probability"].as_f64(),
            what_if.json()["scenarios"][0]["before"]["probability"].as_f64()
        );
    }
    assert_eq!(seen, [true, true], "40 ids all landed on one side");
}

#[test]
fn csv_rows_are_split_the_same_way() {
    let app = split_app("0.5");
    let customer = golden_cases("telco-logistic")[0]["customer"].as_object().unwrap().clone();
    let columns: Vec<&String> = customer.keys().collect();
    let mut csv = columns.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",") + "\n";
    for n in 0..30 {
        let row: Vec<String> = columns
            .iter()
            .map(|c| match (c.as_str(), &customer[c.as_str()]) {
                ("customerID", _) => format!("CSV-{n}"),
                (_, Json::String(s)) => s.clone(),
                (_, Json::Null) => String::new(),
                (_, v) => v.to_string(),
            })
            .collect();
        csv += &(row.join(",") + "\n");
    }
    let reply = send_to(&app, "POST", "/v1/score", &[("content-type", "text/csv")], csv);
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    let body = reply.json();
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 30);
    for (n, r) in results.iter().enumerate() {
        let expected =
            if bucket(&format!("CSV-{n}")) < 5_000 { id("telco-mlp") } else { id("telco-logistic") };
        assert_eq!(r["id"], format!("CSV-{n}"));
        assert_eq!(r["model_id"], expected.as_str(), "CSV-{n}");
    }
}

#[test]
fn customers_without_an_id_go_to_the_champion() {
    let app = split_app("1");
    let mut customer = golden_cases("telco-logistic")[0]["customer"].clone();
    customer.as_object_mut().unwrap().remove("customerID");
    let reply = post(&app, "/v1/score", &json!({ "customer": customer }));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["model"]["role"], "champion");
    customer["customerID"] = json!("X-1");
    assert_eq!(
        post(&app, "/v1/score", &json!({ "customer": customer })).json()["model"]["role"],
        "challenger"
    );
}

#[test]
fn share_zero_keeps_everyone_on_the_champion() {
    let app = split_app("0");
    let customers: Vec<Json> = golden_cases("telco-logistic").iter().map(|c| c["customer"].clone()).collect();
    let reply = post(&app, "/v1/score", &json!({ "customers": customers }));
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert!(
        body["results"].as_array().unwrap().iter().all(|r| r["model_id"] == id("telco-logistic").as_str())
    );
    assert_eq!(body["challenger"]["share"], 0.0);
    assert_eq!(reply.header("x-churn-model"), Some(id("telco-logistic").as_str()));
}

#[test]
fn a_bad_share_is_a_configuration_error_that_names_the_variable() {
    for share in ["abc", "1.5", "-0.1", "NaN"] {
        let app = split_app(share);
        let reply = send_to(&app, "GET", "/healthz", &[], "");
        assert_eq!(reply.error(), (500, "bad_configuration".to_string()), "{share}");
        let message = reply.json()["error"]["message"].as_str().unwrap().to_string();
        assert!(
            message.starts_with(&format!("CHALLENGER_SHARE=\"{share}\" is not a share between 0 and 1")),
            "{message}"
        );
    }
}
