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
//!
//! **Champion and challenger.** When a challenger model is configured ([`Models`]), each
//! customer is scored by one of the two, chosen by a stable hash of the customer's identifier
//! ([`bucket`]), so the same customer always meets the same model on every route. Every answer
//! names the model that scored it: `model.role` for one customer, `model_id` per result for a
//! batch, and the `x-churn-model` header lists the ids of the models used.

use scorer_wasm::api::{BatchSummary, CsvBatchError, ErrorOut, Scored, score_csv_routed};
use scorer_wasm::json::{Object, ToJson};
use scorer_wasm::{InputError, Model, Problem, Scorer, Value};
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

/// A model with its share of traffic.
pub struct Challenger<'m> {
    pub model: &'m Model,
    /// The share of customers (0 to 1) the challenger scores.
    pub share: f64,
}

/// The models that answer requests: the champion, and optionally a challenger that scores a
/// stable share of customers.
pub struct Models<'m> {
    pub champion: &'m Model,
    pub challenger: Option<Challenger<'m>>,
}

/// Which of the two models scored a customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Champion,
    Challenger,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Champion => "champion",
            Role::Challenger => "challenger",
        }
    }
}

/// Buckets for the traffic split: a share is a whole number of hundredths of a percent.
pub const BUCKETS: u64 = 10_000;

/// The bucket of a customer identifier: FNV-1a (64-bit) of its UTF-8 bytes, modulo
/// [`BUCKETS`]. A customer is the challenger's when its bucket is below `share × BUCKETS`
/// (rounded), so raising the share only moves customers from champion to challenger.
pub fn bucket(id: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in id.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash % BUCKETS
}

impl<'m> Models<'m> {
    /// The model for a customer with this identifier; customers without one go to the
    /// champion.
    pub fn route(&self, id: Option<&str>) -> (&'m Model, Role) {
        match (&self.challenger, id) {
            (Some(c), Some(id)) if bucket(id) < (c.share * BUCKETS as f64).round() as u64 => {
                (c.model, Role::Challenger)
            }
            _ => (self.champion, Role::Champion),
        }
    }

    /// The model for a customer given as a JSON object, by its identifier as the champion
    /// reads it (the first identifier column present and not missing).
    fn route_json(&self, customer: &Json) -> (&'m Model, Role) {
        if self.challenger.is_none() {
            return (self.champion, Role::Champion);
        }
        let Json::Object(map) = customer else { return (self.champion, Role::Champion) };
        let id = self.champion.identifier_names().find_map(|name| match map.get(name)? {
            Json::String(s) => Value::from_cell(s).as_id(),
            Json::Number(n) => Value::Number(n.as_f64()?).as_id(),
            Json::Bool(b) => Some(b.to_string()),
            Json::Null | Json::Array(_) | Json::Object(_) => None,
        });
        self.route(id.as_deref())
    }

    fn reference(&self, role: Role) -> ModelRef<'_> {
        match (role, &self.challenger) {
            (Role::Challenger, Some(c)) => ModelRef { model: c.model, role, share: Some(c.share) },
            _ => ModelRef { model: self.champion, role: Role::Champion, share: None },
        }
    }

    fn challenger_reference(&self) -> Option<ModelRef<'_>> {
        self.challenger.as_ref().map(|_| self.reference(Role::Challenger))
    }

    /// The model of a role.
    fn model(&self, role: Role) -> &'m Model {
        match (role, &self.challenger) {
            (Role::Challenger, Some(c)) => c.model,
            _ => self.champion,
        }
    }
}

/// A successful answer and the ids of the models that produced it.
struct Answer {
    body: String,
    models: String,
}

impl Answer {
    fn by(model: &Model, body: String) -> Self {
        Answer { body, models: model.id().to_string() }
    }
}

/// Answers one request.
pub fn handle(models: &Models<'_>, req: &Request<'_>) -> Reply {
    let result = match (req.path, req.method) {
        ("/healthz", "GET" | "HEAD") => Ok(Answer::by(models.champion, health(models))),
        ("/v1/model", "GET" | "HEAD") => Ok(Answer::by(models.champion, model_answer(models))),
        ("/v1/score", "POST") => score(models, req),
        ("/v1/explain", "POST") => explain(models, req),
        ("/v1/what-if", "POST") => what_if(models, req),
        ("/healthz" | "/v1/model", _) => return method_not_allowed(models, req.method, "GET, HEAD"),
        ("/v1/score" | "/v1/explain" | "/v1/what-if", _) => {
            return method_not_allowed(models, req.method, "POST");
        }
        (path, _) => Err(ApiError::new(
            404,
            "not_found",
            format!(
                "no route {path}; the API has POST /v1/score, /v1/explain, /v1/what-if and GET /v1/model"
            ),
        )),
    };
    let (mut reply, ids) = match result {
        Ok(answer) => (Reply { status: 200, headers: json_headers(), body: answer.body }, answer.models),
        Err(e) => (e.reply(), models.champion.id().to_string()),
    };
    reply.headers.push(("x-churn-model", ids));
    reply
}

