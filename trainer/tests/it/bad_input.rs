//! Bad input never panics: each case gets an error naming the file and the place, exit code 2.

use crate::{churn, small_table, write};

/// Trains on `data` and returns (exit code, stderr).
fn train(data: &str, extra: &[&str]) -> (i32, String) {
    let out = tempfile::tempdir().unwrap();
    let out = out.path().display().to_string();
    let mut args = vec!["train", "--data", data, "--target", "churned", "--out", &out];
    args.extend_from_slice(extra);
    let (code, _, stderr) = churn(&args);
    (code, stderr)
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.csv").display().to_string();
    assert_eq!(train(&path, &[]), (2, format!("error: {path}: no such file\n")));
}

#[test]
fn unknown_target_column_suggests_the_closest() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "t.csv", small_table().as_bytes());
    let out = dir.path().join("m").display().to_string();
    let (code, _, stderr) = churn(&["train", "--data", &data, "--target", "churnd", "--out", &out]);
    assert_eq!(
        (code, stderr),
        (
            2,
            format!(
                "error: {data}: target \"churnd\" is not a column of the file; did you mean \"churned\"? \
                 the columns are: id, tenure, plan, paperless, churned\n"
            )
        )
    );
}

#[test]
fn target_with_three_values() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "t.csv", b"x,churned\n1,Yes\n2,No\n3,Maybe\n4,No\n");
    assert_eq!(
        train(&data, &[]),
        (
            2,
            format!(
                "error: {data}: target \"churned\" has 3 distinct values (\"Maybe\", \"No\", \"Yes\"); \
                 churn prediction needs exactly two, such as Yes/No\n"
            )
        )
    );
}

#[test]
fn target_with_missing_values() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "t.csv", b"x,churned\n1,Yes\n2,\n3,No\n");
    assert_eq!(
        train(&data, &[]),
        (
            2,
            format!(
                "error: {data}: target \"churned\" is missing in 1 rows (row 2 (line 3)); \
                 fill them in or remove those rows\n"
            )
        )
    );
}

#[test]
fn empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "t.csv", b"");
    assert_eq!(
        train(&data, &[]),
        (2, format!("error: {data}: the file is empty: expected a header row with column names\n"))
    );
}

#[test]
fn header_only_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "t.csv", b"id,tenure,churned\r\n");
    assert_eq!(train(&data, &[]), (2, format!("error: {data}: the file has a header but no data rows\n")));
}

#[test]
fn column_that_is_entirely_missing() {
    let dir = tempfile::tempdir().unwrap();
    let table = small_table()
        .replace(",churned\n", ",notes,churned\n")
        .replace(",Yes\n", ", ,Yes\n")
        .replace(",No\n", ",NA,No\n");
    let data = write(dir.path(), "t.csv", table.as_bytes());
    assert_eq!(
        train(&data, &[]),
        (
            2,
            format!(
                "error: {data}: column \"notes\" is empty in all 40 rows; \
                 leave it out with --drop \"notes\" (or fill it in)\n"
            )
        )
    );
    // And the suggested remedy works.
    assert_eq!(train(&data, &["--drop", "notes", "--json"]).0, 0);
}

#[test]
fn ragged_rows() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "t.csv", b"id,tenure,churned\r\nA,1,Yes\r\nB,2\r\nC,3,No\r\n");
    assert_eq!(
        train(&data, &[]),
        (2, format!("error: {data}: row 2 (line 3) has 2 fields, but the header has 3\n"))
    );
}

#[test]
fn unterminated_quote() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "t.csv", b"id,plan,churned\nA,\"basic,Yes\nB,pro,No\n");
    assert_eq!(
        train(&data, &[]),
        (2, format!("error: {data}: line 2: a quoted field is never closed (missing \")\n"))
    );
}

#[test]
fn positive_value_that_the_target_does_not_have() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "t.csv", small_table().as_bytes());
    assert_eq!(
        train(&data, &["--positive", "1"]),
        (
            2,
            format!(
                "error: {data}: --positive \"1\" is not a value of target \"churned\"; its values are \"No\" and \"Yes\"\n"
            )
        )
    );
}

#[test]
fn ndjson_line_that_is_not_an_object() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "t.ndjson", b"{\"x\": 1, \"churned\": \"Yes\"}\n[1, 2]\n");
    assert_eq!(
        train(&data, &[]),
        (
            2,
            format!(
                "error: {data}: line 2: not a JSON object (invalid type: sequence, expected a JSON object at line 1 column 0)\n"
            )
        )
    );
}

#[test]
fn ndjson_field_given_twice_in_a_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(
        dir.path(),
        "t.ndjson",
        b"{\"x\": 1, \"churned\": \"Yes\"}\n{\"x\": 2, \"churned\": \"No\", \"x\": 3}\n",
    );
    assert_eq!(
        train(&data, &[]),
        (2, format!("error: {data}: line 2: field \"x\" appears twice; keep one of them\n"))
    );
}

#[test]
fn corrupt_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "t.parquet", b"PAR1 this is not parquet");
    let (code, stderr) = train(&data, &[]);
    assert_eq!(code, 2);
    assert!(stderr.starts_with(&format!("error: {data}: cannot read Parquet: ")), "{stderr}");
}

#[test]
fn unknown_extension() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "t.xlsx", b"");
    assert_eq!(
        train(&data, &[]),
        (
            2,
            format!(
                "error: {data}: cannot tell the file format from the extension \"xlsx\"; \
                 use .csv, .parquet or .ndjson, or pass --format\n"
            )
        )
    );
}

