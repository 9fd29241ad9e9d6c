//! The generated document (`GET /v1/openapi.json`) says exactly what the routes accept: its text
//! patterns agree with the scorer's reading rules on every short string over the characters
//! that matter, its examples get the answers it documents, and its CSV grammar matches the CSV
//! it documents.

use std::path::PathBuf;

use churn_api::routes::{self, Models, Request};
use regex::Regex;
use scorer_wasm::{Model, Value, read};
use serde_json::Value as Json;

fn model(file: &str) -> Model {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden").join(file);
    Model::from_bytes(&std::fs::read(&path).unwrap()).expect("a golden model loads")
}

/// Every golden model's file name, in order.
fn golden_files() -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".churn"))
        .collect();
    files.sort();
    assert!(files.len() >= 6, "the golden models: {files:?}");
    files
}

/// Every string of up to `len` characters from `alphabet`.
fn strings(alphabet: &[char], len: usize) -> Vec<String> {
    let mut all = vec![String::new()];
    let mut last = vec![String::new()];
    for _ in 0..len {
        last = last.iter().flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}"))).collect();
        all.extend(last.iter().cloned());
    }
    all
}

#[test]
fn number_text_is_what_the_scorer_reads_as_a_number_or_missing() {
    let pattern = Regex::new(&routes::number_text()).unwrap();
    let alphabet = ['0', '7', '.', 'e', 'E', '+', '-', ' ', '\t', 'N', 'a', 'A', '/', 'x', '\u{a0}'];
    let mut checked = 0;
    for s in strings(&alphabet, 4) {
        let scorer = read::number(Value::Text(&s)).is_ok();
        assert_eq!(pattern.is_match(&s), scorer, "{s:?}: pattern and scorer disagree");
        checked += 1;
    }
    assert_eq!(checked, 54_241);
    for s in ["NULL", " #N/A ", "<NA>", "-nan", "+.5e-07", "12345.678e+99", "\u{3000}3\u{2028}"] {
        assert!(pattern.is_match(s) && read::number(Value::Text(s)).is_ok(), "{s:?}");
    }
    // Three-digit exponents read as numbers but are left out of the pattern, so that every
    // string it matches is finite: 1e400 is refused as not finite.
    assert!(read::number(Value::Text("1e100")).is_ok() && !pattern.is_match("1e100"));
    assert!(read::number(Value::Text("1e400")).is_err());
}

#[test]
fn boolean_text_is_what_the_scorer_reads_as_the_column_s_boolean() {
    let pattern = Regex::new(&routes::boolean_text("Yes", "No")).unwrap();
    let alphabet = ['y', 'Y', 'e', 's', 'n', 'o', 'O', 't', 'f', '1', '0', ' ', 'N', 'A', '/'];
    for s in strings(&alphabet, 4) {
        let scorer = read::boolean(Value::Text(&s), "Yes", "No").is_ok();
        assert_eq!(pattern.is_match(&s), scorer, "{s:?}: pattern and scorer disagree");
    }
    let labelled = Regex::new(&routes::boolean_text("Sí (1+)", "Nein")).unwrap();
    for s in ["Sí (1+)", " Nein", "TRUE", "f"] {
        assert!(labelled.is_match(s) && read::boolean(Value::Text(s), "Sí (1+)", "Nein").is_ok(), "{s:?}");
    }
    assert!(!labelled.is_match("Sí 1") && read::boolean(Value::Text("Sí 1"), "Sí (1+)", "Nein").is_err());
}

fn send(models: &Models<'_>, path: &str, media: &str, body: &str) -> (u16, Json) {
    let reply = routes::handle(
        models,
        &Request { method: "POST", path, content_type: Some(media), body: body.as_bytes() },
    );
    (reply.status, serde_json::from_str(&reply.body).unwrap())
}