fn json_headers() -> Vec<(&'static str, String)> {
    vec![("content-type", "application/json".into()), ("cache-control", "no-store".into())]
}

fn method_not_allowed(models: &Models<'_>, method: &str, allowed: &'static str) -> Reply {
    let mut reply =
        ApiError::new(405, "method_not_allowed", format!("{method} is not allowed here; use {allowed}"))
            .reply();
    reply.headers.push(("allow", allowed.into()));
    reply.headers.push(("x-churn-model", models.champion.id().to_string()));
    reply
}

/// Which model answered: in every answer.
struct ModelRef<'a> {
    model: &'a Model,
    role: Role,
    /// The challenger's share of traffic.
    share: Option<f64>,
}

impl ToJson for ModelRef<'_> {
    fn to_json(&self, out: &mut String) {
        let m = self.model;
        let mut obj = Object::new(out)
            .field("id", &m.id())
            .field("name", &m.meta().name)
            .field("kind", &m.meta().kind)
            .field("role", &self.role.as_str());
        if let Some(share) = self.share {
            obj = obj.field("share", &share);
        }
        obj.end();
    }
}

/// A result with the id of the model that scored it, for batches under a split.
struct Tagged<'a, T>(&'a T, Option<&'a str>);

impl<T: ToJson> ToJson for Tagged<'_, T> {
    fn to_json(&self, out: &mut String) {
        self.0.to_json(out);
        if let Some(id) = self.1
            && out.ends_with('}')
        {
            out.pop();
            if !out.ends_with('{') {
                out.push(',');
            }
            out.push_str("\"model_id\":");
            id.to_json(out);
            out.push('}');
        }
    }
}

/// The ids of the models used, champion first, without repeats.
fn used(models: &Models<'_>, roles: impl IntoIterator<Item = Role>) -> String {
    let (mut champion, mut challenger) = (false, false);
    for role in roles {
        match role {
            Role::Champion => champion = true,
            Role::Challenger => challenger = true,
        }
    }
    let mut ids = Vec::new();
    if champion || !challenger {
        ids.push(models.champion.id());
    }
    if challenger {
        ids.push(models.model(Role::Challenger).id());
    }
    ids.join(", ")
}

/// Writes a nested value with a closure.
struct Raw<F: Fn(&mut String)>(F);

impl<F: Fn(&mut String)> ToJson for Raw<F> {
    fn to_json(&self, out: &mut String) {
        (self.0)(out)
    }
}

fn health(models: &Models<'_>) -> String {
    let mut out = String::new();
    Object::new(&mut out)
        .field("status", &"ok")
        .field("model", &models.reference(Role::Champion))
        .field("challenger", &models.challenger_reference())
        .end();
    out
}

fn model_answer(models: &Models<'_>) -> String {
    let model = models.champion;
    let mut out = String::new();
    // The card is JSON already, written by the trainer; it goes out as it is.
    let card = Raw(|out: &mut String| out.push_str(model.card_json()));
    let challenger = models.challenger.as_ref().map(|c| {
        Raw(move |out: &mut String| {
            let card = Raw(|out: &mut String| out.push_str(c.model.card_json()));
            let routed_by = model.identifier_names().next();
            Object::new(out)
                .field("share", &c.share)
                .field("routed_by", &routed_by)
                .field("model", &c.model.info())
                .field("card", &card)
                .end()
        })
    });
    Object::new(&mut out)
        .field("model", &model.info())
        .field("schema", &model.schema())
        .field("card", &card)
        .field("challenger", &challenger)
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

fn score(models: &Models<'_>, req: &Request<'_>) -> Result<Answer, ApiError> {
    match media_type(req.content_type).as_str() {
        "text/csv" => score_csv_body(models, req.body),
        "application/x-ndjson" | "application/ndjson" | "application/jsonl" => score_ndjson(models, req.body),
        "application/json" => score_json(models, json_object(req)?),
        _ => Err(unsupported(req.content_type, "application/json, text/csv or application/x-ndjson")),
    }
}

/// A scorer per model, reused across the customers of a request.
struct Scorers<'m> {
    champion: Scorer<'m>,
    challenger: Option<Scorer<'m>>,
}

impl<'m> Scorers<'m> {
    fn new(models: &Models<'m>) -> Self {
        Scorers {
            champion: models.champion.scorer(),
            challenger: models.challenger.as_ref().map(|c| c.model.scorer()),
        }
    }

