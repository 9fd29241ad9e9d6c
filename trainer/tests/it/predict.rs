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

/// `churn predict` of `data` into `dir/name`, with extra flags; the exit code, the output file's
/// text and the JSON summary.
fn predict(
    dir: &std::path::Path,
    model: &str,
    data: &str,
    name: &str,
    extra: &[&str],
) -> (i32, String, String) {
    let out = dir.join(name).display().to_string();
    let mut args = vec!["predict", "--model", model, "--data", data, "--out", &out, "--json"];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = churn(&args);
    assert!(code < 2, "{stderr}");
    (code, std::fs::read_to_string(&out).unwrap(), stdout)
}

#[test]
fn shards_put_end_to_end_are_the_unsharded_output() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("c.csv").display().to_string();
    let parquet = dir.path().join("c.parquet").display().to_string();
    for out in [&csv, &parquet] {
        assert_eq!(churn(&["synth", "--rows", "1000", "--seed", "4", "--out", out]).0, 0);
    }
    // One row the model cannot score, in what becomes the third of four shards.
    let text = std::fs::read_to_string(&csv).unwrap();
    let broken: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let mut cells: Vec<&str> = l.split(',').collect();
            if i == 601 {
                cells[2] = "abc"; // age
            }
            cells.join(",")
        })
        .collect();
    std::fs::write(&csv, broken.join("\n") + "\n").unwrap();
    let model_dir = dir.path().join("m").display().to_string();
    let (code, _, stderr) = churn(&[
        "train",
        "--data",
        &parquet,
        "--target",
        "churned",
        "--id",
        "customer_id",
        "--out",
        &model_dir,
        "--json",
        "--no-report",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let model = format!("{model_dir}/model.churn");
    for data in [&csv, &parquet] {
        let (_, whole, _) = predict(dir.path(), &model, data, "all.csv", &[]);
        assert_eq!(whole.lines().count(), 1001);
        for n in [1, 3, 7] {
            let mut joined = String::new();
            let mut rows = 0;
            for i in 0..n {
                let shard = format!("{i}/{n}");
                let (_, part, summary) = predict(dir.path(), &model, data, "part.csv", &["--shard", &shard]);
                let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
                assert_eq!(summary["shard"], shard.as_str());
                assert_eq!(summary["first_row"].as_u64().unwrap(), (i * 1000 / n + 1) as u64);
                rows += summary["rows"].as_u64().unwrap();
                let mut lines = part.lines();
                let header = lines.next().unwrap();
                if i == 0 {
                    joined.push_str(header);
                    joined.push('\n');
                }
                for line in lines {
                    joined.push_str(line);
                    joined.push('\n');
                }
            }
            assert_eq!(rows, 1000);
            assert_eq!(joined, whole, "{n} shards of {data}");
        }
    }
    // A row that cannot be scored is named by its place in the file, not in the shard.
    let (code, part, summary) = predict(dir.path(), &model, &csv, "part.csv", &["--shard", "2/4"]);
    assert_eq!(code, 1);
    let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert!(summary["first_errors"][0].as_str().unwrap().starts_with("row 601 (line 602): "), "{summary}");
    assert_eq!(part.lines().count(), 251);
    // More shards than rows: the empty ones write a header only.
    let few = write(dir.path(), "few.csv", whole_lines(&csv, 3).as_bytes());
    let (_, empty, summary) = predict(dir.path(), &model, &few, "part.csv", &["--shard", "0/5"]);
    assert_eq!((empty.lines().count(), json_field(&summary, "rows")), (1, 0));
    let (_, one, _) = predict(dir.path(), &model, &few, "part.csv", &["--shard", "4/5"]);
    assert_eq!(one.lines().count(), 2);
    for bad in ["4/4", "1", "a/b", "0/0", "-1/3"] {
        let out = dir.path().join("x.csv").display().to_string();
        let shard = format!("--shard={bad}");
        let (code, _, stderr) = churn(&["predict", "--model", &model, "--data", &csv, "--out", &out, &shard]);
        assert_eq!(code, 2);
        assert!(
            stderr.contains(&format!("\"{bad}\" is not a shard; write I/N with 0 ≤ I < N, e.g. 0/4")),
            "{stderr}"
        );
    }
}

/// The header and the first `rows` rows of a text file.
fn whole_lines(path: &str, rows: usize) -> String {
    std::fs::read_to_string(path).unwrap().lines().take(rows + 1).map(|l| format!("{l}\n")).collect()
}

fn json_field(text: &str, key: &str) -> u64 {
    serde_json::from_str::<serde_json::Value>(text).unwrap()[key].as_u64().unwrap()
}
