//! The scoring API, independent of Spin: method, path, content type and body in; status,
//! headers and a JSON body out.
//!
//! | route | method | body | answer |
//! |---|---|---|---|
//! | `/v1/score` | POST | `{"customer": {…}}`, `{"customers": […]}`, `text/csv`, NDJSON | scores |
//! | `/v1/explain` | POST | `{"customer": {…}}` | score, base value and contributions |
//! | `/v1/what-if` | POST | `{"customer": {…}, "changes": {…} or […]}` | before/after per scenario |
//! | `/v1/model` | GET | | model info, input schema, model card |
//! | `/healthz` | GET | | status and model id |
//!
//! Every error is `{"error": {"status", "code", "message", "field"}}` with a stable `code`; batch
//! errors also list every failing record in `errors`. Nothing here panics on any input.

use scorer_wasm::api::{BatchSummary, CsvBatchError, ErrorOut, Scored, score_csv};
use scorer_wasm::json::{Object, ToJson};
use scorer_wasm::{InputError, Model, Problem, Value};
use serde_json::{Map, Value as Json};

/// Largest request body accepted.
pub const MAX_BODY: usize = 4 << 20;
/// Most customers in one request.
pub const MAX_BATCH: usize = 10_000;
/// Most record errors listed in one answer.
const MAX_ERRORS: usize = 100;

/// What the handler needs of a request.
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
}

/// What the handler answers.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

/// An HTTP error with a stable code.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub field: String,
    /// Every failing record of a batch, when there are several.
    pub errors: Vec<ErrorOut>,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), field: String::new(), errors: Vec::new() }
    }

    fn input(e: &InputError) -> Self {
        ApiError {
            status: 400,
            code: e.code(),
            message: e.to_string(),
            field: e.field.clone(),
            errors: Vec::new(),
        }
    }

    /// A batch with failing records: the first names the error, all are listed.
    fn records(errors: Vec<ErrorOut>) -> Self {
        let first = &errors[0];
        ApiError {
            status: 400,
            code: first.code,
            message: first.message.clone(),
            field: first.field.clone(),
            errors: errors.into_iter().take(MAX_ERRORS).collect(),
        }
    }

    /// The reply for this error.
    pub fn reply(&self) -> Reply {
        let mut out = String::new();
        let error = Raw(|out: &mut String| {
            Object::new(out)
                .field("status", &(self.status as u32))
                .field("code", &self.code)
                .field("message", &self.message)
                .field("field", &self.field)
                .end()
        });
        let mut obj = Object::new(&mut out).field("error", &error);
        if !self.errors.is_empty() {
            obj = obj.field("errors", &self.errors);
        }
        obj.end();
        Reply { status: self.status, headers: json_headers(), body: out }
    }
}

/// Answers one request.
pub fn handle(model: &Model, req: &Request<'_>) -> Reply {
    let result = match (req.path, req.method) {
        ("/healthz", "GET" | "HEAD") => Ok(health(model)),
        ("/v1/model", "GET" | "HEAD") => Ok(model_answer(model)),
        ("/v1/score", "POST") => score(model, req),
        ("/v1/explain", "POST") => explain(model, req),
        ("/v1/what-if", "POST") => what_if(model, req),
        ("/healthz" | "/v1/model", _) => return method_not_allowed(req.method, "GET, HEAD"),
        ("/v1/score" | "/v1/explain" | "/v1/what-if", _) => return method_not_allowed(req.method, "POST"),
        (path, _) => Err(ApiError::new(
            404,
            "not_found",
            format!(
                "no route {path}; the API has POST /v1/score, /v1/explain, /v1/what-if and GET /v1/model"
            ),
        )),
    };
    let mut reply = match result {
        Ok(body) => Reply { status: 200, headers: json_headers(), body },
        Err(e) => e.reply(),
    };
    reply.headers.push(("x-churn-model", model.id().to_string()));
    reply
}

fn json_headers() -> Vec<(&'static str, String)> {
    vec![("content-type", "application/json".into()), ("cache-control", "no-store".into())]
}

fn method_not_allowed(method: &str, allowed: &'static str) -> Reply {
    let mut reply =
        ApiError::new(405, "method_not_allowed", format!("{method} is not allowed here; use {allowed}"))
            .reply();
    reply.headers.push(("allow", allowed.into()));
    reply
}

