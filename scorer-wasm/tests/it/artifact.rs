//! Model files: round trip, and every way of damaging one is a clear error.

use scorer_wasm::artifact::{FORMAT_VERSION, HEADER_LEN, MAGIC};
use scorer_wasm::{ArtifactError, Model};

use crate::golden_model;

#[test]
fn round_trip_is_byte_identical() {
    for file in ["telco-logistic.churn", "bank-mlp.churn"] {
        let (model, bytes) = golden_model(file);
        assert_eq!(model.to_bytes(), bytes);
        assert_eq!(&bytes[..8], &MAGIC);
        // A table model is written in version 3, the oldest that holds it; 4 adds event models.
        assert_eq!(u32::from_le_bytes(bytes[8..12].try_into().unwrap()), 3);
        assert_eq!(FORMAT_VERSION, 4);
    }
}

#[test]
fn an_event_spec_must_name_columns_the_pipeline_has() {
    let (model, _) = golden_model("telco-logistic.churn");
    let mut spec = model.spec().clone();
    spec.events = Some(scorer_wasm::EventSpec {
        id_column: "customerID".into(),
        time_column: "time".into(),
        type_column: None,
        types: vec![],
        values: vec![],
        windows: vec![7],
        tenure: false,
        start_column: None,
        end_column: None,
        horizon_days: 30,
        active_days: 90,
        every_days: 28,
    });
    assert_eq!(
        Model::new(spec).unwrap_err(),
        ArtifactError::Invalid(
            "the behaviour feature \"events in the last 7 days\" has no column in the pipeline".into()
        )
    );
}

#[test]
fn every_truncation_is_an_error() {
    let (_, bytes) = golden_model("bank-mlp.churn");
    let payload = (bytes.len() - HEADER_LEN) as u64;
    for len in 0..bytes.len() {
        let err = Model::from_bytes(&bytes[..len]).unwrap_err();
        let expected = if len < HEADER_LEN {
            ArtifactError::TooShort { len, header: HEADER_LEN }
        } else {
            ArtifactError::Truncated { expected: payload, found: (len - HEADER_LEN) as u64 }
        };
        assert_eq!(err, expected, "truncated to {len} bytes");
    }
}

#[test]
fn every_single_bit_flip_is_an_error() {
    let (_, bytes) = golden_model("telco-logistic.churn");
    let mut flipped = bytes.clone();
    for i in 0..bytes.len() {
        for bit in 0..8 {
            flipped[i] ^= 1 << bit;
            let err = Model::from_bytes(&flipped).expect_err("a flipped bit must not load");
            let expected_kind = match i {
                0..8 => matches!(err, ArtifactError::NotAModel),
                8..12 => matches!(
                    err,
                    ArtifactError::NewerVersion { .. }
                        | ArtifactError::OlderVersion { .. }
                        | ArtifactError::NotAModel
                        // A version 3 payload read as version 2.
                        | ArtifactError::Decode(_)
                ),
                12..20 => {
                    matches!(err, ArtifactError::Truncated { .. } | ArtifactError::TrailingBytes { .. })
                }
                _ => matches!(err, ArtifactError::Checksum { .. }),
            };
            assert!(expected_kind, "byte {i} bit {bit}: {err}");
            flipped[i] ^= 1 << bit;
        }
    }
}

#[test]
fn trailing_bytes_and_foreign_files() {
    let (_, mut bytes) = golden_model("telco-logistic.churn");
    bytes.extend_from_slice(b"junk");
    assert_eq!(Model::from_bytes(&bytes).unwrap_err(), ArtifactError::TrailingBytes { extra: 4 });
    assert_eq!(Model::from_bytes(b"PK\x03\x04zip").unwrap_err(), ArtifactError::NotAModel);
    assert_eq!(Model::from_bytes(&[]).unwrap_err(), ArtifactError::TooShort { len: 0, header: HEADER_LEN });
}

