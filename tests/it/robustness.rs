//! Nothing panics or traps on any input, and broken input is judged the same everywhere:
//! thousands of seeded random damages to model files, CSV documents, field values and HTTP
//! bodies, each sent to the native scorer, to the browser module under wasmtime (through its
//! plain ABI) and, for bodies, to the API component in process.
//!
//! Model damage is resealed (length and SHA-256 recomputed) so that it reaches the decoder and
//! the validation behind the checksum, which a real corruption almost never does.

use std::panic::{AssertUnwindSafe, catch_unwind};

use scorer_wasm::api::score_csv;
use scorer_wasm::artifact::HEADER_LEN;
use scorer_wasm::{Model, Value};
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};
use tests::{Field, WebModule, encode_records, golden_cases, golden_model, record_of, send};

/// SplitMix64: a seeded generator, so that a failure names a case that can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One to four random damages: flipped bits, overwritten, deleted or duplicated spans, inserted
/// bytes, drawing from `special` (bytes that mean something to the format at hand).
fn damage(rng: &mut Rng, bytes: &mut Vec<u8>, special: &[u8]) {
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len());
        match rng.below(5) {
            0 => bytes[at] ^= 1 << rng.below(8),
            1 => {
                let fill = special[rng.below(special.len())];
                bytes.iter_mut().skip(at).take(1 + rng.below(8)).for_each(|b| *b = fill);
            }
            2 => {
                let len = (1 + rng.below(16)).min(bytes.len() - at);
                bytes.drain(at..at + len);
            }
            3 => {
                let len = (1 + rng.below(16)).min(bytes.len() - at);
                let span = bytes[at..at + len].to_vec();
                bytes.splice(at..at, span);
            }
            _ => bytes.insert(at, special[rng.below(special.len())]),
        }
        if bytes.is_empty() {
            bytes.push(b'x');
        }
    }
}

/// A golden model (by name), natively and loaded into the browser module under wasmtime.
fn in_both(name: &str) -> (Model, WebModule) {
    let bytes = golden_model(&format!("{name}.churn"));
    let mut wasm = WebModule::browser();
    wasm.load(&bytes).unwrap().unwrap();
    (Model::from_bytes(&bytes).unwrap(), wasm)
}

/// A CSV document of the first `n` golden customers of model `name`, in its column order.
fn golden_csv(model: &Model, name: &str, n: usize) -> Vec<u8> {
    let names: Vec<&str> = model.columns().iter().map(|c| c.name.as_str()).collect();
    let mut doc = names.join(",") + "\r\n";
    for case in golden_cases(name).iter().take(n) {
        let cells: Vec<String> = names
            .iter()
            .map(|n| match &case["customer"][*n] {
                Json::String(s) => format!("\"{s}\""),
                Json::Null => String::new(),
                other => other.to_string(),
            })
            .collect();
        doc += &(cells.join(",") + "\r\n");
    }
    doc.into_bytes()
}

/// A CSV document scored natively, in the form the plain ABI answers: `(probability, logit)` per
/// row (NaN for a failed row) and one line per failed row; or the reason the whole document is
/// refused.
#[derive(Debug, PartialEq)]
enum CsvOutcome {
    Scored { scores: Vec<(u64, u64)>, failed: usize, errors: String },
    Refused(String),
}

fn native_csv(model: &Model, csv: &[u8]) -> CsvOutcome {
    let answer = match score_csv(model, csv, 0, usize::MAX) {
        Ok(answer) => answer,
        Err(e) => return CsvOutcome::Refused(e.to_string()),
    };
    let nan = (f64::NAN.to_bits(), f64::NAN.to_bits());
    let mut scores = vec![nan; answer.summary.rows];
    for row in &answer.rows {
        assert!((0.0..=1.0).contains(&row.probability), "row {}: {}", row.row, row.probability);
        scores[row.row as usize - 1] = (row.probability.to_bits(), row.logit.to_bits());
    }
    let errors =
        answer.errors.iter().map(|e| format!("row {} (line {}): {}\n", e.row, e.line, e.message)).collect();
    CsvOutcome::Scored { scores, failed: answer.errors.len(), errors }
}

/// The same document through the browser module.
fn wasm_csv(wasm: &mut WebModule, csv: &[u8]) -> CsvOutcome {
    let s = wasm.score_csv(csv).expect("no trap");
    if s.code < 0 {
        return CsvOutcome::Refused(s.errors);
    }
    let scores = s.scores.iter().map(|(p, z)| (p.to_bits(), z.to_bits())).collect();
    CsvOutcome::Scored { scores, failed: s.code as usize, errors: s.errors }
}