/// Which model answered: in every answer.
struct ModelRef<'a>(&'a Model);

impl ToJson for ModelRef<'_> {
    fn to_json(&self, out: &mut String) {
        let m = self.0;
        Object::new(out)
            .field("id", &m.id())
            .field("name", &m.meta().name)
            .field("kind", &m.meta().kind)
            .end();
    }
}

/// Writes a nested value with a closure.
struct Raw<F: Fn(&mut String)>(F);

impl<F: Fn(&mut String)> ToJson for Raw<F> {
    fn to_json(&self, out: &mut String) {
        (self.0)(out)
    }
}

fn health(model: &Model) -> String {
    let mut out = String::new();
    Object::new(&mut out).field("status", &"ok").field("model", &ModelRef(model)).end();
    out
}

fn model_answer(model: &Model) -> String {
    let mut out = String::new();
    // The card is JSON already, written by the trainer; it goes out as it is.
    let card = Raw(|out: &mut String| out.push_str(model.card_json()));
    Object::new(&mut out)
        .field("model", &model.info())
        .field("schema", &model.schema())
        .field("card", &card)
        .end();
    out
}

/// The media type of a Content-Type header, lowercased, without parameters.
fn media_type(content_type: Option<&str>) -> String {
    content_type.unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// Parses a JSON request body into its top-level object.
fn json_object(req: &Request<'_>) -> Result<Map<String, Json>, ApiError> {
    let media = media_type(req.content_type);
    if media != "application/json" && !media.ends_with("+json") {
        return Err(unsupported(req.content_type, "application/json"));
    }
    parse_object(req.body)
}

fn unsupported(content_type: Option<&str>, accepted: &str) -> ApiError {
    ApiError::new(
        415,
        "unsupported_media_type",
        match content_type {
            Some(t) => format!("content type \"{t}\" is not accepted here; send {accepted}"),
            None => format!("the request has no Content-Type; send {accepted}"),
        },
    )
}

fn parse_object(body: &[u8]) -> Result<Map<String, Json>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(
            400,
            "empty_body",
            "the request body is empty; send a JSON object such as {\"customer\": {...}}",
        ));
    }
    match serde_json::from_slice::<Json>(body) {
        Ok(Json::Object(map)) => Ok(map),
        Ok(other) => Err(ApiError::new(
            400,
            "expected_object",
            format!("the body must be a JSON object, got {}", describe(&other)),
        )),
        Err(e) => Err(ApiError::new(400, "malformed_json", format!("the body is not valid JSON: {e}"))),
    }
}

fn describe(v: &Json) -> String {
    match v {
        Json::Null => "null".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        Json::String(s) => Value::Text(s).to_string(),
        Json::Array(_) => "an array".into(),
        Json::Object(_) => "an object".into(),
    }
}

/// The fields of a customer object, as scorer values.
fn fields<'a>(customer: &'a Json, path: &str) -> Result<Vec<(&'a str, Value<'a>)>, InputError> {
    let Json::Object(map) = customer else {
        return Err(InputError::new(path, Problem::ExpectedObject { got: describe(customer) }));
    };
    let mut out = Vec::with_capacity(map.len());
    for (k, v) in map {
        let value = match v {
            Json::Null => Value::Missing,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            Json::String(s) => Value::Text(s),
            Json::Array(_) | Json::Object(_) => {
                return Err(InputError::new(k.as_str(), Problem::NotScalar { got: describe(v) }).within(path));
            }
        };
        out.push((k.as_str(), value));
    }
    Ok(out)
}

/// A customer from a JSON value, as a row in the model's column order.
fn customer_row<'a>(model: &Model, customer: &'a Json, path: &str) -> Result<Vec<Value<'a>>, InputError> {
    let fields = fields(customer, path)?;
    let mut row = Vec::new();
    model.record(fields, &mut row).map_err(|e| e.within(path))?;
    Ok(row)
}

/// Checks that an envelope has only the expected keys.
fn envelope(map: &Map<String, Json>, allowed: &[&str]) -> Result<(), ApiError> {
    for key in map.keys() {
        if !allowed.contains(&key.as_str()) {
            let expected: Vec<String> = allowed.iter().map(|k| format!("\"{k}\"")).collect();
            let e = InputError::new(key.as_str(), Problem::UnknownField { suggestion: None });
            let mut err = ApiError::input(&e);
            err.message = format!("{key}: unknown field; the body takes {}", expected.join(" or "));
            return Err(err);
        }
    }
    Ok(())
}

