//! `GET /v1/openapi.json`: the human-written contract (`edge-functions/openapi.yaml`, turned into
//! JSON by the build script) specialised to the deployed models. The model is the type: the
//! `Customer` and `Change` schemas list its columns and accept exactly what the scorer accepts,
//! the CSV body is the grammar of a document with its header, and every example is the model's
//! typical customer with the answer this very handler gives.
//!
//! What a column accepts follows the scorer's reading rules (`scorer_wasm::read`): a number
//! column takes a JSON number, `null`, or text that reads as a number or spells a missing value
//! ([`number_text`]); a boolean column its two labels and the common spellings
//! ([`boolean_text`]); a categorical column any scalar (the learned levels are the `enum`, any
//! other value is scored as "other" with a warning); a date column an ISO 8601 date.

use super::*;

/// The contract as JSON, converted from `openapi.yaml` when the component was built.
const CONTRACT: &str = include_str!(concat!(env!("OUT_DIR"), "/contract.json"));

/// Characters Rust's `str::trim` removes (Unicode `White_Space`), as a regular-expression class.
const SPACE: &str = r"[\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";

/// The same inside a CSV cell, where a line break or a quote would end it.
const CELL_SPACE: &str = r"[\t\u000b\f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";

/// A decimal number as `scorer_wasm::value::parse_number` reads it. The exponent is limited to
/// two digits so that every match is finite (`1e400` is refused as not finite).
const NUMBER: &str = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,2})?";

/// Spellings of true and false that any boolean column accepts, whatever its labels.
const BOOLEAN_WORDS: [&str; 10] = ["yes", "true", "y", "t", "1", "no", "false", "n", "f", "0"];

/// The answer to `GET /v1/openapi.json`.
pub(super) fn openapi(models: &Models<'_>) -> Result<Answer, ApiError> {
    Ok(Answer::by(models.champion, document(models)?.to_string()))
}

/// The OpenAPI document of these models.
pub fn document(models: &Models<'_>) -> Result<Json, ApiError> {
    let mut doc: Json = serde_json::from_str(CONTRACT).map_err(|e| {
        ApiError::new(
            500,
            "bad_configuration",
            format!("the contract built into the component is not JSON: {e}"),
        )
    })?;
    let champion = models.champion;
    describe_deployment(&mut doc, models);
    doc["components"]["schemas"]["Customer"] = customer(champion, true);
    doc["components"]["schemas"]["Change"] = customer(champion, false);
    doc["paths"]["/v1/score"]["post"]["requestBody"]["content"]["text/csv"]["schema"] = csv_body(champion);
    examples(&mut doc, models);
    Ok(doc)
}

fn describe_deployment(doc: &mut Json, models: &Models<'_>) {
    let champion = models.champion;
    let meta = champion.meta();
    let target = champion.target();
    let split = match &models.challenger {
        Some(c) => format!(
            "This deployment has a challenger, {} ({}, id {}), for {} of customers, routed by {}.",
            c.model.meta().name,
            c.model.meta().kind,
            c.model.id(),
            percent(c.share),
            champion.identifier_names().next().map_or(
                "nothing (the model has no identifier column; everyone meets the champion)".into(),
                |n| format!("`{n}`")
            ),
        ),
        None => "This deployment has no challenger: every customer meets the champion.".into(),
    };
    let columns = champion.columns().len();
    let mut description = format!(
        "Generated from the model {} ({}, id {}, trained by {}), which predicts `{}` = {:?}. \
         `Customer` lists its {columns} columns with their types, categories and training \
         ranges, and takes no other field. {split}\n\n",
        meta.name,
        meta.kind,
        champion.id(),
        meta.trainer,
        target.name,
        target.positive,
    );
    let info = &mut doc["info"];
    info["title"] = Json::String(format!("Churn scoring API: {}", meta.name));
    description.push_str(info["description"].as_str().unwrap_or_default());
    info["description"] = Json::String(description);
    let mut deployed = vec![model_entry(champion, Alias::Champion, None)];
    if let Some(c) = &models.challenger {
        deployed.push(model_entry(c.model, Alias::Challenger, Some(c.share)));
    }
    info["x-churn-models"] = Json::Array(deployed);
}

