//! The JavaScript API (wasm-bindgen), a thin shell over the scorer.
//!
//! ```js
//! import init, { Scorer } from "./pkg/scorer_wasm.js";
//! await init();
//! const scorer = Scorer.embedded();               // or Scorer.fromBytes(uint8Array)
//! scorer.schema();                                // columns, types, categories, ranges
//! scorer.score({ tenure: 3, Contract: "Month-to-month", … });
//! scorer.explain(customer);                       // base + contributions = logit
//! scorer.whatIf(customer, { Contract: "Two year" });
//! ```
//!
//! Customers are plain objects keyed by column name; `null`/`undefined` mean missing. Every
//! error is thrown as an `Error` whose `code` and `field` properties say what and where, e.g.
//! `field: "[3].tenure", code: "expected_number"`. Answers have the same shape as the HTTP API's.

use crate::json::{ToJson, to_json};
use js_sys::{Array, Float64Array, Object, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::api::{CsvBatchError, score_csv};
use crate::error::{ArtifactError, InputError, Problem};
use crate::{Model, Value};

/// Talc instead of the default dlmalloc: smaller and faster on wasm (measured: −10 KB).
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Most rows `scoreCsv` and `scoreColumns` take in one call.
const MAX_ROWS: usize = 1_000_000;

/// A JavaScript scalar copied into Rust (JS strings cannot be borrowed).
enum Owned {
    Missing,
    Number(f64),
    Text(String),
    Bool(bool),
}

impl Owned {
    fn value(&self) -> Value<'_> {
        match self {
            Owned::Missing => Value::Missing,
            Owned::Number(x) => Value::Number(*x),
            Owned::Text(s) => Value::Text(s),
            Owned::Bool(b) => Value::Bool(*b),
        }
    }
}

fn describe(v: &JsValue) -> String {
    let kind = if v.is_null() {
        "null"
    } else if v.is_undefined() {
        "undefined"
    } else if Array::is_array(v) {
        "an array"
    } else if v.is_function() {
        "a function"
    } else if v.is_bigint() {
        "a bigint"
    } else if v.is_symbol() {
        "a symbol"
    } else if v.is_object() {
        "an object"
    } else if let Some(x) = v.as_f64() {
        return crate::value::format_number(x);
    } else if let Some(s) = v.as_string() {
        return Value::Text(&s).to_string();
    } else {
        "a value of another type"
    };
    kind.to_string()
}

fn scalar(v: &JsValue, field: &str) -> Result<Owned, InputError> {
    if v.is_null() || v.is_undefined() {
        Ok(Owned::Missing)
    } else if let Some(x) = v.as_f64() {
        Ok(Owned::Number(x))
    } else if let Some(s) = v.as_string() {
        Ok(Owned::Text(s))
    } else if let Some(b) = v.as_bool() {
        Ok(Owned::Bool(b))
    } else {
        Err(InputError::new(field, Problem::NotScalar { got: describe(v) }))
    }
}

/// The fields of a customer object.
fn fields(customer: &JsValue) -> Result<Vec<(String, Owned)>, InputError> {
    if !customer.is_object() || Array::is_array(customer) || customer.is_function() {
        return Err(InputError::new("", Problem::ExpectedObject { got: describe(customer) }));
    }
    let entries = Object::entries(customer.unchecked_ref());
    let mut out = Vec::with_capacity(entries.length() as usize);
    for entry in entries.iter() {
        let pair: Array = entry.unchecked_into();
        let key = pair.get(0).as_string().unwrap_or_default();
        let value = scalar(&pair.get(1), &key)?;
        out.push((key, value));
    }
    Ok(out)
}

fn borrowed(fields: &[(String, Owned)]) -> impl Iterator<Item = (&str, Value<'_>)> {
    fields.iter().map(|(k, v)| (k.as_str(), v.value()))
}

/// A JavaScript `Error` with `code` and `field` properties.
fn js_error(message: &str, code: &str, field: &str) -> JsValue {
    let e = js_sys::Error::new(message);
    // Setting a property on a fresh Error object cannot fail.
    let _ = Reflect::set(&e, &"code".into(), &code.into());
    let _ = Reflect::set(&e, &"field".into(), &field.into());
    e.into()
}