#[test]
fn damaged_models_are_refused_or_score_identically_natively_and_in_wasm() {
    let mut rng = Rng(0x00c0_ffee);
    let (mut loaded, mut refused) = (0, 0);
    for name in ["telco-logistic", "telco-mlp", "bank-mlp"] {
        let bytes = golden_model(&format!("{name}.churn"));
        let csv = golden_csv(&Model::from_bytes(&bytes).unwrap(), name, 5);
        let mut wasm = WebModule::browser();
        for case in 0..1000 {
            let mut payload = bytes[HEADER_LEN..].to_vec();
            // 0xfb–0xfd and 0xff start long integers in bincode's varints; 0x7f and 0x00 are
            // extreme tags and lengths.
            damage(&mut rng, &mut payload, &[0xff, 0xfb, 0xfc, 0xfd, 0x00, 0x7f]);
            let mut damaged = bytes[..12].to_vec();
            damaged.extend_from_slice(&(payload.len() as u64).to_le_bytes());
            damaged.extend_from_slice(&Sha256::digest(&payload));
            damaged.extend_from_slice(&payload);

            let native = catch_unwind(AssertUnwindSafe(|| {
                Model::from_bytes(&damaged).map(|m| {
                    // A damage that still validates (in the card's text, a weight, a level
                    // name) gives a model that must score, explain and describe itself.
                    let _ = (m.schema(), m.info(), m.card_json());
                    (m.id().to_string(), native_csv(&m, &csv))
                })
            }))
            .unwrap_or_else(|_| panic!("{name} damage case {case}: the native scorer panicked"));
            let in_wasm =
                wasm.load(&damaged).unwrap_or_else(|e| panic!("{name} damage case {case}: trap: {e:#}"));
            match (native, in_wasm) {
                (Ok((id, native)), Ok(())) => {
                    assert_eq!(wasm.model_id().unwrap(), id, "{name} case {case}");
                    assert_eq!(wasm_csv(&mut wasm, &csv), native, "{name} case {case}");
                    loaded += 1;
                }
                (Err(native), Err(wasm)) => {
                    assert_eq!(wasm, native.to_string(), "{name} case {case}");
                    refused += 1;
                }
                (native, wasm) => panic!("{name} case {case}: native {native:?}, wasm {wasm:?}"),
            }
        }
    }
    // Damage is caught by decoding or validation, or lands where any value is valid: both kinds
    // must have been met.
    assert_eq!(loaded + refused, 3000);
    assert!(loaded > 0 && refused > 0, "{loaded} loaded, {refused} refused");
}

#[test]
fn damaged_csv_documents_are_judged_identically_natively_in_wasm_and_over_http() {
    let name = "telco-logistic";
    let (model, mut wasm) = in_both(name);
    // The header and 20 customers: damage lands in the header often enough to be exercised too.
    let document = golden_csv(&model, name, 20);
    assert!(matches!(native_csv(&model, &document), CsvOutcome::Scored { failed: 0, .. }));
    let mut rng = Rng(0x5eed_0c5f);
    let (mut scored, mut refused) = (0, 0);
    for case in 0..1500 {
        let mut csv = document.clone();
        damage(&mut rng, &mut csv, b"\",\r\n;\t \xff\xc3");
        let native = catch_unwind(AssertUnwindSafe(|| native_csv(&model, &csv)))
            .unwrap_or_else(|_| panic!("CSV damage case {case}: the native scorer panicked"));
        assert_eq!(wasm_csv(&mut wasm, &csv), native, "CSV damage case {case}");
        let reply = send("POST", "/v1/score", &[("content-type", "text/csv")], csv.clone());
        match &native {
            CsvOutcome::Scored { scores, failed: 0, .. } => {
                assert_eq!(reply.status, 200, "case {case}: {}", String::from_utf8_lossy(&reply.body));
                let over_http: Vec<(u64, u64)> = reply.json()["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| {
                        (r["probability"].as_f64().unwrap().to_bits(), r["logit"].as_f64().unwrap().to_bits())
                    })
                    .collect();
                assert_eq!(&over_http, scores, "case {case}");
                scored += 1;
            }
            _ => {
                assert!((400..500).contains(&reply.status), "case {case}: {}", reply.status);
                assert!(!reply.error().1.is_empty(), "case {case}: an error answer has a code");
                refused += 1;
            }
        }
    }
    assert!(scored > 0 && refused > 0, "{scored} scored, {refused} refused");
}

