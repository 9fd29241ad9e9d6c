//! The Spin shell: a request in, the models loaded, [`crate::routes::handle`] called, its reply
//! out. Only this module knows spin-sdk.

use futures::StreamExt;
use scorer_wasm::Model;
use spin_sdk::http::{IncomingRequest, Method, Response};

use crate::routes::{self, ApiError, Challenger, MAX_BODY, Models, Reply, Request};

/// The challenger model file embedded by `build.rs`; empty without one.
static CHALLENGER: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/challenger.churn"));
/// SHA-256 of the challenger's payload, computed by `build.rs`.
static CHALLENGER_SHA256: &[u8; 32] = include_bytes!(concat!(env!("OUT_DIR"), "/challenger.sha256"));

#[spin_sdk::http_component]
async fn handle(req: IncomingRequest) -> Response {
    let reply = match read(req).await {
        Ok((method, path, content_type, body)) => {
            let request =
                Request { method: &method, path: &path, content_type: content_type.as_deref(), body: &body };
            match load() {
                Ok((champion, challenger)) => {
                    let challenger =
                        challenger.as_ref().map(|(model, share)| Challenger { model, share: *share });
                    routes::handle(&Models { champion: &champion, challenger }, &request)
                }
                Err(e) => e.reply(),
            }
        }
        Err(e) => e.reply(),
    };
    Response::from(reply)
}

/// The champion, and the challenger with its share when one is embedded.
fn load() -> Result<(Model, Option<(Model, f64)>), ApiError> {
    let champion = match Model::embedded() {
        Some(Ok(model)) => model,
        Some(Err(e)) => {
            return Err(ApiError::new(
                500,
                "model_unavailable",
                format!("the embedded model does not load: {e}"),
            ));
        }
        None => {
            return Err(ApiError::new(500, "model_unavailable", "this component was built without a model"));
        }
    };
    if CHALLENGER.is_empty() {
        return Ok((champion, None));
    }
    let challenger = Model::from_bytes_with_digest(CHALLENGER, CHALLENGER_SHA256).map_err(|e| {
        ApiError::new(500, "model_unavailable", format!("the embedded challenger model does not load: {e}"))
    })?;
    Ok((champion, Some((challenger, share()?))))
}

/// The challenger's share of customers, from `CHALLENGER_SHARE`; 0 when unset.
fn share() -> Result<f64, ApiError> {
    let Some(text) = std::env::var_os("CHALLENGER_SHARE") else { return Ok(0.0) };
    let text = text.to_string_lossy();
    match text.trim().parse::<f64>() {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(share),
        _ => Err(ApiError::new(
            500,
            "bad_configuration",
            format!(
                "CHALLENGER_SHARE={text:?} is not a share between 0 and 1; set it to, say, 0.1 to send \
                 a tenth of customers to the challenger"
            ),
        )),
    }
}

/// Method, path (without the query), content type and body of a request.
async fn read(req: IncomingRequest) -> Result<(String, String, Option<String>, Vec<u8>), ApiError> {
    let method = match req.method() {
        Method::Get => "GET".to_string(),
        Method::Head => "HEAD".into(),
        Method::Post => "POST".into(),
        Method::Put => "PUT".into(),
        Method::Delete => "DELETE".into(),
        Method::Patch => "PATCH".into(),
        Method::Options => "OPTIONS".into(),
        Method::Connect => "CONNECT".into(),
        Method::Trace => "TRACE".into(),
        Method::Other(m) => m,
    };
    let path_and_query = req.path_with_query().unwrap_or_else(|| "/".into());
    let path = path_and_query.split('?').next().unwrap_or("/").to_string();
    let headers = req.headers();
    let header =
        |name: &str| headers.get(name).into_iter().next().map(|v| String::from_utf8_lossy(&v).into_owned());
    let content_type = header("content-type");
    let too_large = || {
        ApiError::new(413, "payload_too_large", format!("the request body is over the {MAX_BODY}-byte limit"))
    };
    if header("content-length").and_then(|l| l.trim().parse::<usize>().ok()).is_some_and(|l| l > MAX_BODY) {
        return Err(too_large());
    }
    drop(headers);
    let mut body = Vec::new();
    let mut stream = req.into_body_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(400, "unreadable_body", format!("the request body could not be read: {e}"))
        })?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok((method, path, content_type, body))
}

impl From<Reply> for Response {
    fn from(reply: Reply) -> Self {
        let mut builder = Response::builder();
        builder.status(reply.status);
        for (name, value) in reply.headers {
            builder.header(name, value);
        }
        builder.body(reply.body).build()
    }
}