fn input_error(e: InputError) -> JsValue {
    js_error(&e.to_string(), e.code(), &e.field)
}

fn artifact_error(e: ArtifactError) -> JsValue {
    js_error(&e.to_string(), "invalid_model", "")
}

/// Answers cross into JavaScript as JSON text, which the engine's native `JSON.parse` turns into
/// objects: one call instead of one per property, which is faster for large batches.
fn to_js(value: &dyn ToJson) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(&to_json(value))
}

/// A loaded model, ready to score.
#[wasm_bindgen]
pub struct Scorer {
    model: Model,
}

#[wasm_bindgen]
impl Scorer {
    /// The model embedded in this module when it was built.
    pub fn embedded() -> Result<Scorer, JsValue> {
        match Model::embedded() {
            Some(Ok(model)) => Ok(Scorer { model }),
            Some(Err(e)) => Err(artifact_error(e)),
            None => Err(js_error(
                "this module was built without an embedded model; use Scorer.fromBytes",
                "no_model",
                "",
            )),
        }
    }

    /// A model from the bytes of a `model.churn` file.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8]) -> Result<Scorer, JsValue> {
        Model::from_bytes(bytes).map(|model| Scorer { model }).map_err(artifact_error)
    }

    /// Which model this is: id, checksum, name, kind, target, threshold, risk bands.
    pub fn info(&self) -> Result<JsValue, JsValue> {
        to_js(&self.model.info())
    }

    /// Every input column with its role, categories, training range and typical value.
    pub fn schema(&self) -> Result<JsValue, JsValue> {
        to_js(&self.model.schema())
    }

    /// The model card: data, cross-validated metrics, threshold, hyper-parameters.
    pub fn card(&self) -> Result<JsValue, JsValue> {
        js_sys::JSON::parse(self.model.card_json())
            .map_err(|_| js_error("the model card is not valid JSON", "invalid_model", ""))
    }

    /// Scores one customer: `{id, probability, logit, risk_band, decision, warnings}`.
    pub fn score(&self, customer: JsValue) -> Result<JsValue, JsValue> {
        let fields = fields(&customer).map_err(input_error)?;
        let mut row = Vec::new();
        self.model.record(borrowed(&fields), &mut row).map_err(input_error)?;
        to_js(&self.model.scorer().answer(&row).map_err(input_error)?)
    }

    /// Scores an array of customers; an invalid one fails the call, naming its index.
    #[wasm_bindgen(js_name = scoreMany)]
    pub fn score_many(&self, customers: JsValue) -> Result<JsValue, JsValue> {
        if !Array::is_array(&customers) {
            return Err(input_error(InputError::new(
                "",
                Problem::ExpectedArray { got: describe(&customers) },
            )));
        }
        let customers: Array = customers.unchecked_into();
        if customers.length() == 0 {
            return Err(input_error(InputError::new("", Problem::EmptyBatch)));
        }
        let mut scorer = self.model.scorer();
        let mut answers = Vec::with_capacity(customers.length() as usize);
        for (i, customer) in customers.iter().enumerate() {
            let at = |e: InputError| input_error(e.within(&format!("[{i}]")));
            let fields = fields(&customer).map_err(at)?;
            let mut row = Vec::new();
            self.model.record(borrowed(&fields), &mut row).map_err(at)?;
            answers.push(scorer.answer(&row).map_err(at)?);
        }
        to_js(&answers)
    }

    /// Scores customers given column by column — `{tenure: Float64Array, Contract: [...]}` — and
    /// returns their probabilities. The fastest way to score many customers from JavaScript.
    #[wasm_bindgen(js_name = scoreColumns)]
    pub fn score_columns(&self, columns: JsValue) -> Result<Float64Array, JsValue> {
        let fail = |field: &str, problem| input_error(InputError::new(field, problem));
        if !columns.is_object() || Array::is_array(&columns) {
            return Err(fail("", Problem::ExpectedObject { got: describe(&columns) }));
        }
        let mut names = Vec::new();
        let mut data: Vec<Vec<Owned>> = Vec::new();
        let mut rows: Option<usize> = None;
        for entry in Object::entries(columns.unchecked_ref()).iter() {
            let pair: Array = entry.unchecked_into();
            let name = pair.get(0).as_string().unwrap_or_default();
            let values = pair.get(1);
            let column: Vec<Owned> = if js_sys::ArrayBuffer::is_view(&values) {
                Float64Array::new(&values).to_vec().into_iter().map(Owned::Number).collect()
            } else if Array::is_array(&values) {
                let array: Array = values.unchecked_into();
                let mut column = Vec::with_capacity(array.length() as usize);
                for (i, v) in array.iter().enumerate() {
                    column.push(scalar(&v, &format!("{name}[{i}]")).map_err(input_error)?);
                }
                column
            } else {
                return Err(fail(
                    &name,
                    Problem::NotScalar { got: format!("{} instead of an array", describe(&values)) },
                ));
            };
            match rows {
                None => rows = Some(column.len()),
                Some(n) if n != column.len() => {
                    return Err(js_error(
                        &format!("{name}: has {} values, but the first column has {n}", column.len()),
                        "ragged_columns",
                        &name,
                    ));
                }
                Some(_) => {}
            }
            names.push(name);
            data.push(column);
        }
        let n = rows.unwrap_or(0);
        if n == 0 {
            return Err(fail("", Problem::EmptyBatch));
        }
        if n > MAX_ROWS {
            return Err(js_error(
                &format!("more than {MAX_ROWS} customers in one call"),
                "batch_too_large",
                "",
            ));
        }
        let binding = self.model.bind_header(&names).map_err(input_error)?;
        let mut scorer = self.model.scorer();
        let mut row = Vec::new();
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            binding.fill(data.iter().map(|c| c[i].value()), &mut row);
            let score = scorer.score(&row).map_err(|e| {
                let field = format!("{}[{i}]", e.field);
                input_error(InputError { field, problem: e.problem })
            })?;
            out.push(score.probability);
        }
        Ok(Float64Array::from(out.as_slice()))
    }

    /// Scores a CSV file's bytes in the page: `{rows, errors, summary}`. Rows that do not fit
    /// the model are listed in `errors` with their row, line and reason. `drivers` (default 3)
    /// is how many risk-raising columns to list per row.
    #[wasm_bindgen(js_name = scoreCsv)]
    pub fn score_csv(&self, bytes: &[u8], drivers: Option<u32>) -> Result<JsValue, JsValue> {
        let drivers = drivers.unwrap_or(3) as usize;
        match score_csv(&self.model, bytes, drivers, MAX_ROWS) {
            Ok(answer) => to_js(&answer),
            Err(CsvBatchError::Header(e)) => Err(js_error(&format!("header: {e}"), e.code(), &e.field)),
            Err(e) => Err(js_error(&e.to_string(), e.code(), "")),
        }
    }

    /// Scores and explains one customer: base value plus one contribution per column.
    pub fn explain(&self, customer: JsValue) -> Result<JsValue, JsValue> {
        let fields = fields(&customer).map_err(input_error)?;
        let mut row = Vec::new();
        self.model.record(borrowed(&fields), &mut row).map_err(input_error)?;
        to_js(&self.model.scorer().answer_explained(&row).map_err(input_error)?)
    }

    /// A customer before and after `changes` (an object of the fields that change): both
    /// explanations, the change in probability, and the change of each contribution.
    #[wasm_bindgen(js_name = whatIf)]
    pub fn what_if(&self, customer: JsValue, changes: JsValue) -> Result<JsValue, JsValue> {
        let base = fields(&customer).map_err(input_error)?;
        let changed = fields(&changes).map_err(|e| input_error(e.within("changes")))?;
        let mut before = Vec::new();
        self.model.record(borrowed(&base), &mut before).map_err(input_error)?;
        let mut after = before.clone();
        self.model.overlay(borrowed(&changed), &mut after).map_err(|e| input_error(e.within("changes")))?;
        to_js(&self.model.scorer().what_if(&before, &after).map_err(input_error)?)
    }
}