fn model_entry(model: &Model, role: Alias, share: Option<f64>) -> Json {
    let mut entry = Map::new();
    entry.insert("id".into(), model.id().into());
    entry.insert("name".into(), model.meta().name.clone().into());
    entry.insert("kind".into(), model.meta().kind.clone().into());
    entry.insert("role".into(), role.as_str().into());
    if let Some(share) = share {
        entry.insert("share".into(), share.into());
    }
    Json::Object(entry)
}

fn percent(share: f64) -> String {
    format!("{}%", scorer_wasm::value::format_number(share * 100.0))
}

/// A regular expression matching exactly `text`.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\^$.|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Text that spells a missing value, without anchors or surrounding space.
fn missing() -> String {
    let tokens: Vec<String> = scorer_wasm::value::MISSING_TOKENS.iter().map(|t| escape(t)).collect();
    format!("(?:{})", tokens.join("|"))
}

/// A word in any ASCII case, as `eq_ignore_ascii_case` compares.
fn any_case(word: &str) -> String {
    word.chars()
        .map(|c| match (c.to_ascii_lowercase(), c.to_ascii_uppercase()) {
            (l, u) if l != u => format!("[{l}{u}]"),
            _ => escape(&c.to_string()),
        })
        .collect()
}

/// Text a number column accepts: a number or a missing value, with surrounding space.
pub fn number_text() -> String {
    format!("^{SPACE}*(?:{NUMBER}|{})?{SPACE}*$", missing())
}

fn boolean_words(labels: &[&str]) -> String {
    let mut words: Vec<String> = labels.iter().filter(|l| !l.is_empty()).map(|l| escape(l)).collect();
    words.extend(BOOLEAN_WORDS.iter().map(|w| any_case(w)));
    words.push(missing());
    format!("(?:{})", words.join("|"))
}

/// Text a boolean column with these labels accepts.
pub fn boolean_text(true_label: &str, false_label: &str) -> String {
    format!("^{SPACE}*{}?{SPACE}*$", boolean_words(&[true_label, false_label]))
}

fn missing_text() -> String {
    format!("^{SPACE}*{}?{SPACE}*$", missing())
}

/// What a value of one column may be.
fn column_schema(column: &scorer_wasm::api::ColumnOut) -> Json {
    let range = match (&column.min, &column.max) {
        (Some(min), Some(max)) => format!(" In training: {} to {}.", show(min), show(max)),
        _ => String::new(),
    };
    let mut schema = role_schema(column, &range, missing_note(column));
    schema["x-churn-role"] = column.role.into();
    if let Some(typical) = column.typical.as_ref().map(scalar) {
        schema["examples"] = Json::Array(vec![typical]);
    }
    schema
}

/// What the encoders do with a missing value of the column (`scorer_wasm::Encoder::encode`);
/// every one comes back as an `imputed` warning.
fn missing_note(column: &scorer_wasm::api::ColumnOut) -> &'static str {
    match (column.role, column.missing_in_training) {
        ("categorical", true) => {
            " Missing (null, absent or a missing spelling) has a level of its own, learned in training; it comes back as an imputed warning."
        }
        ("categorical", false) => {
            " Missing (null, absent or a missing spelling) is scored as \"other\", with an imputed warning."
        }
        (_, true) => {
            " Missing (null, absent or a missing spelling) is imputed as the typical value, with the missing-value indicator the model learned, and an imputed warning."
        }
        (_, false) => {
            " Missing (null, absent or a missing spelling) is imputed as the typical value, with an imputed warning."
        }
    }
}

/// The schema of a column by its role: the JSON types and text patterns the scorer reads.
fn role_schema(column: &scorer_wasm::api::ColumnOut, range: &str, missing: &str) -> Json {
    use serde_json::json;
    match column.role {
        "numeric" => {
            let whole = if column.integer == Some(true) { " Whole numbers in training." } else { "" };
            json!({
                "anyOf": [
                    { "type": "number" },
                    { "type": "string", "pattern": number_text(), "description": "Text that reads as a number, or spells a missing value." },
                    { "type": "null" }
                ],
                "description": format!("A number.{range}{whole} Outside that range it is scored with an out_of_range warning.{missing}"),
            })
        }
        "boolean" => boolean_schema(column, missing),
        "categorical" => {
            let levels = column.categories.clone().unwrap_or_default();
            json!({
                "anyOf": [
                    { "enum": levels },
                    { "type": ["string", "number", "boolean"] },
                    { "type": "null" }
                ],
                "description": format!("One of the {} categories seen in training (the enum); any other value is scored as \"other\", with an unknown_category warning.{missing}", levels.len()),
            })
        }
        "date" => json!({
            "anyOf": [
                { "type": "string", "format": "date" },
                { "type": "string", "pattern": missing_text(), "description": "A missing value." },
                { "type": "null" }
            ],
            "description": format!("An ISO 8601 date (YYYY-MM-DD).{range}{missing}"),
        }),
        "identifier" => json!({
            "type": ["string", "number", "boolean", "null"],
            "description": "The customer's identifier: not used by the model, echoed back as `id`, and hashed to split traffic between champion and challenger.",
            "x-churn-identifier": true,
        }),
        _ => json!({
            "type": ["string", "number", "boolean", "null"],
            "description": format!("Not used by the model: {}.", column.reason.as_deref().unwrap_or("ignored in training")),
        }),
    }
}

