//! The scoring API, independent of Spin: method, path, content type and body in; status,
//! headers and a JSON body out.
//!
//! | route | method | body | answer |
//! |---|---|---|---|
//! | `/v1/score` | POST | `{"customer": {…}}`, `{"customers": […]}`, `text/csv`, NDJSON | scores |
//! | `/v1/explain` | POST | `{"customer": {…}}` | score, base value and contributions |
//! | `/v1/what-if` | POST | `{"customer": {…}, "changes": {…} or […]}` | before/after per scenario |
//! | `/v1/model` | GET | | model info, input schema, model card |
//! | `/v1/openapi.json` | GET | | the contract specialised to the deployed models |
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

pub use scorer_wasm::Alias;
use scorer_wasm::api::{BatchSummary, CsvBatchError, ErrorOut, Scored, score_csv_routed};
use scorer_wasm::json::{Object, Raw, ToJson};
use scorer_wasm::{InputError, Model, Problem, Scorer, Value, Verdict};
use serde_json::{Map, Value as Json};

mod body;
mod error;
mod explain;
mod json;
mod openapi;
mod score;
mod split;

use body::*;
pub use error::ApiError;
use explain::*;
use json::*;
pub use openapi::{boolean_text, document, number_text};
use score::*;
pub use split::{BUCKETS, Challenger, Models, bucket};

/// Largest request body accepted.
pub const MAX_BODY: usize = 4 << 20;

/// Most customers in one request. The answer to the largest batch must fit the component's
/// memory (`churn-serve` gives an instance 64 MiB, a bound worth keeping under any host): 2,000 customers whose every field is missing answer
/// 4.4 MB of warnings, and build it in 18 MB; 10,000 took 78 MB and trapped.
pub const MAX_BATCH: usize = 2_000;

/// Most what-if scenarios in one request: each answers two explanations and their differences,
/// about 9 KB (100 scenarios build their answer in 2.4 MB).
pub const MAX_SCENARIOS: usize = 100;

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
        ("/v1/openapi.json", "GET" | "HEAD") => openapi::openapi(models),
        ("/v1/score", "POST") => score(models, req),
        ("/v1/explain", "POST") => explain(models, req),
        ("/v1/what-if", "POST") => what_if(models, req),
        ("/healthz" | "/v1/model" | "/v1/openapi.json", _) => {
            return method_not_allowed(models, req.method, "GET, HEAD");
        }
        ("/v1/score" | "/v1/explain" | "/v1/what-if", _) => {
            return method_not_allowed(models, req.method, "POST");
        }
        (path, _) => Err(ApiError::new(
            404,
            "not_found",
            format!(
                "no route {path}; the API has POST /v1/score, /v1/explain, /v1/what-if and GET /v1/model, /v1/openapi.json"
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
