//! The very `.wasm` file the browser loads, run under wasmtime through its plain ABI: every
//! golden vector and a Telco-shaped file of 7,043 rows score bit-for-bit as the native scorer
//! does, and no bad input traps.

use scorer_wasm::Model;
use sha2::{Digest, Sha256};
use tests::{
    Field, TELCO_SHAPED_ROWS, WebModule, encode_records, golden, golden_model, record_of, telco_shaped_case,
    telco_shaped_csv,
};

#[test]
fn golden_vectors_are_bit_identical_to_native() {
    let golden = golden();
    let mut web = WebModule::browser();
    let mut checked = 0;
    for m in golden["models"].as_array().unwrap() {
        let bytes = golden_model(m["file"].as_str().unwrap());
        web.load(&bytes).unwrap().expect("the golden model loads in wasm");
        assert_eq!(web.model_id().unwrap(), m["id"].as_str().unwrap());
        let cases = m["cases"].as_array().unwrap();
        let records: Vec<_> = cases.iter().map(|c| record_of(c["customer"].as_object().unwrap())).collect();
        let got = web.score_records(&encode_records(&records)).unwrap();
        assert_eq!((got.code, got.errors.as_str()), (0, ""), "{}", m["name"]);
        for (case, (p, z)) in cases.iter().zip(&got.scores) {
            let (want_p, want_z) = (case["probability"].as_f64().unwrap(), case["logit"].as_f64().unwrap());
            assert_eq!(p.to_bits(), want_p.to_bits(), "{} {}: {p} vs {want_p}", m["name"], case["name"]);
            assert_eq!(z.to_bits(), want_z.to_bits(), "{} {}: {z} vs {want_z}", m["name"], case["name"]);
            checked += 1;
        }
    }
    assert_eq!(checked, 512);
}

#[test]
fn the_embedded_model_is_the_one_recorded_and_scores_its_golden_vectors() {
    let info: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tests::root().join("dashboard/pkg/model.json")).unwrap(),
    )
    .unwrap();
    let mut web = WebModule::browser();
    web.use_embedded().unwrap().expect("the module has an embedded model");
    let id = web.model_id().unwrap();
    assert_eq!(id, info["id"].as_str().unwrap());
    // CI embeds a golden model; a developer's build may embed the demo model instead.
    let golden = golden();
    if let Some(m) = golden["models"].as_array().unwrap().iter().find(|m| m["id"] == id.as_str()) {
        let cases = m["cases"].as_array().unwrap();
        let records: Vec<_> = cases.iter().map(|c| record_of(c["customer"].as_object().unwrap())).collect();
        let got = web.score_records(&encode_records(&records)).unwrap();
        for (case, (p, _)) in cases.iter().zip(&got.scores) {
            assert_eq!(*p, case["probability"].as_f64().unwrap(), "{}", case["name"]);
        }
    }
}

#[test]
fn a_telco_shaped_file_scores_bit_identically_in_wasm_and_natively() {
    let csv = telco_shaped_csv(TELCO_SHAPED_ROWS);
    for file in ["telco-logistic.churn", "telco-mlp.churn"] {
        let bytes = golden_model(file);
        let native =
            scorer_wasm::api::score_csv(&Model::from_bytes(&bytes).unwrap(), &csv, 0, usize::MAX).unwrap();
        let mut web = WebModule::browser();
        web.load(&bytes).unwrap().unwrap();
        let got = web.score_csv(&csv).unwrap();
        assert_eq!((got.code, got.scores.len()), (0, TELCO_SHAPED_ROWS), "{file}: {}", got.errors);
        if file == "telco-logistic.churn" {
            // Each row is a golden customer of this model: the CSV path gives its golden bits.
            for (i, row) in native.rows.iter().enumerate() {
                let want = telco_shaped_case(i)["probability"].as_f64().unwrap();
                assert_eq!(
                    row.probability.to_bits(),
                    want.to_bits(),
                    "row {i}: {} vs {want}",
                    row.probability
                );
            }
        }
        for (row, (p, z)) in native.rows.iter().zip(&got.scores) {
            assert_eq!(
                (p.to_bits(), z.to_bits()),
                (row.probability.to_bits(), row.logit.to_bits()),
                "{file} row {}",
                row.row
            );
        }
    }
}