fn boolean_schema(column: &scorer_wasm::api::ColumnOut, missing: &str) -> Json {
    let labels = column.categories.clone().unwrap_or_default();
    let (t, f) = (labels.first().map_or("", String::as_str), labels.get(1).map_or("", String::as_str));
    serde_json::json!({
        "anyOf": [
            { "type": "boolean" },
            { "enum": [0, 1] },
            { "type": "string", "pattern": boolean_text(t, f) },
            { "type": "null" }
        ],
        "description": format!("Yes or no: {t:?} is true and {f:?} false; also true/false, 1/0, yes/no, y/n or t/f in any case.{missing}"),
    })
}

fn scalar(value: &scorer_wasm::api::Scalar) -> Json {
    match value {
        scorer_wasm::api::Scalar::Number(x) => {
            serde_json::Number::from_f64(*x).map_or(Json::Null, Json::Number)
        }
        scorer_wasm::api::Scalar::Text(s) => Json::String(s.clone()),
    }
}

fn show(value: &scorer_wasm::api::Scalar) -> String {
    match value {
        scorer_wasm::api::Scalar::Number(x) => scorer_wasm::value::format_number(*x),
        scorer_wasm::api::Scalar::Text(s) => s.clone(),
    }
}

/// The customer schema of a model; `Change` is the same without the target.
fn customer(model: &Model, with_target: bool) -> Json {
    let schema = model.schema();
    let mut properties = Map::new();
    for column in &schema.columns {
        properties.insert(column.name.clone(), column_schema(column));
    }
    let description = if with_target {
        properties.insert(
            schema.target.name.clone(),
            serde_json::json!({
                "type": ["string", "number", "boolean", "null"],
                "description": "The label the model predicts; accepted and ignored, so labelled rows can be scored as they are.",
                "x-churn-role": "target",
            }),
        );
        format!(
            "One customer of the model {}, keyed by column name. Every field is optional (absent is missing); no other field is accepted.",
            model.meta().name
        )
    } else {
        "The columns a what-if scenario sets, with the values a customer takes; every field is optional and no other field is accepted.".to_string()
    };
    serde_json::json!({
        "type": "object",
        "description": description,
        "properties": properties,
        "additionalProperties": false,
    })
}

/// One CSV cell that a column accepts, as a regular expression.
fn csv_cell(column: &scorer_wasm::api::ColumnOut) -> String {
    // As the CSV reader (csv-core) takes a cell: unquoted, where a quote after the first
    // character is literal; or quoted, with `""` for a quote, and anything after the closing
    // quote up to the comma read on as text.
    let free = r#"(?:[^",\r\n][^,\r\n]*|"(?:[^"]|"")*"[^,\r\n]*)?"#.to_string();
    let typed = |inner: String| format!("{CELL_SPACE}*{inner}?{CELL_SPACE}*");
    match column.role {
        "numeric" => typed(format!("(?:{NUMBER}|{})", missing())),
        "boolean" => {
            let labels = column.categories.clone().unwrap_or_default();
            // A label that needs quoting in CSV is left to the common spellings.
            let plain: Vec<&str> =
                labels.iter().map(String::as_str).filter(|l| !l.contains([',', '"', '\r', '\n'])).collect();
            typed(boolean_words(&plain))
        }
        "date" => typed(format!("(?:[0-9]{{4}}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|{})", missing())),
        _ => free,
    }
}

/// A CSV header field.
fn csv_name(name: &str) -> String {
    if name.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", name.replace('"', "\"\""))
    } else {
        name.into()
    }
}

