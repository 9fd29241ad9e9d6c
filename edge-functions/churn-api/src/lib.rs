//! The churn scoring API as a Spin HTTP component (WASI 0.2 `incoming-handler`).
//!
//! A thin shell: it reads the request (refusing bodies over [`routes::MAX_BODY`] without reading
//! them in full), loads the model embedded at build time, and hands both to [`routes::handle`],
//! which knows the API. See `edge-functions/openapi.yaml` for the contract.

pub mod routes;

use futures::StreamExt;
use scorer_wasm::Model;
use spin_sdk::http::{IncomingRequest, Method, Response};

use crate::routes::{ApiError, MAX_BODY, Reply, Request};

#[spin_sdk::http_component]
async fn handle(req: IncomingRequest) -> Response {
    let reply = match read(req).await {
        Ok((method, path, content_type, body)) => match Model::embedded() {
            Some(Ok(model)) => routes::handle(
                &model,
                &Request { method: &method, path: &path, content_type: content_type.as_deref(), body: &body },
            ),
            Some(Err(e)) => {
                ApiError::new(500, "model_unavailable", format!("the embedded model does not load: {e}"))
                    .reply()
            }
            None => {
                ApiError::new(500, "model_unavailable", "this component was built without a model").reply()
            }
        },
        Err(e) => e.reply(),
    };
    Response::from(reply)
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