fn record(fields: &[(&str, Field)]) -> Vec<(String, Field)> {
    fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

#[test]
fn bad_records_are_reported_not_trapped() {
    let mut web = WebModule::browser();
    web.load(&golden_model("telco-logistic.churn")).unwrap().unwrap();
    let records = [
        record(&[("tenure", Field::Text("abc".into()))]),
        record(&[("tenur", Field::Number(3.0))]),
        record(&[("MonthlyCharges", Field::Number(f64::NAN))]),
        record(&[("TotalCharges", Field::Number(f64::INFINITY))]),
        record(&[("Partner", Field::Text("maybe".into()))]),
        record(&[("tenure", Field::Number(1.0)), ("tenure", Field::Number(2.0))]),
        record(&[("Contract", Field::Bool(true))]),
        record(&[]),
    ];
    let got = web.score_records(&encode_records(&records)).unwrap();
    assert_eq!(got.code, 6);
    assert_eq!(
        got.errors,
        "[0].tenure: expected a number, got \"abc\"\n\
         [1].tenur: unknown field; did you mean \"tenure\"?\n\
         [2].MonthlyCharges: expected a finite number, got NaN (send null for a missing value)\n\
         [3].TotalCharges: expected a finite number, got inf (send null for a missing value)\n\
         [4].Partner: expected Yes or No (or true/false), got \"maybe\"\n\
         [5].tenure: field appears twice\n"
    );
    assert!(got.scores[..6].iter().all(|(p, z)| p.is_nan() && z.is_nan()));
    // An unknown category is scored (as "other"); an empty record is the typical customer.
    assert!(got.scores[6].0 > 0.0 && got.scores[7].0 > 0.0);
    // No records at all: nothing to do, nothing fails.
    let empty = web.score_records(&encode_records(&[])).unwrap();
    assert_eq!((empty.code, empty.scores.len()), (0, 0));
}

#[test]
fn malformed_buffers_and_corrupt_models_are_errors() {
    let mut web = WebModule::browser();
    assert_eq!(web.score_records(&[0, 0, 0, 0]).unwrap().errors, "no model loaded");
    let bytes = golden_model("bank-mlp.churn");
    let mut corrupt = bytes.clone();
    corrupt[200] ^= 1;
    let err = web.load(&corrupt).unwrap().unwrap_err();
    assert!(err.starts_with("model file is corrupt: payload checksum "), "{err}");
    assert_eq!(
        web.load(&bytes[..30]).unwrap().unwrap_err(),
        "not a churn model: 30 bytes is shorter than the 52-byte header"
    );
    // A length past what a 32-bit `usize` holds is refused in the same words as natively, where
    // it is past the payload limit (the first field is the model's name).
    let mut payload = vec![0xfd];
    payload.extend_from_slice(&(1u64 << 40).to_le_bytes());
    payload.extend_from_slice(&[0; 16]);
    let mut huge = bytes[..12].to_vec();
    huge.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    huge.extend_from_slice(&Sha256::digest(&payload));
    huge.extend_from_slice(&payload);
    let native = Model::from_bytes(&huge).unwrap_err().to_string();
    assert_eq!(
        native,
        "model payload could not be decoded: a length in the payload exceeds the 67108864-byte limit"
    );
    assert_eq!(web.load(&huge).unwrap().unwrap_err(), native);
    web.load(&bytes).unwrap().unwrap();
    for (buffer, message) in [
        (vec![5, 0, 0, 0], "the buffer ends at byte 4 but 4 more bytes were expected at 4"),
        (vec![1, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, b'A', b'g', b'e', 9], "record 0: unknown value tag 9"),
        (vec![1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0xff, 0xfe], "text at byte 12 is not UTF-8"),
        (vec![0, 0, 0, 0, 7], "1 bytes after the last record"),
    ] {
        let got = web.score_records(&buffer).unwrap();
        assert_eq!((got.code, got.errors.as_str()), (-1, message));
    }
    let csv = web.score_csv(b"Age,Balance\n1,2\n").unwrap();
    assert_eq!(
        (csv.code, csv.errors.as_str()),
        (-3, "header: CreditScore: the model needs this column, but it is not in the input")
    );
    let empty = web.score_csv(b"").unwrap();
    assert_eq!(
        (empty.code, empty.errors.as_str()),
        (-3, "the file is empty: expected a header row with column names")
    );
}