/// The text/csv body: the grammar of a document with the model's header and 1 to
/// [`MAX_BATCH`] rows.
fn csv_body(model: &Model) -> Json {
    let schema = model.schema();
    let header: Vec<String> = schema.columns.iter().map(|c| escape(&csv_name(&c.name))).collect();
    let row: Vec<String> = schema.columns.iter().map(csv_cell).collect();
    // `+` rather than `{1,2000}`: a bounded repeat of a long group is too big for some regular
    // expression engines (Rust's regex crate among them); the limit is in the description.
    let pattern = format!("^{}(?:\\r?\\n{})+(?:\\r?\\n)?$", header.join(","), row.join(","));
    serde_json::json!({
        "type": "string",
        "pattern": pattern,
        "description": format!(
            "A header row naming the model's columns, then one customer per row (1 to {MAX_BATCH}; more is 400 batch_too_large). The pattern is the form a generator can write: the header in model order, typed cells unquoted. The scorer also takes the columns in any order, the target column, and quoted cells."
        ),
    })
}

/// The model's typical customer, and a second one that differs in a few columns.
fn typical_customers(model: &Model) -> (Json, Json) {
    let schema = model.schema();
    let (mut first, mut second) = (Map::new(), Map::new());
    let mut changed = 0;
    for column in &schema.columns {
        let typical = match column.role {
            "identifier" => Some(Json::String("customer-1".into())),
            "ignored" => None,
            _ => column.typical.as_ref().map(scalar),
        };
        let Some(typical) = typical else { continue };
        let other = match column.role {
            "identifier" => Some(Json::String("customer-2".into())),
            "numeric" if changed < 3 => column.max.as_ref().map(scalar),
            "boolean" | "categorical" if changed < 3 => column
                .categories
                .as_ref()
                .and_then(|c| c.iter().find(|l| Some(&Json::String((*l).clone())) != Some(&typical)))
                .map(|l| Json::String(l.clone())),
            _ => None,
        };
        if other.is_some() && column.role != "identifier" {
            changed += 1;
        }
        second.insert(column.name.clone(), other.unwrap_or_else(|| typical.clone()));
        first.insert(column.name.clone(), typical);
    }
    (Json::Object(first), Json::Object(second))
}

/// A what-if change: the first category or label other than the customer's, or a number at its
/// training maximum.
fn a_change(model: &Model, customer: &Json) -> Json {
    let schema = model.schema();
    let mut change = Map::new();
    for column in &schema.columns {
        let current = &customer[column.name.as_str()];
        let other = match column.role {
            "boolean" | "categorical" => column
                .categories
                .as_ref()
                .and_then(|c| c.iter().find(|l| Json::String((*l).clone()) != *current))
                .map(|l| Json::String(l.clone())),
            "numeric" => column.max.as_ref().map(scalar).filter(|m| m != current),
            _ => None,
        };
        if let Some(other) = other {
            change.insert(column.name.clone(), other);
            break;
        }
    }
    Json::Object(change)
}

fn csv_text(model: &Model, customers: &[&Json]) -> String {
    let schema = model.schema();
    let cell = |v: &Json| match v {
        Json::Null => String::new(),
        Json::String(s) => csv_name(s),
        other => other.to_string(),
    };
    let mut out: Vec<String> =
        vec![schema.columns.iter().map(|c| csv_name(&c.name)).collect::<Vec<_>>().join(",")];
    for c in customers {
        out.push(schema.columns.iter().map(|col| cell(&c[col.name.as_str()])).collect::<Vec<_>>().join(","));
    }
    out.join("\n") + "\n"
}

/// Sends a request to the handler and reads its answer back.
fn answer(models: &Models<'_>, path: &str, content_type: &str, body: &str) -> (u16, Json) {
    let reply = handle(
        models,
        &Request { method: "POST", path, content_type: Some(content_type), body: body.as_bytes() },
    );
    (reply.status, serde_json::from_str(&reply.body).unwrap_or(Json::Null))
}

fn example(summary: &str, value: Json) -> Json {
    serde_json::json!({ "summary": summary, "value": value })
}