/// A payload with a valid checksum but nonsense inside: decoding or validation fails cleanly.
#[test]
fn well_checksummed_garbage_is_rejected() {
    use sha2::{Digest, Sha256};
    let (_, bytes) = golden_model("telco-mlp.churn");
    let payload = &bytes[HEADER_LEN..];
    for (i, cut) in [(0usize, 1usize), (7, 3), (100, 50), (payload.len() / 2, 8)].into_iter().enumerate() {
        let mut p = payload.to_vec();
        // Overwrite a span with 0xff: huge lengths, invalid enum tags, NaNs.
        for b in p.iter_mut().skip(cut.0).take(cut.1) {
            *b = 0xff;
        }
        let mut file = bytes[..12].to_vec();
        file.extend_from_slice(&(p.len() as u64).to_le_bytes());
        file.extend_from_slice(&Sha256::digest(&p));
        file.extend_from_slice(&p);
        let err = Model::from_bytes(&file).expect_err("garbage must not load");
        assert!(matches!(err, ArtifactError::Decode(_) | ArtifactError::Invalid(_)), "case {i}: {err}");
    }
}

/// Found by `cargo xtask fuzz` (target model_file): a payload whose baseline held 3.2e232 loaded,
/// and its explanations were meaningless, a contribution of −3.2e232 cancelling the base value
/// to 0 in floating point. Parameters beyond ±1e6 are now refused at load, whether the file was
/// damaged or the fit diverged.
#[test]
fn parameters_beyond_any_fit_are_refused() {
    let (model, _) = golden_model("telco-mlp.churn");
    let message = "a weight, bias, baseline or calibration value is not a number within ±1000000: the file is damaged, or the fit diverged";
    let damaged: [fn(&mut scorer_wasm::ModelSpec); 4] = [
        |s| s.baseline[24] = 3.218665899732147e232,
        |s| s.calibration.slope = -2e6,
        |s| {
            if let scorer_wasm::Predictor::Mlp(m) = &mut s.predictor {
                m.output.bias = 1e7;
            }
        },
        |s| s.baseline[0] = f64::NAN,
    ];
    for (i, damage) in damaged.iter().enumerate() {
        let mut spec = model.spec().clone();
        damage(&mut spec);
        let err = Model::new(spec).expect_err("an out-of-range parameter must not load");
        assert_eq!(err, ArtifactError::Invalid(message.into()), "case {i}");
    }
    let mut spec = model.spec().clone();
    spec.baseline[24] = scorer_wasm::model::MAX_PARAMETER;
    assert!(Model::new(spec).is_ok(), "the limit itself is allowed");
}

/// Found by `cargo xtask fuzz` (target model_file): a date column whose reference day and ages
/// put its dates beyond what an `i32` of days holds overflowed when the schema turned ages back
/// into dates. A date column's dates must now lie in the years 0000 to 9999, the dates
/// `parse_date` reads.
#[test]
fn dates_beyond_the_calendar_are_refused() {
    use scorer_wasm::pipeline::{FIRST_DAY, LAST_DAY, Pipeline};
    use scorer_wasm::value::parse_date;
    use scorer_wasm::{Encoder, Role};
    assert_eq!(parse_date("0000-01-01"), Some(FIRST_DAY));
    assert_eq!(parse_date("9999-12-31"), Some(LAST_DAY));
    let (model, _) = golden_model("synth-logistic.churn");
    let date =
        model.columns().iter().position(|c| matches!(c.role, Role::Feature(Encoder::Date(_)))).unwrap();
    let damaged: [fn(&mut scorer_wasm::DateEncoder); 3] =
        [|d| d.reference_day = i32::MIN, |d| d.age.max = 3e9, |d| d.age.min = -(f64::from(LAST_DAY))];
    for (i, damage) in damaged.iter().enumerate() {
        let mut columns = model.columns().to_vec();
        let Role::Feature(Encoder::Date(d)) = &mut columns[date].role else { unreachable!() };
        damage(d);
        let err = Pipeline::new(columns).expect_err("dates beyond the calendar must not load");
        assert_eq!(err, "column \"signup_date\": its dates fall outside the years 0000 to 9999", "case {i}");
    }
    assert!(Pipeline::new(model.columns().to_vec()).is_ok());
}