    /// Scores one customer with the model its identifier routes it to.
    fn score(
        &mut self,
        models: &Models<'m>,
        customer: &Json,
        path: &str,
    ) -> Result<(Scored, Role), InputError> {
        let (model, role) = models.route_json(customer);
        let row = customer_row(model, customer, path)?;
        let scorer = match (role, self.challenger.as_mut()) {
            (Role::Challenger, Some(scorer)) => scorer,
            _ => &mut self.champion,
        };
        let scored = scorer.answer(&row).map_err(|e| e.within(path))?;
        Ok((scored, role))
    }
}

fn score_json(models: &Models<'_>, body: Map<String, Json>) -> Result<Answer, ApiError> {
    envelope(&body, &["customer", "customers"])?;
    match (body.get("customer"), body.get("customers")) {
        (Some(customer), None) => {
            let (result, role) =
                Scorers::new(models).score(models, customer, "customer").map_err(|e| ApiError::input(&e))?;
            let mut out = String::new();
            Object::new(&mut out).field("model", &models.reference(role)).field("result", &result).end();
            Ok(Answer::by(models.model(role), out))
        }
        (None, Some(Json::Array(customers))) => {
            if customers.is_empty() {
                return Err(ApiError::input(&InputError::new("customers", Problem::EmptyBatch)));
            }
            if customers.len() > MAX_BATCH {
                return Err(too_many(customers.len()));
            }
            let mut scorers = Scorers::new(models);
            let scored = customers
                .iter()
                .enumerate()
                .map(|(i, c)| scorers.score(models, c, &format!("customers[{i}]")));
            batch_answer(models, scored)
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
    models: &Models<'_>,
    scored: impl Iterator<Item = Result<(Scored, Role), InputError>>,
) -> Result<Answer, ApiError> {
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
        expected_churners: results.iter().map(|(s, _)| s.probability).sum(),
        contact: results.iter().filter(|(s, _)| s.decision == "contact").count(),
    };
    let split = models.challenger.is_some();
    let tagged: Vec<_> =
        results.iter().map(|(s, role)| Tagged(s, split.then(|| models.model(*role).id()))).collect();
    let mut out = String::new();
    Object::new(&mut out)
        .field("model", &models.reference(Role::Champion))
        .field("challenger", &models.challenger_reference())
        .field("results", &tagged)
        .field("summary", &summary)
        .end();
    Ok(Answer { body: out, models: used(models, results.iter().map(|(_, role)| *role)) })
}

fn score_csv_body(models: &Models<'_>, body: &[u8]) -> Result<Answer, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(
            400,
            "empty_body",
            "the request body is empty; send a header row and one row per customer",
        ));
    }
    let others: Vec<&Model> = models.challenger.iter().map(|c| c.model).collect();
    let route = |id: Option<&str>| match models.route(id).1 {
        Role::Champion => 0,
        Role::Challenger => 1,
    };
    let answer =
        score_csv_routed(models.champion, &others, route, body, 0, MAX_BATCH).map_err(|e| match e {
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
    let role = |index: usize| if index == 0 { Role::Champion } else { Role::Challenger };
    let split = models.challenger.is_some();
    let tagged: Vec<_> =
        answer.rows.iter().map(|r| Tagged(r, split.then(|| models.model(role(r.model)).id()))).collect();
    let mut out = String::new();
    Object::new(&mut out)
        .field("model", &models.reference(Role::Champion))
        .field("challenger", &models.challenger_reference())
        .field("results", &tagged)
        .field("summary", &answer.summary)
        .end();
    Ok(Answer { body: out, models: used(models, answer.rows.iter().map(|r| role(r.model))) })
}

fn score_ndjson(models: &Models<'_>, body: &[u8]) -> Result<Answer, ApiError> {
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
    let mut scorers = Scorers::new(models);
    let scored = values.iter().map(|(i, v)| scorers.score(models, v, &format!("line {}", i + 1)));
    batch_answer(models, scored)
}

fn explain(models: &Models<'_>, req: &Request<'_>) -> Result<Answer, ApiError> {
    let body = json_object(req)?;
    envelope(&body, &["customer"])?;
    let customer = body
        .get("customer")
        .ok_or_else(|| ApiError::new(400, "missing_customer", "the body needs \"customer\": {...}"))?;
    let (model, role) = models.route_json(customer);
    let row = customer_row(model, customer, "customer").map_err(|e| ApiError::input(&e))?;
    let explanation =
        model.scorer().answer_explained(&row).map_err(|e| ApiError::input(&e.within("customer")))?;
    let mut out = String::new();
    Object::new(&mut out).field("model", &models.reference(role)).field("explanation", &explanation).end();
    Ok(Answer::by(model, out))
}

fn what_if(models: &Models<'_>, req: &Request<'_>) -> Result<Answer, ApiError> {
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
    let (model, role) = models.route_json(customer);
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
    Object::new(&mut out).field("model", &models.reference(role)).field("scenarios", &scenarios).end();
    Ok(Answer::by(model, out))
}
