//! `POST /v1/score`: one customer, a JSON batch, CSV or NDJSON, under the traffic split.

use super::*;

pub(super) fn score(models: &Models<'_>, req: &Request<'_>) -> Result<Answer, ApiError> {
    match media_type(req.content_type).as_str() {
        "text/csv" => score_csv_body(models, req.body),
        "application/x-ndjson" | "application/ndjson" | "application/jsonl" => score_ndjson(models, req.body),
        "application/json" => score_json(models, json_object(req)?),
        _ => Err(unsupported(req.content_type, "application/json, text/csv or application/x-ndjson")),
    }
}

/// A scorer per model, reused across the customers of a request.
pub(super) struct Scorers<'m> {
    pub(super) champion: Scorer<'m>,
    pub(super) challenger: Option<Scorer<'m>>,
}

impl<'m> Scorers<'m> {
    pub(super) fn new(models: &Models<'m>) -> Self {
        Scorers {
            champion: models.champion.scorer(),
            challenger: models.challenger.as_ref().map(|c| c.model.scorer()),
        }
    }

    /// Scores one customer with the model its identifier routes it to.
    pub(super) fn score(
        &mut self,
        models: &Models<'m>,
        customer: &Json,
        path: &str,
    ) -> Result<(Scored, Alias), InputError> {
        let (model, role) = models.route_json(customer);
        let row = customer_row(model, customer, path)?;
        let scorer = match (role, self.challenger.as_mut()) {
            (Alias::Challenger, Some(scorer)) => scorer,
            _ => &mut self.champion,
        };
        let scored = scorer.answer(&row).map_err(|e| e.within(path))?;
        Ok((scored, role))
    }
}

pub(super) fn score_json(models: &Models<'_>, body: Map<String, Json>) -> Result<Answer, ApiError> {
    envelope(&body, &["customer", "customers"])?;
    match (body.get("customer"), body.get("customers")) {
        (Some(customer), None) => {
            let (result, role) = Scorers::new(models).score(models, customer, "customer")?;
            let mut out = String::new();
            Object::new(&mut out).field("model", &models.reference(role)).field("result", &result).end();
            Ok(Answer::by(models.model(role), out))
        }
        (None, Some(Json::Array(customers))) => {
            if customers.is_empty() {
                return Err(ApiError::from(InputError::new("customers", Problem::EmptyBatch)));
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
        (None, Some(other)) => {
            Err(ApiError::from(InputError::new("customers", Problem::ExpectedArray { got: describe(other) })))
        }
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

pub(super) fn too_many(n: usize) -> ApiError {
    ApiError::new(
        400,
        "batch_too_large",
        format!("{n} customers in one request; the limit is {MAX_BATCH}, split the batch"),
    )
}

/// Scores of a batch, or every error if any record failed.
pub(super) fn batch_answer(
    models: &Models<'_>,
    scored: impl Iterator<Item = Result<(Scored, Alias), InputError>>,
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
        contact: results.iter().filter(|(s, _)| s.decision == Verdict::Contact).count(),
    };
    let split = models.challenger.is_some();
    let roles: Vec<Alias> = results.iter().map(|(_, role)| *role).collect();
    let results: Vec<Scored> = results
        .into_iter()
        .map(|(mut s, role)| {
            s.model_id = split.then(|| models.model(role).id().to_string());
            s
        })
        .collect();
    let mut out = String::new();
    Object::new(&mut out)
        .field("model", &models.reference(Alias::Champion))
        .field("challenger", &models.challenger_reference())
        .field("results", &results)
        .field("summary", &summary)
        .end();
    Ok(Answer { body: out, models: used(models, roles) })
}

pub(super) fn score_csv_body(models: &Models<'_>, body: &[u8]) -> Result<Answer, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(
            400,
            "empty_body",
            "the request body is empty; send a header row and one row per customer",
        ));
    }
    let others: Vec<&Model> = models.challenger.iter().map(|c| c.model).collect();
    let route = |id: Option<&str>| match models.route(id).1 {
        Alias::Champion => 0,
        Alias::Challenger => 1,
    };
    let mut answer =
        score_csv_routed(models.champion, &others, route, body, 0, MAX_BATCH).map_err(|e| match e {
            CsvBatchError::TooManyRows { .. } => {
                ApiError::new(400, "batch_too_large", format!("{e}; the limit is {MAX_BATCH}"))
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
    let role = |index: usize| if index == 0 { Alias::Champion } else { Alias::Challenger };
    let split = models.challenger.is_some();
    for r in &mut answer.rows {
        r.model_id = split.then(|| models.model(role(r.model)).id().to_string());
    }
    let mut out = String::new();
    Object::new(&mut out)
        .field("model", &models.reference(Alias::Champion))
        .field("challenger", &models.challenger_reference())
        .field("results", &answer.rows)
        .field("summary", &answer.summary)
        .end();
    Ok(Answer { body: out, models: used(models, answer.rows.iter().map(|r| role(r.model))) })
}

pub(super) fn score_ndjson(models: &Models<'_>, body: &[u8]) -> Result<Answer, ApiError> {
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