#[test]
fn too_many_folds_for_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "t.csv", b"x,churned\n1,Yes\n2,No\n3,No\n4,Yes\n5,No\n");
    assert_eq!(
        train(&data, &[]),
        (2, "error: --folds 5 needs at least 5 rows of each class, but one class has only 2\n".to_string())
    );
}

/// A trained model file, corrupted in the ways files get corrupted.
mod model_files {
    use super::*;

    fn trained_model(dir: &std::path::Path) -> (String, Vec<u8>) {
        let data = write(dir, "t.csv", small_table().as_bytes());
        let out = dir.join("m").display().to_string();
        assert_eq!(churn(&["train", "--data", &data, "--target", "churned", "--out", &out, "--json"]).0, 0);
        (data, std::fs::read(dir.join("m/model.churn")).unwrap())
    }

    fn predict_with(dir: &std::path::Path, data: &str, bytes: &[u8]) -> (i32, String, String) {
        let model = write(dir, "bad.churn", bytes);
        let out = dir.join("scores.csv").display().to_string();
        let (code, _, stderr) = churn(&["predict", "--model", &model, "--data", data, "--out", &out]);
        (code, stderr, model)
    }

    #[test]
    fn truncated() {
        let dir = tempfile::tempdir().unwrap();
        let (data, bytes) = trained_model(dir.path());
        let (code, stderr, model) = predict_with(dir.path(), &data, &bytes[..bytes.len() - 10]);
        let payload = bytes.len() as u64 - 52;
        assert_eq!(
            (code, stderr),
            (
                2,
                format!(
                    "error: {model}: model file is truncated: the header announces {payload} payload bytes, \
                     {} are present\n",
                    payload - 10
                )
            )
        );
    }

    #[test]
    fn bit_flipped() {
        let dir = tempfile::tempdir().unwrap();
        let (data, mut bytes) = trained_model(dir.path());
        let i = bytes.len() / 2;
        bytes[i] ^= 0x10;
        let (code, stderr, model) = predict_with(dir.path(), &data, &bytes);
        assert_eq!(code, 2);
        assert!(
            stderr.starts_with(&format!("error: {model}: model file is corrupt: payload checksum ")),
            "{stderr}"
        );
    }

    #[test]
    fn newer_format_version() {
        let dir = tempfile::tempdir().unwrap();
        let (data, mut bytes) = trained_model(dir.path());
        bytes[8] = 5;
        let (code, stderr, model) = predict_with(dir.path(), &data, &bytes);
        assert_eq!(
            (code, stderr),
            (
                2,
                format!(
                    "error: {model}: model format version 5 is newer than this scorer understands (up to 4); \
                     upgrade the scorer or retrain with this version\n"
                )
            )
        );
    }

    #[test]
    fn older_format_version() {
        let dir = tempfile::tempdir().unwrap();
        let (data, mut bytes) = trained_model(dir.path());
        bytes[8] = 1;
        let (code, stderr, model) = predict_with(dir.path(), &data, &bytes);
        assert_eq!(
            (code, stderr),
            (
                2,
                format!(
                    "error: {model}: model format version 1 is older than this scorer reads (2); retrain the \
                     model with this version's churn train\n"
                )
            )
        );
    }

    #[test]
    fn not_a_model_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let (data, _) = trained_model(dir.path());
        let (code, stderr, model) = predict_with(dir.path(), &data, b"id,tenure\n1,2\n");
        assert_eq!(
            (code, stderr),
            (
                2,
                format!(
                    "error: {model}: not a churn model: the file does not start with the churn model signature\n"
                )
            )
        );
    }
}

#[test]
fn an_unknown_allow_code_is_refused_with_the_closest_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "t.csv", small_table().as_bytes());
    assert_eq!(
        train(&data, &["--allow", "leakge"]),
        (
            2,
            "error: invalid value 'leakge' for '--allow <CODE>': unknown finding code \"leakge\"; did you mean \
             \"leakage\"?\n\nFor more information, try '--help'.\n"
                .to_string()
        )
    );
    let (code, stderr) = train(&data, &["--allow", "everything"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "unknown finding code \"everything\"; use one of identifier, constant, empty_column, duplicate_rows, \
             duplicate_ids, leakage, possible_leakage, high_cardinality, many_levels, missing_as_category, \
             missing_values, mixed_types, class_balance, few_rows, target, empty_file"
        ),
        "{stderr}"
    );
}

#[test]
fn a_model_whose_card_cannot_be_read_is_refused_not_registered_with_zeros() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "t.csv", small_table().as_bytes());
    let out = dir.path().join("m");
    let out_s = out.display().to_string();
    let trained = churn(&["train", "--data", &data, "--target", "churned", "--out", &out_s, "--no-report"]);
    assert_eq!(trained.0, 0, "{}", trained.2);
    let model = scorer_wasm::Model::from_bytes(&std::fs::read(out.join("model.churn")).unwrap()).unwrap();
    let mut spec = model.spec().clone();
    spec.card = "{not a card".into();
    let broken = scorer_wasm::Model::new(spec).unwrap();
    let file = write(dir.path(), "broken.churn", &broken.to_bytes());
    let registry = dir.path().join("models").display().to_string();
    let (code, stdout, stderr) = churn(&["registry", "add", "--dir", &registry, &file]);
    assert_eq!(
        (code, stdout, stderr),
        (
            2,
            String::new(),
            format!(
                "error: {file}: the card of model {} cannot be read (key must be a string at line 1 column 2); \
                 retrain the model with this version of churn\n",
                broken.id()
            )
        )
    );
    assert!(!dir.path().join("models/registry.json").exists(), "nothing was registered");
}
