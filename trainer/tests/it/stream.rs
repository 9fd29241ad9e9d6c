//! `churn train --stream`: a Parquet file read in chunks trains a model that is evaluated on held-out
//! rows, scores identically in the scorer, and is the same file on every run.

use std::path::Path;

use crate::{card, churn, train_churned};

/// Writes a small Parquet table whose target is `target(row)`.
fn write_parquet(path: &Path, rows: usize, target: impl Fn(usize) -> Option<&'static str>) {
    use polars::prelude::*;
    let tenure: Vec<f64> = (0..rows).map(|i| (i % 61) as f64).collect();
    let plan: Vec<&str> = (0..rows).map(|i| ["basic", "plus", "pro"][i % 3]).collect();
    let churned: Vec<Option<&str>> = (0..rows).map(target).collect();
    let mut frame = DataFrame::new(
        rows,
        vec![
            Series::new("tenure".into(), tenure).into(),
            Series::new("plan".into(), plan).into(),
            Series::new("churned".into(), churned).into(),
        ],
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(path).unwrap()).finish(&mut frame).unwrap();
}

fn yes_every_fourth(i: usize) -> Option<&'static str> {
    Some(if i.is_multiple_of(4) { "Yes" } else { "No" })
}

#[test]
fn streams_a_parquet_file_into_a_checked_model() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("customers.parquet").display().to_string();
    let (code, stdout, stderr) =
        churn(&["synth", "--rows", "20000", "--seed", "5", "--with-truth", "--json", "--out", &data]);
    assert_eq!(code, 0, "{stderr}");
    let synth: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(synth["rows"], 20000);
    assert_eq!(synth["churned"], 3695);
    let truth = synth["true_probability_roc_auc"].as_f64().unwrap();
    assert_eq!(truth, 0.8463487502899523);

    let flags =
        ["--stream", "--memory", "256", "--epochs", "20", "--drop", "true_churn_probability", "--json"];
    let out = dir.path().join("a");
    let (code, _, stderr) = train_churned(&data, &out.display().to_string(), &flags);
    assert_eq!(code, 0, "{stderr}");
    let card = card(&out);
    let s = &card["streaming"];
    assert_eq!(s["rows"], 20000);
    assert_eq!(s["training_rows"].as_u64().unwrap() + s["holdout_rows"].as_u64().unwrap(), 20000);
    assert_eq!(s["holdout_rows"], 1968);
    // A 256 MB budget leaves room for a sample of 14,748 of the 18,032 training rows.
    assert_eq!((s["sample_rows"].as_u64(), s["training_rows"].as_u64()), (Some(14_748), Some(18_032)));
    assert_eq!(s["epoch_loss"].as_array().unwrap().len(), 20);
    let epochs = card["epochs"].as_array().unwrap();
    assert_eq!(epochs.len(), 20);
    for e in epochs {
        assert_eq!(e["rows"], s["training_rows"]);
        assert!(e["rows_per_second"].as_f64().unwrap() > 0.0);
    }
    assert_eq!(card["data"]["rows"], 20000);
    assert_eq!(card["data"]["positives"], 3695);
    // The holdout is dealt into five stratified parts, as cross-validation folds would be.
    assert_eq!(card["cv"]["folds"], 5);
    // Within the holdout's sampling error (about 0.01 on 1,968 rows) of the best achievable.
    let auc = card["cv"]["roc_auc"]["mean"].as_f64().unwrap();
    assert!(auc > truth - 0.025 && auc <= truth + 0.01, "holdout AUC {auc} against the truth's {truth}");
    assert_eq!(card["parity"]["rows"], s["sample_rows"]);
    assert!(card["parity"]["max_abs_diff"].as_f64().unwrap() < 1e-9);
    // The default chose its recipe on the sample, once, among auto's candidates (an MLP among
    // them: the file has fewer rows than auto tries one on), and streamed that recipe.
    let search = &card["search"];
    assert_eq!(search["method"], "auto");
    assert_eq!(search["outer"].as_array().unwrap().len(), 1);
    let candidates = search["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 9);
    let chosen = &candidates[search["final_choice"]["chosen"].as_u64().unwrap() as usize];
    let h = &card["hyperparameters"];
    assert!(chosen.as_str().unwrap().starts_with(h["model"].as_str().unwrap()), "{chosen} against {h}");

    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains(
        "Trained by streaming: 20 epochs of mini-batch Adam over 18032 rows. Every figure below is on 1968 \
         held-out rows dealt into 5 stratified parts"
    ));

    // Same file, flags and seed: the same model file.
    let again = dir.path().join("b");
    assert_eq!(train_churned(&data, &again.display().to_string(), &flags).0, 0);
    let bytes = |d: &Path| std::fs::read(d.join("model.churn")).unwrap();
    assert!(bytes(&out) == bytes(&again), "two streamed runs wrote different model files");
}

