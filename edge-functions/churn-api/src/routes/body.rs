//! Request bodies: content types, JSON objects and customers read into scorer values.

use super::*;

/// The media type of a Content-Type header, lowercased, without parameters.
pub(super) fn media_type(content_type: Option<&str>) -> String {
    content_type.unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// Parses a JSON request body into its top-level object.
pub(super) fn json_object(req: &Request<'_>) -> Result<Map<String, Json>, ApiError> {
    let media = media_type(req.content_type);
    if media != "application/json" && !media.ends_with("+json") {
        return Err(unsupported(req.content_type, "application/json"));
    }
    parse_object(req.body)
}

pub(super) fn unsupported(content_type: Option<&str>, accepted: &str) -> ApiError {
    ApiError::new(
        415,
        "unsupported_media_type",
        match content_type {
            Some(t) => format!("content type \"{t}\" is not accepted here; send {accepted}"),
            None => format!("the request has no Content-Type; send {accepted}"),
        },
    )
}

pub(super) fn parse_object(body: &[u8]) -> Result<Map<String, Json>, ApiError> {
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

pub(super) fn describe(v: &Json) -> String {
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
pub(super) fn fields<'a>(customer: &'a Json, path: &str) -> Result<Vec<(&'a str, Value<'a>)>, InputError> {
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
pub(super) fn customer_row<'a>(
    model: &Model,
    customer: &'a Json,
    path: &str,
) -> Result<Vec<Value<'a>>, InputError> {
    let fields = fields(customer, path)?;
    let mut row = Vec::new();
    model.record(fields, &mut row).map_err(|e| e.within(path))?;
    Ok(row)
}

/// Checks that an envelope has only the expected keys.
pub(super) fn envelope(map: &Map<String, Json>, allowed: &[&str]) -> Result<(), ApiError> {
    for key in map.keys() {
        if !allowed.contains(&key.as_str()) {
            let expected: Vec<String> = allowed.iter().map(|k| format!("\"{k}\"")).collect();
            let e = InputError::new(key.as_str(), Problem::UnknownField { suggestion: None });
            let mut err = ApiError::from(e);
            err.message = format!("{key}: unknown field; the body takes {}", expected.join(" or "));
            return Err(err);
        }
    }
    Ok(())
}
