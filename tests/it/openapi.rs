//! `edge-functions/openapi.yaml` tells the truth: every request example, sent to the components,
//! gets the documented status and a body that matches the response example of the same name
//! (objects match on the documented keys, arrays on their documented first elements).

use serde_json::Value as Json;
use tests::{root, send};

fn spec() -> Json {
    let text = std::fs::read_to_string(root().join("edge-functions/openapi.yaml")).expect("openapi.yaml");
    serde_saphyr::from_str(&text).expect("openapi.yaml is YAML")
}

/// Follows a `$ref` within the document.
fn resolve<'a>(spec: &'a Json, v: &'a Json) -> &'a Json {
    match v.get("$ref").and_then(Json::as_str) {
        Some(r) => r.trim_start_matches("#/").split('/').fold(spec, |node, key| &node[key]),
        None => v,
    }
}

/// Whether `documented` is contained in `actual`; the path of the first difference otherwise.
fn contains(documented: &Json, actual: &Json, path: &str) -> Result<(), String> {
    match (documented, actual) {
        (Json::Object(d), Json::Object(a)) => {
            for (k, v) in d {
                let Some(av) = a.get(k) else { return Err(format!("{path}.{k} is missing")) };
                contains(v, av, &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        (Json::Array(d), Json::Array(a)) => {
            if d.len() > a.len() {
                return Err(format!("{path} documents {} elements, the answer has {}", d.len(), a.len()));
            }
            d.iter()
                .zip(a)
                .enumerate()
                .try_for_each(|(i, (dv, av))| contains(dv, av, &format!("{path}[{i}]")))
        }
        (d, a) if d == a => Ok(()),
        (Json::Number(d), Json::Number(a)) if d.as_f64() == a.as_f64() => Ok(()),
        (d, a) => Err(format!("{path}: documented {d}, answered {a}")),
    }
}

/// Response examples of an operation by name, with their status.
fn response_examples(spec: &Json, op: &Json) -> Vec<(String, u16, Json)> {
    let mut out = Vec::new();
    for (status, response) in op["responses"].as_object().unwrap() {
        let response = resolve(spec, response);
        if let Some(examples) = response["content"]["application/json"]["examples"].as_object() {
            for (name, ex) in examples {
                out.push((name.clone(), status.parse().unwrap(), ex["value"].clone()));
            }
        }
    }
    out
}

#[test]
fn every_documented_example_gets_the_documented_answer() {
    let spec = spec();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = response_examples(&spec, op);
            let method = method.to_uppercase();
            let requests: Vec<(String, String, Json)> = match op["requestBody"]["content"].as_object() {
                Some(content) => content
                    .iter()
                    .flat_map(|(ctype, c)| {
                        c["examples"]
                            .as_object()
                            .into_iter()
                            .flatten()
                            .map(move |(name, ex)| (name.clone(), ctype.clone(), ex["value"].clone()))
                    })
                    .collect(),
                None => {
                    responses.iter().map(|(name, _, _)| (name.clone(), String::new(), Json::Null)).collect()
                }
            };
            assert!(!requests.is_empty(), "{method} {path} has no examples");
            for (name, ctype, body) in requests {
                let (_, status, expected) =
                    responses.iter().find(|(n, _, _)| *n == name).unwrap_or_else(|| {
                        panic!("{method} {path}: request example {name} has no response example")
                    });
                let bytes = match &body {
                    Json::Null => Vec::new(),
                    Json::String(text) => text.clone().into_bytes(),
                    other => serde_json::to_vec(other).unwrap(),
                };
                let headers: Vec<(&str, &str)> =
                    if ctype.is_empty() { vec![] } else { vec![("content-type", ctype.as_str())] };
                let reply = send(&method, path, &headers, bytes);
                assert_eq!(
                    reply.status,
                    *status,
                    "{method} {path} {name}: {}",
                    String::from_utf8_lossy(&reply.body)
                );
                if let Err(diff) = contains(expected, &reply.json(), "$") {
                    panic!("{method} {path} example {name}: {diff}");
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 13);
}

#[test]
fn every_route_of_the_component_is_documented() {
    let spec = spec();
    let mut paths: Vec<&String> = spec["paths"].as_object().unwrap().keys().collect();
    paths.sort();
    assert_eq!(
        paths,
        ["/healthz", "/v1/explain", "/v1/model", "/v1/openapi.json", "/v1/score", "/v1/what-if"]
    );
    let codes =
        spec["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["description"]
            .as_str()
            .unwrap()
            .to_string();
    for code in [
        "malformed_json",
        "malformed_csv",
        "malformed_ndjson",
        "empty_body",
        "expected_object",
        "expected_array",
        "empty_batch",
        "missing_customer",
        "missing_changes",
        "ambiguous_body",
        "unknown_field",
        "missing_column",
        "expected_number",
        "expected_boolean",
        "not_scalar",
        "not_found",
        "method_not_allowed",
        "payload_too_large",
        "batch_too_large",
        "unsupported_media_type",
        "model_unavailable",
        "bad_configuration",
    ] {
        assert!(codes.contains(code), "error code {code} is not documented");
    }
}