#[test]
fn a_third_target_value_past_the_sample_names_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.parquet");
    write_parquet(&path, 3000, |i| if i == 2500 { Some("Maybe") } else { yes_every_fourth(i) });
    let data = path.display().to_string();
    let out = dir.path().join("m").display().to_string();
    let (code, _, stderr) = train_churned(&data, &out, &["--stream"]);
    assert_eq!(
        (code, stderr),
        (
            2,
            format!(
                "error: {data}: row 2501: the target has a third value, \"Maybe\", after \"Yes\" and \"No\"; \
                 churn prediction needs exactly two\n"
            )
        )
    );
}

#[test]
fn a_missing_target_names_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.parquet");
    write_parquet(&path, 3000, |i| if i == 1200 { None } else { yes_every_fourth(i) });
    let data = path.display().to_string();
    let out = dir.path().join("m").display().to_string();
    let (code, _, stderr) = train_churned(&data, &out, &["--stream"]);
    assert_eq!(
        (code, stderr),
        (2, format!("error: {data}: row 1201: the target is missing; fill it in or remove the row\n"))
    );
}

#[test]
fn streaming_reads_parquet_only() {
    let dir = tempfile::tempdir().unwrap();
    let data = crate::write(dir.path(), "t.csv", crate::small_table().as_bytes());
    let out = dir.path().join("m").display().to_string();
    let (code, _, stderr) = train_churned(&data, &out, &["--stream"]);
    assert_eq!(
        (code, stderr),
        (
            2,
            format!(
                "error: --stream reads Parquet, whose row groups can be read one at a time; {data} is csv. \
                 Write the table as Parquet (pandas: to_parquet, polars: write_parquet, DuckDB: COPY … \
                 TO 'customers.parquet'), or train without --stream\n"
            )
        )
    );
}

#[test]
fn streaming_flags_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.parquet");
    write_parquet(&path, 3000, yes_every_fourth);
    let data = path.display().to_string();
    let out = dir.path().join("m").display().to_string();
    let cases: [(&[&str], &str); 4] = [
        (&["--stream", "--memory", "100"], "error: --memory must be between 256 and 1048576 MB, got 100\n"),
        (&["--stream", "--holdout", "1"], "error: --holdout must be a share between 0 and 1, got 1\n"),
        (&["--stream", "--epochs", "0"], "error: --epochs must be between 1 and 1000, got 0\n"),
        (&["--stream", "--learning-rate", "0"], "error: --learning-rate must be a positive number, got 0\n"),
    ];
    for (flags, message) in cases {
        let (code, _, stderr) = train_churned(&data, &out, flags);
        assert_eq!((code, stderr.as_str()), (2, message), "{flags:?}");
    }
    // The streaming flags mean nothing without --stream.
    let (code, _, stderr) = train_churned(&data, &out, &["--epochs", "2"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("the following required arguments were not provided:\n  --stream"), "{stderr}");
}

/// A Parquet file larger than the memory `churn train` may use is streamed without `--stream`,
/// with a note saying why; one that fits is trained in memory; a limit that is not a number is
/// an error naming the variable.
#[test]
fn a_parquet_file_too_big_for_memory_is_streamed_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("customers.parquet");
    write_parquet(&data, 3000, yes_every_fourth);
    let data = data.display().to_string();
    let train = |limit: &str, out: &str| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_churn"))
            .env("CHURN_MEMORY_LIMIT_MB", limit)
            .args(["train", "--data", &data, "--target", "churned", "--json", "--no-report", "--out"])
            .arg(dir.path().join(out))
            .output()
            .unwrap();
        (output.status.code().unwrap(), String::from_utf8_lossy(&output.stderr).into_owned())
    };
    let (code, stderr) = train("100", "small");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "note: {data} has 3000 rows of 3 columns: training it in memory needs about 150 MB, more than \
             the 100 MB it may use; training with --stream --memory 2048 instead (pass --stream to choose \
             the budget and the epochs yourself)\n"
        )
    );
    assert_eq!(card(&dir.path().join("small"))["streaming"]["rows"], 3000);

    let (code, stderr) = train("4096", "roomy");
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert!(card(&dir.path().join("roomy")).get("streaming").is_none());

    let (code, stderr) = train("lots", "never");
    assert_eq!(
        (code, stderr.as_str()),
        (2, "error: CHURN_MEMORY_LIMIT_MB must be a whole number of MB, got \"lots\"\n")
    );
}
