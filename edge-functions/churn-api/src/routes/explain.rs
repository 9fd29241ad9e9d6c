//! `POST /v1/explain` and `POST /v1/what-if`.

use super::*;

pub(super) fn explain(models: &Models<'_>, req: &Request<'_>) -> Result<Answer, ApiError> {
    let body = json_object(req)?;
    envelope(&body, &["customer"])?;
    let customer = body
        .get("customer")
        .ok_or_else(|| ApiError::new(400, "missing_customer", "the body needs \"customer\": {...}"))?;
    let (model, role) = models.route_json(customer);
    let row = customer_row(model, customer, "customer")?;
    let explanation = model.scorer().answer_explained(&row).map_err(|e| e.within("customer"))?;
    let mut out = String::new();
    Object::new(&mut out).field("model", &models.reference(role)).field("explanation", &explanation).end();
    Ok(Answer::by(model, out))
}

pub(super) fn what_if(models: &Models<'_>, req: &Request<'_>) -> Result<Answer, ApiError> {
    let body = json_object(req)?;
    envelope(&body, &["customer", "changes"])?;
    let customer = body.get("customer").ok_or_else(|| {
        ApiError::new(400, "missing_customer", "the body needs \"customer\": {...} and \"changes\"")
    })?;
    let changes: Vec<(String, &Json)> = match body.get("changes") {
        Some(Json::Array(list)) if list.is_empty() => {
            return Err(ApiError::from(InputError::new("changes", Problem::EmptyBatch)));
        }
        Some(Json::Array(list)) => {
            list.iter().enumerate().map(|(i, c)| (format!("changes[{i}]"), c)).collect()
        }
        Some(one @ Json::Object(_)) => vec![("changes".to_string(), one)],
        Some(other) => {
            return Err(ApiError::from(InputError::new(
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
    if changes.len() > MAX_SCENARIOS {
        return Err(ApiError::new(
            400,
            "batch_too_large",
            format!("{} change sets in one request; the limit is {MAX_SCENARIOS}, split them", changes.len()),
        ));
    }
    let (model, role) = models.route_json(customer);
    let before = customer_row(model, customer, "customer")?;
    let mut scorer = model.scorer();
    let mut scenarios = Vec::with_capacity(changes.len());
    for (path, change) in &changes {
        let fields = fields(change, path)?;
        let mut after = before.clone();
        model.overlay(fields, &mut after).map_err(|e| e.within(path))?;
        scenarios.push(scorer.what_if(&before, &after).map_err(|e| e.within(path))?);
    }
    let mut out = String::new();
    Object::new(&mut out).field("model", &models.reference(role)).field("scenarios", &scenarios).end();
    Ok(Answer::by(model, out))
}