fn score(model: &Model, req: &Request<'_>) -> Result<String, ApiError> {
    match media_type(req.content_type).as_str() {
        "text/csv" => score_csv_body(model, req.body),
        "application/x-ndjson" | "application/ndjson" | "application/jsonl" => score_ndjson(model, req.body),
        "application/json" => score_json(model, json_object(req)?),
        _ => Err(unsupported(req.content_type, "application/json, text/csv or application/x-ndjson")),
    }
}

fn score_json(model: &Model, body: Map<String, Json>) -> Result<String, ApiError> {
    envelope(&body, &["customer", "customers"])?;
    let mut scorer = model.scorer();
    match (body.get("customer"), body.get("customers")) {
        (Some(customer), None) => {
            let row = customer_row(model, customer, "customer").map_err(|e| ApiError::input(&e))?;
            let result = scorer.answer(&row).map_err(|e| ApiError::input(&e.within("customer")))?;
            let mut out = String::new();
            Object::new(&mut out).field("model", &ModelRef(model)).field("result", &result).end();
            Ok(out)
        }
        (None, Some(Json::Array(customers))) => {
            if customers.is_empty() {
                return Err(ApiError::input(&InputError::new("customers", Problem::EmptyBatch)));
            }
            if customers.len() > MAX_BATCH {
                return Err(too_many(customers.len()));
            }
            let scored = customers.iter().enumerate().map(|(i, c)| {
                let path = format!("customers[{i}]");
                customer_row(model, c, &path).and_then(|row| scorer.answer(&row).map_err(|e| e.within(&path)))
            });
            batch_answer(model, scored)
        }
        (None, Some(other)) => Err(ApiError::input(&InputError::new(
            "customers",
            Problem::ExpectedArray { got: describe(other) },
        ))),
        (Some(_), Some(_)) => {
            Err(ApiError::new(400, "ambiguous_body", "send either \"customer\" or \"customers\", not both"))
        }
        (None, None) => Err(ApiError::new(
            400,
            "missing_customer",
            "the body needs \"customer\" (one) or \"customers\" (a list)",
        )),
    }
}

fn too_many(n: usize) -> ApiError {
    ApiError::new(
        413,
        "batch_too_large",
        format!("{n} customers in one request; the limit is {MAX_BATCH}, split the batch"),
    )
}

/// Scores of a batch, or every error if any record failed.
fn batch_answer(
    model: &Model,
    scored: impl Iterator<Item = Result<Scored, InputError>>,
) -> Result<String, ApiError> {
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for r in scored {
        match r {
            Ok(s) => results.push(s),
            Err(e) => errors.push(ErrorOut::from(&e)),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::records(errors));
    }
    let summary = BatchSummary {
        rows: results.len(),
        scored: results.len(),
        failed: 0,
        expected_churners: results.iter().map(|s| s.probability).sum(),
        contact: results.iter().filter(|s| s.decision == "contact").count(),
    };
    let mut out = String::new();
    Object::new(&mut out)
        .field("model", &ModelRef(model))
        .field("results", &results)
        .field("summary", &summary)
        .end();
    Ok(out)
}

fn score_csv_body(model: &Model, body: &[u8]) -> Result<String, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(
            400,
            "empty_body",
            "the request body is empty; send a header row and one row per customer",
        ));
    }
    let answer = score_csv(model, body, 0, MAX_BATCH).map_err(|e| match e {
        CsvBatchError::TooManyRows { .. } => {
            ApiError::new(413, "batch_too_large", format!("{e}; the limit is {MAX_BATCH}"))
        }
        CsvBatchError::Header(h) => ApiError {
            status: 400,
            code: h.code(),
            message: format!("header: {h}"),
            field: h.field,
            errors: vec![],
        },
        CsvBatchError::Csv(c) => ApiError::new(400, "malformed_csv", c.to_string()),
    })?;
    if !answer.errors.is_empty() {
        let errors = answer
            .errors
            .iter()
            .map(|e| ErrorOut {
                field: format!("row {} (line {}).{}", e.row, e.line, e.field),
                code: e.code,
                message: format!("row {} (line {}): {}", e.row, e.line, e.message),
            })
            .collect();
        return Err(ApiError::records(errors));
    }
    let mut out = String::new();
    Object::new(&mut out)
        .field("model", &ModelRef(model))
        .field("results", &answer.rows)
        .field("summary", &answer.summary)
        .end();
    Ok(out)
}

