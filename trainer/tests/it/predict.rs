//! `churn predict` scores every row; rows that cannot be scored are reported, not dropped.

use crate::{churn, small_table, write};

#[test]
fn scores_rows_and_reports_the_ones_it_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "t.csv", small_table().as_bytes());
    let model_dir = dir.path().join("m").display().to_string();
    assert_eq!(churn(&["train", "--data", &data, "--target", "churned", "--out", &model_dir, "--json"]).0, 0);
    let model = format!("{model_dir}/model.churn");

    // New customers: no target column, a blank tenure, an unseen plan, and a bad tenure.
    let batch = write(
        dir.path(),
        "new.csv",
        b"id,tenure,plan,paperless\nN1,3,basic,Yes\nN2, ,plus,No\nN3,40,enterprise,No\nN4,abc,pro,Yes\n",
    );
    let out = dir.path().join("scores.csv").display().to_string();
    let (code, stdout, stderr) = churn(&["predict", "--model", &model, "--data", &batch, "--out", &out]);
    assert_eq!(code, 1, "a row that cannot be scored is a finding: {stderr}");
    assert!(stdout.contains("Scored 3 of 4 rows"), "{stdout}");
    assert!(stdout.contains("  row 4 (line 5): tenure: expected a number, got \"abc\""), "{stdout}");

    let scores = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = scores.lines().collect();
    assert_eq!(lines[0], "id,probability,risk_band,decision,error");
    assert_eq!(lines.len(), 5);
    for line in &lines[1..4] {
        let fields: Vec<&str> = line.split(',').collect();
        let p: f64 = fields[1].parse().unwrap();
        assert!((0.0..=1.0).contains(&p), "{line}");
        assert!(["low", "medium", "high"].contains(&fields[2]), "{line}");
        assert!(["contact", "no_contact"].contains(&fields[3]), "{line}");
        assert_eq!(fields[4], "", "{line}");
    }
    assert_eq!(lines[4], "N4,,,,\"tenure: expected a number, got \"\"abc\"\"\"");
}

#[test]
fn a_table_without_a_model_column_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "t.csv", small_table().as_bytes());
    let model_dir = dir.path().join("m").display().to_string();
    assert_eq!(churn(&["train", "--data", &data, "--target", "churned", "--out", &model_dir, "--json"]).0, 0);
    let batch = write(dir.path(), "new.csv", b"id,tenure,plann\nN1,3,basic\n");
    let out = dir.path().join("scores.csv").display().to_string();
    let (code, _, stderr) =
        churn(&["predict", "--model", &format!("{model_dir}/model.churn"), "--data", &batch, "--out", &out]);
    assert_eq!(
        (code, stderr),
        (2, format!("error: {batch}: header: plann: unknown field; did you mean \"plan\"?\n"))
    );
}