/// Sets an operation's request examples for one media type, and the examples of the answers
/// they get, under the status each got.
fn set_examples(
    doc: &mut Json,
    models: &Models<'_>,
    path: &str,
    media: &str,
    requests: Vec<(&str, &str, Json)>,
) {
    let operation = &mut doc["paths"][path]["post"];
    let mut request_examples = Map::new();
    for (name, summary, value) in requests {
        let body = match &value {
            Json::String(text) => text.clone(),
            other if media == "application/x-ndjson" => {
                other.as_array().map_or(String::new(), |a| a.iter().map(|c| c.to_string() + "\n").collect())
            }
            other => other.to_string(),
        };
        let (status, reply) = answer(models, path, media, &body);
        let status = status.to_string();
        let responses = &mut operation["responses"];
        // Error answers are described once, in components.responses; only successes go here.
        if responses[status.as_str()].get("$ref").is_none() {
            responses[status.as_str()]["content"]["application/json"]["examples"][name] =
                example(summary, reply);
        }
        request_examples.insert(name.into(), example(summary, value));
    }
    operation["requestBody"]["content"][media]["examples"] = Json::Object(request_examples);
}

fn examples(doc: &mut Json, models: &Models<'_>) {
    let model = models.champion;
    let (one, two) = typical_customers(model);
    // The contract's examples are the Telco model's; every one is replaced.
    for path in ["/v1/score", "/v1/explain", "/v1/what-if"] {
        if let Some(Json::Object(responses)) = doc["paths"][path]["post"].get_mut("responses") {
            for response in responses.values_mut() {
                if let Some(content) = response.get_mut("content").and_then(|c| c.get_mut("application/json"))
                {
                    content["examples"] = Json::Object(Map::new());
                }
            }
        }
    }
    set_examples(
        doc,
        models,
        "/v1/score",
        "application/json",
        vec![
            ("one", "The typical customer", serde_json::json!({ "customer": one })),
            ("batch", "Two customers", serde_json::json!({ "customers": [one, two] })),
        ],
    );
    set_examples(
        doc,
        models,
        "/v1/score",
        "text/csv",
        vec![("csv", "Two customers as CSV", Json::String(csv_text(model, &[&one, &two])))],
    );
    set_examples(
        doc,
        models,
        "/v1/score",
        "application/x-ndjson",
        vec![("ndjson", "Two customers, one per line", Json::Array(vec![one.clone(), two.clone()]))],
    );
    set_examples(
        doc,
        models,
        "/v1/explain",
        "application/json",
        vec![("one", "The typical customer", serde_json::json!({ "customer": one }))],
    );
    let change = a_change(model, &one);
    set_examples(
        doc,
        models,
        "/v1/what-if",
        "application/json",
        vec![(
            "change",
            "The typical customer, one column changed",
            serde_json::json!({ "customer": one, "changes": [change] }),
        )],
    );
    for (path, name, body) in
        [("/v1/model", "model", model_answer(models)), ("/healthz", "ok", health(models))]
    {
        let value = serde_json::from_str(&body).unwrap_or(Json::Null);
        doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["examples"] =
            serde_json::json!({ name: { "value": value } });
    }
    let beginning = serde_json::json!({
        "openapi": doc["openapi"].clone(),
        "info": { "title": doc["info"]["title"].clone(), "version": doc["info"]["version"].clone(),
                  "x-churn-models": doc["info"]["x-churn-models"].clone() },
    });
    doc["paths"]["/v1/openapi.json"]["get"]["responses"]["200"]["content"]["application/json"]["examples"] = serde_json::json!({ "document": { "summary": "The beginning of this document", "value": beginning } });
    bad_request_examples(doc, models, &one);
}

/// Real answers for the shared 400 response: a misspelt column and an empty batch.
fn bad_request_examples(doc: &mut Json, models: &Models<'_>, customer: &Json) {
    let mut examples = Map::new();
    let feature =
        models.champion.schema().columns.into_iter().find(|c| !matches!(c.role, "identifier" | "ignored"));
    if let Some(column) = feature {
        let mut misspelt = customer.as_object().cloned().unwrap_or_default();
        let value = misspelt.remove(&column.name).unwrap_or(Json::Null);
        let mut name = column.name.clone();
        if name.chars().count() > 3 {
            name.pop();
        } else {
            name.push('_');
        }
        misspelt.insert(name, value);
        let (_, reply) = answer(
            models,
            "/v1/score",
            "application/json",
            &serde_json::json!({ "customer": misspelt }).to_string(),
        );
        examples.insert("unknown_field".into(), example("A misspelt column", reply));
    }
    let (_, reply) = answer(models, "/v1/score", "application/json", r#"{"customers": []}"#);
    examples.insert("empty_batch".into(), example("An empty batch", reply));
    doc["components"]["responses"]["BadRequest"]["content"]["application/json"]["examples"] =
        Json::Object(examples);
}