#[test]
fn every_example_gets_the_answer_the_document_shows() {
    for file in golden_files() {
        let m = model(&file);
        let models = Models { champion: &m, challenger: None };
        let doc = routes::document(&models).unwrap();
        let mut sent = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            let Some(op) = item.get("post") else { continue };
            for (media, content) in op["requestBody"]["content"].as_object().unwrap() {
                for (name, example) in content["examples"].as_object().unwrap() {
                    let body = match (&example["value"], media.as_str()) {
                        (Json::String(text), _) => text.clone(),
                        (Json::Array(lines), "application/x-ndjson") => {
                            lines.iter().map(|l| l.to_string() + "\n").collect()
                        }
                        (value, _) => value.to_string(),
                    };
                    let (status, answer) = send(&models, path, media, &body);
                    assert_eq!(status, 200, "{file} {path} {media} {name}: {answer}");
                    let documented =
                        &op["responses"]["200"]["content"]["application/json"]["examples"][name]["value"];
                    assert_eq!(&answer, documented, "{file} {path} {name}");
                    sent += 1;
                }
            }
        }
        assert_eq!(sent, 6, "{file}: score (JSON one and batch, CSV, NDJSON), explain, what-if");
        // The CSV example is a sentence of the CSV grammar.
        let csv = &doc["paths"]["/v1/score"]["post"]["requestBody"]["content"]["text/csv"];
        let grammar = Regex::new(csv["schema"]["pattern"].as_str().unwrap()).unwrap();
        let text = csv["examples"]["csv"]["value"].as_str().unwrap();
        assert!(grammar.is_match(text), "{file}: {text}");
        assert!(!grammar.is_match(&text.replacen(',', ";", 1)), "{file}: a broken header matches");
        // Every column is described, and nothing else is accepted.
        let customer = &doc["components"]["schemas"]["Customer"];
        assert_eq!(customer["additionalProperties"], false);
        assert_eq!(
            customer["properties"].as_object().unwrap().len(),
            m.columns().len() + 1,
            "{file}: columns and the target"
        );
        // The limits the routes enforce are the ones the document states.
        let score = &doc["paths"]["/v1/score"]["post"]["requestBody"]["content"];
        let batch = &score["application/json"]["schema"]["oneOf"][1]["properties"]["customers"]["maxItems"];
        assert_eq!(batch.as_u64(), Some(routes::MAX_BATCH as u64));
        assert_eq!(
            score["application/x-ndjson"]["schema"]["oneOf"][0]["maxItems"].as_u64(),
            Some(routes::MAX_BATCH as u64)
        );
        let what_if =
            &doc["paths"]["/v1/what-if"]["post"]["requestBody"]["content"]["application/json"]["schema"];
        assert_eq!(
            what_if["properties"]["changes"]["oneOf"][1]["maxItems"].as_u64(),
            Some(routes::MAX_SCENARIOS as u64)
        );
        let change = &doc["components"]["schemas"]["Change"];
        assert!(
            change["properties"].get(m.target().name.as_str()).is_none(),
            "{file}: a change cannot set the target"
        );
    }
}

#[test]
fn the_document_names_the_models_and_the_split() {
    let champion = model("telco-logistic.churn");
    let challenger = model("telco-mlp.churn");
    let models = Models {
        champion: &champion,
        challenger: Some(routes::Challenger { model: &challenger, share: 0.25 }),
    };
    let doc = routes::document(&models).unwrap();
    let deployed = doc["info"]["x-churn-models"].as_array().unwrap();
    assert_eq!(deployed.len(), 2);
    assert_eq!(deployed[1]["role"], "challenger");
    assert_eq!(deployed[1]["share"], 0.25);
    let description = doc["info"]["description"].as_str().unwrap();
    assert!(
        description
            .contains(&format!("id {}), for 25% of customers, routed by `customerID`", challenger.id())),
        "{description}"
    );
    assert_eq!(
        doc["components"]["schemas"]["Customer"]["properties"]["customerID"]["x-churn-identifier"],
        true
    );
    let tenure = &doc["components"]["schemas"]["Customer"]["properties"]["tenure"];
    assert_eq!(tenure["x-churn-role"], "numeric");
    assert!(
        tenure["description"]
            .as_str()
            .unwrap()
            .starts_with("A number. In training: 0 to 72. Whole numbers in training."),
        "{tenure}"
    );
    let contract = &doc["components"]["schemas"]["Customer"]["properties"]["Contract"]["anyOf"][0]["enum"];
    assert_eq!(contract, &serde_json::json!(["Month-to-month", "One year", "Two year"]));
}

/// The CSV grammar's free cells are the cells the CSV reader takes: a quote inside an unquoted
/// cell is literal, and text after a quoted cell's closing quote reads on (found by Schemathesis
/// on the demo model, when the grammar refused `"kÍ"*` and the reader took it).
#[test]
fn the_csv_grammar_takes_the_cells_the_reader_takes() {
    let m = model("telco-logistic.churn");
    let models = Models { champion: &m, challenger: None };
    let doc = routes::document(&models).unwrap();
    let csv = &doc["paths"]["/v1/score"]["post"]["requestBody"]["content"]["text/csv"];
    let grammar = Regex::new(csv["schema"]["pattern"].as_str().unwrap()).unwrap();
    let example = csv["examples"]["csv"]["value"].as_str().unwrap();
    let gender =
        example.lines().nth(1).unwrap().split(',').position(|c| c == "Male" || c == "Female").unwrap();
    for cell in ["Male", "", "5\" screen", "\"Male\"", "\"a\"\"b\"", "\"a\"b", "\"a\"b\"c", "\"\"", "\" \"x"]
    {
        let rows: Vec<String> = example
            .lines()
            .skip(1)
            .map(|line| {
                let mut cells: Vec<&str> = line.split(',').collect();
                cells[gender] = cell;
                cells.join(",")
            })
            .collect();
        let text = format!("{}\n{}\n", example.lines().next().unwrap(), rows.join("\n"));
        let read = scorer_wasm::api::score_csv(&m, text.as_bytes(), 0, routes::MAX_BATCH)
            .is_ok_and(|a| a.errors.is_empty());
        assert!(read, "the reader refuses {cell:?}");
        assert!(grammar.is_match(&text), "the grammar refuses {cell:?}");
    }
    // An unterminated quote runs to the end of the document: a cell too many, refused by both.
    let broken = example.replacen("Male", "\"Male", 1);
    assert!(!grammar.is_match(&broken));
}
