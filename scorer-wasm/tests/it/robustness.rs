//! Nothing panics on any input: thousands of seeded random damages to model files and CSV
//! documents, each of which must come back as a value or an error. The same code runs in the
//! browser and the edge components, where a panic would be a trap.
//!
//! Model damage is resealed (length and SHA-256 recomputed) so that it reaches the decoder and
//! the validation behind the checksum, which a real corruption almost never does.

use std::panic::{AssertUnwindSafe, catch_unwind};

use scorer_wasm::api::score_csv;
use scorer_wasm::artifact::HEADER_LEN;
use scorer_wasm::{Model, Value};
use sha2::{Digest, Sha256};

use crate::{golden, golden_model, values};

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

/// One random damage: flipped bits, overwritten or deleted spans, a duplicated span, or bytes
/// that are special to the format (0xff and 0xfb–0xfd start long varints in bincode; quotes,
/// separators and line ends in CSV).
fn damage(rng: &mut Rng, bytes: &mut Vec<u8>, special: &[u8]) {
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len());
        match rng.below(5) {
            0 => bytes[at] ^= 1 << rng.below(8),
            1 => {
                let len = 1 + rng.below(8);
                let fill = special[rng.below(special.len())];
                bytes.iter_mut().skip(at).take(len).for_each(|b| *b = fill);
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

/// A model file around `payload`, with its length and checksum recomputed.
fn seal(original: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut file = original[..12].to_vec();
    file.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    file.extend_from_slice(&Sha256::digest(payload));
    file.extend_from_slice(payload);
    file
}

#[test]
fn damaged_model_payloads_load_or_fail_but_never_panic() {
    let golden = golden();
    let mut rng = Rng(0x00c0_ffee);
    let (mut loaded, mut rejected) = (0, 0);
    for m in golden["models"].as_array().unwrap() {
        let (_, bytes) = golden_model(m["file"].as_str().unwrap());
        let customers: Vec<_> = m["cases"]
            .as_array()
            .unwrap()
            .iter()
            .take(5)
            .map(|c| c["customer"].as_object().unwrap())
            .collect();
        for case in 0..1500 {
            let mut payload = bytes[HEADER_LEN..].to_vec();
            damage(&mut rng, &mut payload, &[0xff, 0xfb, 0xfc, 0xfd, 0x00, 0x7f]);
            let file = seal(&bytes, &payload);
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let Ok(model) = Model::from_bytes(&file) else { return false };
                // A damage that still validates (inside the card text, a weight, a level name)
                // gives a model that must score and explain every customer without panicking.
                let mut scorer = model.scorer();
                let mut row = Vec::new();
                for customer in &customers {
                    if model.record(values(customer), &mut row).is_ok() {
                        if let Ok(s) = scorer.score(&row) {
                            assert!((0.0..=1.0).contains(&s.probability), "probability {}", s.probability);
                        }
                        let _ = scorer.explain(&row);
                    }
                }
                let _ = (model.schema(), model.info(), model.card_json());
                true
            }));
            match outcome {
                Ok(true) => loaded += 1,
                Ok(false) => rejected += 1,
                Err(_) => panic!("{} damage case {case} panicked", m["file"]),
            }
        }
    }
    // Damage is caught by decoding or validation, or lands where any value is valid (the card's
    // text, a weight): both kinds must have been met.
    assert_eq!(loaded + rejected, 1500 * golden["models"].as_array().unwrap().len());
    assert!(loaded > 0 && rejected > 0, "{rejected} rejected, {loaded} loaded");
}

#[test]
fn damaged_csv_documents_score_or_fail_but_never_panic() {
    let (model, _) = golden_model("telco-logistic.churn");
    // The header and 40 golden customers: damage then lands in the header often enough to be
    // exercised too.
    let golden = golden();
    let cases = golden["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["file"] == "telco-logistic.churn")
        .unwrap()["cases"]
        .as_array()
        .unwrap();
    let names: Vec<&str> = model.columns().iter().map(|c| c.name.as_str()).collect();
    let mut document = names.join(",") + "\r\n";
    for case in cases.iter().take(40) {
        let cells: Vec<String> = names
            .iter()
            .map(|n| match &case["customer"][*n] {
                serde_json::Value::String(s) => format!("\"{s}\""),
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            })
            .collect();
        document += &(cells.join(",") + "\r\n");
    }
    let document = document.into_bytes();
    assert_eq!(score_csv(&model, &document, 3, 1000).unwrap().summary.scored, 40);
    let mut rng = Rng(0x5eed_0c5f);
    let (mut scored, mut refused) = (0, 0);
    for case in 0..3000 {
        let mut bytes = document.clone();
        damage(&mut rng, &mut bytes, b"\",\r\n;\t \xff\xc3");
        let outcome = catch_unwind(AssertUnwindSafe(|| match score_csv(&model, &bytes, 3, 1000) {
            Ok(answer) => {
                for row in &answer.rows {
                    assert!((0.0..=1.0).contains(&row.probability), "row {}: {}", row.row, row.probability);
                }
                assert_eq!(answer.summary.rows, answer.rows.len() + answer.errors.len());
                true
            }
            Err(_) => false,
        }));
        match outcome {
            Ok(true) => scored += 1,
            Ok(false) => refused += 1,
            Err(_) => panic!("CSV damage case {case} panicked"),
        }
    }
    assert_eq!(scored + refused, 3000);
    assert!(scored > 0 && refused > 0, "{scored} scored, {refused} refused");
}

#[test]
fn any_text_in_any_field_is_a_value_or_an_error() {
    let (model, _) = golden_model("telco-mlp.churn");
    let golden = golden();
    let base = golden["models"].as_array().unwrap().iter().find(|m| m["file"] == "telco-mlp.churn").unwrap()
        ["cases"][0]["customer"]
        .as_object()
        .unwrap()
        .clone();
    let mut rng = Rng(0x7e47);
    let alphabet: Vec<char> = "0123456789.-+eE ,;\"'NnAaYyéß\u{0}\u{feff}∞".chars().collect();
    let mut scorer = model.scorer();
    for case in 0..5000 {
        let mut row = Vec::new();
        let column = &model.columns()[rng.below(model.columns().len())].name;
        let text: String = (0..rng.below(12)).map(|_| alphabet[rng.below(alphabet.len())]).collect();
        let mut fields = values(&base);
        for (name, value) in fields.iter_mut() {
            if *name == column.as_str() {
                *value = match rng.below(4) {
                    0 => Value::Number(f64::from_bits(rng.next())),
                    1 => Value::Bool(rng.below(2) == 0),
                    _ => Value::Text(&text),
                };
            }
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            if model.record(fields, &mut row).is_ok()
                && let Ok(s) = scorer.score(&row)
            {
                assert!((0.0..=1.0).contains(&s.probability));
                let e = scorer.explain(&row).expect("what scores explains");
                let sum = e.base_logit + e.contributions.iter().map(|c| c.value).sum::<f64>();
                assert!((sum - e.logit).abs() <= 1e-9 * e.logit.abs().max(1.0));
            }
        }));
        assert!(outcome.is_ok(), "case {case}: {column} = {text:?}");
    }
}
