//! Model file → load → score, explain, describe. A file that loads must score its own typical
//! customer to a probability in [0, 1] whose contributions add up to its logit, and describe
//! itself (the schema, the info, the OpenAPI document) without a panic.
//!
//! The first byte chooses what the rest is: a whole file (even), or a payload (odd) that gets a
//! valid header with its SHA-256, so the fuzzer reaches the decoder and the model's checks
//! behind the checksum instead of spending itself on the checksum.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scorer_wasm::api::Scalar;
use scorer_wasm::artifact::{FORMAT_VERSION, MAGIC};
use scorer_wasm::{Model, Value};
use sha2::{Digest, Sha256};

fuzz_target!(|input: &[u8]| {
    let Some((&pick, rest)) = input.split_first() else { return };
    let file = if pick % 2 == 0 {
        rest.to_vec()
    } else {
        let mut file = MAGIC.to_vec();
        file.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        file.extend_from_slice(&(rest.len() as u64).to_le_bytes());
        file.extend_from_slice(&Sha256::digest(rest));
        file.extend_from_slice(rest);
        file
    };
    let Ok(model) = Model::from_bytes(&file) else { return };
    let schema = model.schema();
    let row: Vec<Value<'_>> = schema
        .columns
        .iter()
        .map(|c| match &c.typical {
            Some(Scalar::Number(x)) => Value::Number(*x),
            Some(Scalar::Text(s)) => Value::Text(s),
            None => Value::Missing,
        })
        .collect();
    let mut scorer = model.scorer();
    if let Ok(explained) = scorer.answer_explained(&row) {
        assert!((0.0..=1.0).contains(&explained.probability), "probability {}", explained.probability);
        let terms = explained.contributions.iter().map(|c| c.contribution);
        let sum: f64 = explained.base_logit + terms.clone().sum::<f64>();
        // Up to rounding, which grows with the size of the terms added.
        let size =
            1.0 + explained.base_logit.abs() + terms.map(f64::abs).sum::<f64>() + explained.logit.abs();
        assert!(
            (sum - explained.logit).abs() <= 1e-9 * size,
            "contributions {sum} against logit {}",
            explained.logit
        );
    }
    let _ = model.info();
    let models = churn_api::routes::Models { champion: &model, challenger: None };
    let _ = churn_api::routes::document(&models);
});