#[test]
fn any_value_in_any_field_is_judged_identically_natively_and_in_wasm() {
    let (model, mut wasm) = in_both("telco-mlp");
    let base = record_of(golden_cases("telco-mlp")[0]["customer"].as_object().unwrap());
    let alphabet: Vec<char> = "0123456789.-+eE ,;\"'NnAaYyéß\u{0}\u{feff}∞".chars().collect();
    let mut rng = Rng(0x7e47);
    let mut scorer = model.scorer();
    let (mut scored, mut refused) = (0, 0);
    for case in 0..3000 {
        let mut record = base.clone();
        let at = rng.below(record.len());
        record[at].1 = match rng.below(4) {
            0 => Field::Number(f64::from_bits(rng.next())),
            1 => Field::Bool(rng.below(2) == 0),
            2 => Field::Missing,
            _ => Field::Text((0..rng.below(12)).map(|_| alphabet[rng.below(alphabet.len())]).collect()),
        };
        let native = catch_unwind(AssertUnwindSafe(|| {
            let values = record.iter().map(|(name, field)| {
                let value = match field {
                    Field::Missing => Value::Missing,
                    Field::Number(x) => Value::Number(*x),
                    Field::Text(t) => Value::Text(t),
                    Field::Bool(b) => Value::Bool(*b),
                };
                (name.as_str(), value)
            });
            let mut row = Vec::new();
            model.record(values, &mut row).map_err(|e| e.to_string())?;
            let s = scorer.score(&row).map_err(|e| e.to_string())?;
            let e = scorer.explain(&row).expect("what scores explains");
            let sum = e.base_logit + e.contributions.iter().map(|c| c.value).sum::<f64>();
            assert!((sum - e.logit).abs() <= 1e-9 * e.logit.abs().max(1.0), "case {case}: explanation");
            Ok::<_, String>((s.probability, s.logit))
        }))
        .unwrap_or_else(|_| panic!("field case {case}: the native scorer panicked: {:?}", record[at]));
        let in_wasm = wasm.score_records(&encode_records(&[record.clone()])).expect("no trap");
        match native {
            Ok((p, z)) => {
                assert_eq!(in_wasm.code, 0, "case {case}: {}", in_wasm.errors);
                assert_eq!(
                    (in_wasm.scores[0].0.to_bits(), in_wasm.scores[0].1.to_bits()),
                    (p.to_bits(), z.to_bits())
                );
                scored += 1;
            }
            Err(message) => {
                assert_eq!(in_wasm.code, 1, "case {case}");
                assert!(in_wasm.errors.contains(&message), "case {case}: {} vs {message}", in_wasm.errors);
                refused += 1;
            }
        }
    }
    assert!(scored > 0 && refused > 0, "{scored} scored, {refused} refused");
}

#[test]
fn damaged_json_bodies_get_an_answer_never_a_server_error() {
    let customers: Vec<Json> =
        golden_cases("telco-logistic").iter().take(3).map(|c| c["customer"].clone()).collect();
    let bodies = [
        ("/v1/score", json!({ "customers": customers })),
        ("/v1/explain", json!({ "customer": customers[0] })),
        ("/v1/what-if", json!({ "customer": customers[0], "changes": [{ "Contract": "Two year" }] })),
    ];
    let mut rng = Rng(0x00b0_d1e5);
    let (mut answered, mut refused) = (0, 0);
    for case in 0..1500 {
        let (path, body) = &bodies[case % bodies.len()];
        let mut bytes = serde_json::to_vec(body).unwrap();
        damage(&mut rng, &mut bytes, b"{}[]\":,\\0123456789eE.-+ntf\xff");
        let reply = send("POST", path, &[("content-type", "application/json")], bytes.clone());
        if reply.status == 200 {
            answered += 1;
        } else {
            assert!((400..500).contains(&reply.status), "{path} case {case}: {}", reply.status);
            let (status, code) = reply.error();
            assert!(status >= 400 && !code.is_empty(), "{path} case {case}");
            refused += 1;
        }
    }
    assert!(answered > 0 && refused > 0, "{answered} answered, {refused} refused");
}