fn score_ndjson(model: &Model, body: &[u8]) -> Result<String, ApiError> {
    let Ok(text) = std::str::from_utf8(body) else {
        return Err(ApiError::new(400, "malformed_ndjson", "the body is not UTF-8 text"));
    };
    let lines: Vec<(usize, &str)> = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return Err(ApiError::new(
            400,
            "empty_body",
            "the request body is empty; send one JSON object per line",
        ));
    }
    if lines.len() > MAX_BATCH {
        return Err(too_many(lines.len()));
    }
    let mut values = Vec::with_capacity(lines.len());
    for &(i, line) in &lines {
        match serde_json::from_str::<Json>(line) {
            Ok(v) => values.push((i, v)),
            Err(e) => {
                return Err(ApiError::new(
                    400,
                    "malformed_ndjson",
                    format!("line {}: not valid JSON: {e}", i + 1),
                ));
            }
        }
    }
    let mut scorer = model.scorer();
    let scored = values.iter().map(|(i, v)| {
        let path = format!("line {}", i + 1);
        customer_row(model, v, &path).and_then(|row| scorer.answer(&row).map_err(|e| e.within(&path)))
    });
    batch_answer(model, scored)
}

fn explain(model: &Model, req: &Request<'_>) -> Result<String, ApiError> {
    let body = json_object(req)?;
    envelope(&body, &["customer"])?;
    let customer = body
        .get("customer")
        .ok_or_else(|| ApiError::new(400, "missing_customer", "the body needs \"customer\": {...}"))?;
    let row = customer_row(model, customer, "customer").map_err(|e| ApiError::input(&e))?;
    let explanation =
        model.scorer().answer_explained(&row).map_err(|e| ApiError::input(&e.within("customer")))?;
    let mut out = String::new();
    Object::new(&mut out).field("model", &ModelRef(model)).field("explanation", &explanation).end();
    Ok(out)
}

fn what_if(model: &Model, req: &Request<'_>) -> Result<String, ApiError> {
    let body = json_object(req)?;
    envelope(&body, &["customer", "changes"])?;
    let customer = body.get("customer").ok_or_else(|| {
        ApiError::new(400, "missing_customer", "the body needs \"customer\": {...} and \"changes\"")
    })?;
    let changes: Vec<(String, &Json)> = match body.get("changes") {
        Some(Json::Array(list)) if list.is_empty() => {
            return Err(ApiError::input(&InputError::new("changes", Problem::EmptyBatch)));
        }
        Some(Json::Array(list)) => {
            list.iter().enumerate().map(|(i, c)| (format!("changes[{i}]"), c)).collect()
        }
        Some(one @ Json::Object(_)) => vec![("changes".to_string(), one)],
        Some(other) => {
            return Err(ApiError::input(&InputError::new(
                "changes",
                Problem::ExpectedObject { got: describe(other) },
            )));
        }
        None => {
            return Err(ApiError::new(
                400,
                "missing_changes",
                "the body needs \"changes\": {...} or [{...}, ...]",
            ));
        }
    };
    if changes.len() > MAX_BATCH {
        return Err(too_many(changes.len()));
    }
    let before = customer_row(model, customer, "customer").map_err(|e| ApiError::input(&e))?;
    let mut scorer = model.scorer();
    let mut scenarios = Vec::with_capacity(changes.len());
    for (path, change) in &changes {
        let fields = fields(change, path).map_err(|e| ApiError::input(&e))?;
        let mut after = before.clone();
        model.overlay(fields, &mut after).map_err(|e| ApiError::input(&e.within(path)))?;
        scenarios.push(scorer.what_if(&before, &after).map_err(|e| ApiError::input(&e.within(path)))?);
    }
    let mut out = String::new();
    Object::new(&mut out).field("model", &ModelRef(model)).field("scenarios", &scenarios).end();
    Ok(out)
}
