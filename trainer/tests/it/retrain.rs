//! `churn retrain` and `churn compare` on synthetic customers whose mechanism is known: fresh
//! data from the same mechanism keeps the champion, a changed mechanism promotes the retrained
//! model; a repeated cycle changes nothing; every refusal says why.

use std::path::Path;

use serde_json::Value as Json;

use crate::churn;
use crate::pipeline::json;

/// `churn synth` of `rows` customers with `seed` and extra flags, into `dir/name`.
fn synth(dir: &Path, name: &str, rows: u32, seed: u32, extra: &[&str]) -> String {
    let out = dir.join(name).display().to_string();
    let (rows, seed) = (rows.to_string(), seed.to_string());
    let mut args = vec!["synth", "--rows", &rows, "--seed", &seed, "--out", &out];
    args.extend_from_slice(extra);
    let (code, _, stderr) = churn(&args);
    assert_eq!(code, 0, "{stderr}");
    out
}

/// A registry in `dir/reg` whose champion is a logistic regression of 6,000 synthetic customers.
fn registry_with_champion(dir: &Path) -> (String, String) {
    let data = synth(dir, "first.csv", 6000, 1, &[]);
    let (reg, out) = (dir.join("reg").display().to_string(), dir.join("m").display().to_string());
    let (code, stdout, stderr) = churn(&[
        "train",
        "--data",
        &data,
        "--target",
        "churned",
        "--id",
        "customer_id",
        "--out",
        &out,
        "--register",
        &reg,
        "--no-report",
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    (reg, json(&stdout)["model_id"].as_str().unwrap().to_string())
}

fn retrain(reg: &str, data: &str, extra: &[&str]) -> (i32, Json, String) {
    let mut args = vec!["retrain", "--registry", reg, "--data", data, "--json"];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = churn(&args);
    (code, if code < 2 { json(&stdout) } else { Json::Null }, stderr)
}

fn index(reg: &str) -> Json {
    let (code, stdout, stderr) = churn(&["registry", "list", "--dir", reg, "--json"]);
    assert_eq!(code, 0, "{stderr}");
    json(&stdout)
}

#[test]
fn the_same_mechanism_keeps_the_champion_and_a_changed_one_promotes() {
    let dir = tempfile::tempdir().unwrap();
    let (reg, champion) = registry_with_champion(dir.path());

    let fresh = synth(dir.path(), "fresh.csv", 6000, 2, &[]);
    let (code, kept, stderr) = retrain(&reg, &fresh, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(kept["outcome"], "keep_champion", "{kept:#}");
    assert_eq!(kept["comparison"]["verdict"], "no_significant_difference");
    assert!(kept["comparison"]["roc_auc"]["p_value"].as_f64().unwrap() > 0.05);
    assert_eq!(
        (kept["holdout"]["rows"].as_u64(), kept["registered_new"].as_bool()),
        (Some(1500), Some(true))
    );
    assert_eq!(kept["challenger"]["training_rows"], 4500);
    let after = index(&reg);
    assert_eq!(after["champion"], champion.as_str());
    assert_eq!(
        (after["models"].as_array().unwrap().len(), after["history"].as_array().unwrap().len()),
        (2, 1)
    );
    // The record is on disk, as JSON and as a page.
    let folder = Path::new(kept["folder"].as_str().unwrap());
    let on_disk: Json =
        serde_json::from_str(&std::fs::read_to_string(folder.join("decision.json")).unwrap()).unwrap();
    assert_eq!(on_disk, kept);
    let page = std::fs::read_to_string(folder.join("decision.html")).unwrap();
    assert!(page.contains("<h1>Kept the champion</h1>") && page.contains("DeLong"), "{page}");

    let changed = synth(dir.path(), "changed.csv", 6000, 3, &["--concept-drift", "1"]);
    let (code, promoted, stderr) = retrain(&reg, &changed, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(promoted["outcome"], "promote_champion", "{promoted:#}");
    assert_eq!(promoted["comparison"]["verdict"], "b_better");
    assert!(promoted["comparison"]["roc_auc"]["difference"].as_f64().unwrap() > 0.03, "{promoted:#}");
    assert!(promoted["comparison"]["roc_auc"]["p_value"].as_f64().unwrap() < 1e-6);
    let new_champion = promoted["challenger"]["id"].as_str().unwrap();
    assert_eq!(promoted["event"]["model"], new_champion);
    assert_eq!(promoted["event"]["previous"], champion.as_str());
    let after = index(&reg);
    assert_eq!(after["champion"], new_champion);
    assert_eq!(after["history"].as_array().unwrap().len(), 2);
}

#[test]
fn a_repeated_cycle_decides_alike_and_registers_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (reg, _) = registry_with_champion(dir.path());
    let changed = synth(dir.path(), "changed.csv", 6000, 3, &["--concept-drift", "1"]);
    let (_, first, _) = retrain(&reg, &changed, &["--policy", "challenger"]);
    assert_eq!(first["outcome"], "promote_challenger", "{first:#}");
    let challenger = first["challenger"]["id"].as_str().unwrap();
    assert_eq!(index(&reg)["challenger"], challenger);
    let (code, second, stderr) = retrain(&reg, &changed, &["--policy", "challenger"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(second["outcome"], "keep_champion");
    assert_eq!(second["registered_new"], false);
    assert_eq!(second["comparison"], first["comparison"], "the same data and seed give the same test");
    assert_eq!(second["run"], first["run"]);
    assert!(second["reasons"][0].as_str().unwrap().contains("the challenger already"), "{second:#}");
    let after = index(&reg);
    assert_eq!(
        (after["models"].as_array().unwrap().len(), after["history"].as_array().unwrap().len()),
        (2, 2)
    );

    // Promoted, then retrained on the same data: the retrained model is the champion itself.
    let (_, promoted, _) = retrain(&reg, &changed, &[]);
    assert_eq!(promoted["outcome"], "promote_champion");
    let (_, again, _) = retrain(&reg, &changed, &[]);
    assert_eq!(again["outcome"], "keep_champion");
    assert_eq!(
        again["reasons"][0],
        "the retrained model is the champion already (same data, settings and seed)"
    );
    assert_eq!(index(&reg)["history"].as_array().unwrap().len(), 3);
}

#[test]
fn every_refusal_says_why_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (reg, _) = registry_with_champion(dir.path());
    let before = index(&reg);

    let small = synth(dir.path(), "small.csv", 300, 5, &[]);
    let (code, refused, _) = retrain(&reg, &small, &[]);
    assert_eq!((code, refused["outcome"].as_str()), (1, Some("refused")));
    assert_eq!(
        refused["reasons"][0],
        "too few labelled rows to decide: the holdout (75 of 300 rows) has 18 churners and 57 others, and a \
         comparison needs at least 30 of each; retrain on more labelled rows or a larger --holdout"
    );

    // A column that copies the outcome blocks training, as in churn train.
    let text = std::fs::read_to_string(synth(dir.path(), "leak.csv", 2000, 6, &[])).unwrap();
    let leaky: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let last = l.rsplit(',').next().unwrap();
            format!("{l},{}\n", if i == 0 { "cancelled" } else { last })
        })
        .collect();
    let leak = dir.path().join("leak2.csv");
    std::fs::write(&leak, leaky).unwrap();
    let (code, refused, _) = retrain(&reg, &leak.display().to_string(), &[]);
    assert_eq!((code, refused["outcome"].as_str()), (1, Some("refused")));
    let reason = refused["reasons"][0].as_str().unwrap();
    assert!(
        reason.starts_with("blocking data finding: [leakage] cancelled alone separates churned"),
        "{reason}"
    );
    assert!(refused["comparison"].is_null() && refused["challenger"].is_null());
    assert_eq!(index(&reg), before);

    let empty = dir.path().join("empty-registry");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(
        empty.join("registry.json"),
        serde_json::to_string(&{
            let mut e = before.clone();
            e["champion"] = Json::Null;
            e["history"] = serde_json::json!([]);
            e
        })
        .unwrap(),
    )
    .unwrap();
    let (code, _, stderr) = retrain(&empty.display().to_string(), &small, &[]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        format!(
            "error: the registry {e} has no champion to retrain: register a first model with churn train \
             --register {e}\n",
            e = empty.display()
        )
    );
}

/// `churn compare` of the registry's champion with itself on `data`.
fn compare_champion_with_itself(reg: &str, data: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args =
        vec!["compare", "--registry", reg, "--model", "champion", "--model", "champion", "--data", data];
    args.extend_from_slice(extra);
    churn(&args)
}

#[test]
fn compare_refuses_too_few_rows_and_bad_flags() {
    let dir = tempfile::tempdir().unwrap();
    let (reg, _) = registry_with_champion(dir.path());
    let tiny = synth(dir.path(), "tiny.csv", 40, 8, &[]);
    let (code, _, stderr) = compare_champion_with_itself(&reg, &tiny, &[]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        format!(
            "error: {tiny}: 40 labelled rows were scored by both models, 8 of them churners and 32 not: a \
             comparison needs at least 10 of each\n"
        )
    );
    let fresh = synth(dir.path(), "fresh.csv", 2000, 9, &[]);
    let (code, _, stderr) = compare_champion_with_itself(&reg, &fresh, &["--alpha", "0.7"]);
    assert_eq!(
        (code, stderr.as_str()),
        (2, "error: --alpha must be between 0 and 0.5 (e.g. 0.05), got 0.7\n")
    );
    let (code, _, stderr) = compare_champion_with_itself(&reg, &fresh, &["--resamples", "5"]);
    assert_eq!((code, stderr.as_str()), (2, "error: --resamples must be between 100 and 100000, got 5\n"));
}

#[test]
fn predict_scores_with_a_registry_model_named_by_its_alias() {
    let dir = tempfile::tempdir().unwrap();
    let (reg, champion) = registry_with_champion(dir.path());
    let data = synth(dir.path(), "batch.csv", 500, 11, &[]);
    let out = dir.path().join("scores.csv").display().to_string();
    let (code, stdout, stderr) = churn(&[
        "predict",
        "--registry",
        &reg,
        "--model",
        "champion",
        "--data",
        &data,
        "--out",
        &out,
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        (json(&stdout)["model_id"].as_str(), json(&stdout)["scored"].as_u64()),
        (Some(champion.as_str()), Some(500))
    );
    let (code, _, stderr) =
        churn(&["predict", "--registry", &reg, "--model", "challenger", "--data", &data, "--out", &out]);
    assert_eq!((code, stderr.as_str()), (2, "error: the registry has no challenger\n"));
}
