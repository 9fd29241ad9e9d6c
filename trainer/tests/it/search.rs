//! Choosing recipes by nested cross-validation: what the card records, and that a search cannot
//! find signal where there is none.

use crate::{card, churn};

/// `churn synth` data with the `churned` column shuffled (a fixed permutation): no column says
/// anything about the label any more.
fn shuffled(dir: &std::path::Path, rows: usize) -> String {
    let data = dir.join("synth.csv");
    let data = data.display().to_string();
    assert_eq!(churn(&["synth", "--rows", &rows.to_string(), "--seed", "11", "--out", &data]).0, 0);
    let text = std::fs::read_to_string(&data).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let target = header.iter().position(|h| *h == "churned").unwrap();
    let rows: Vec<Vec<String>> = lines.map(|l| l.split(',').map(str::to_string).collect()).collect();
    assert!(rows.iter().all(|r| r.len() == header.len()), "synth rows have no quoted commas");
    let mut labels: Vec<String> = rows.iter().map(|r| r[target].clone()).collect();
    // Fisher–Yates with a fixed 64-bit LCG: the same permutation on every machine.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for i in (1..labels.len()).rev() {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        labels.swap(i, (state >> 33) as usize % (i + 1));
    }
    let mut out = header.join(",") + "\n";
    for (mut row, label) in rows.into_iter().zip(labels) {
        row[target] = label;
        out.push_str(&row.join(","));
        out.push('\n');
    }
    let path = dir.join("shuffled.csv");
    std::fs::write(&path, out).unwrap();
    path.display().to_string()
}

#[test]
fn tuning_on_shuffled_labels_finds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = shuffled(dir.path(), 4000);
    let out = dir.path().join("model").display().to_string();
    let (code, _, stderr) = churn(&[
        "train",
        "--data",
        &data,
        "--target",
        "churned",
        "--model",
        "logistic",
        "--tune",
        "--tune-budget",
        "10",
        "--out",
        &out,
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let c = card(std::path::Path::new(&out));
    let auc = c["cv"]["roc_auc"]["mean"].as_f64().unwrap();
    assert!((auc - 0.5).abs() <= 0.03, "tuned CV ROC AUC on shuffled labels: {auc}");
    let search = &c["search"];
    assert_eq!(search["method"], "tune=10");
    assert_eq!(search["candidates"].as_array().unwrap().len(), 10);
    assert_eq!(search["outer"].as_array().unwrap().len(), 5);
    // The inner scores are as empty as the outer ones: the best of ten is still near 0.5.
    for fold in search["outer"].as_array().unwrap() {
        let chosen = fold["chosen"].as_u64().unwrap() as usize;
        let inner = fold["scores"][chosen].as_f64().unwrap();
        assert!((inner - 0.5).abs() <= 0.05, "inner ROC AUC of the chosen recipe: {inner}");
    }
}

/// The default on a table large enough that each outer fold's search sees only a sample of its
/// training rows: on shuffled labels it still finds nothing, so the sample leaks no held-out row.
#[test]
fn the_default_on_shuffled_labels_finds_nothing_where_it_searches_a_sample() {
    let dir = tempfile::tempdir().unwrap();
    let data = shuffled(dir.path(), 40_000);
    let out = dir.path().join("model").display().to_string();
    let (code, _, stderr) = churn(&["train", "--data", &data, "--target", "churned", "--out", &out]);
    assert_eq!(code, 0, "{stderr}");
    let c = card(std::path::Path::new(&out));
    let auc = c["cv"]["roc_auc"]["mean"].as_f64().unwrap();
    assert!((auc - 0.5).abs() <= 0.03, "CV ROC AUC on shuffled labels: {auc}");
    assert_eq!(c["cv"]["folds"], 5);
    for fold in c["search"]["outer"].as_array().unwrap() {
        let chosen = fold["chosen"].as_u64().unwrap() as usize;
        let inner = fold["scores"][chosen].as_f64().unwrap();
        assert!((inner - 0.5).abs() <= 0.05, "inner ROC AUC of the chosen recipe: {inner}");
    }
}

#[test]
fn auto_records_every_choice_and_the_terms_it_keeps() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("synth.csv").display().to_string();
    assert_eq!(churn(&["synth", "--rows", "3000", "--seed", "5", "--out", &data]).0, 0);
    let out = dir.path().join("model").display().to_string();
    let (code, stdout, stderr) = churn(&["train", "--data", &data, "--target", "churned", "--out", &out]);
    assert_eq!(code, 0, "{stderr}");
    let c = card(std::path::Path::new(&out));
    let search = &c["search"];
    assert_eq!(search["method"], "auto");
    assert_eq!(search["inner_folds"], 2);
    let candidates: Vec<&str> =
        search["candidates"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(
        candidates,
        [
            "logistic α=10 bins=8 quantile",
            "logistic α=10 bins=8 quantile pairs≤16 at 4",
            "logistic α=1 bins=8 quantile",
            "logistic α=1 bins=8 quantile pairs≤16 at 4",
            "logistic α=10 bins=8 tree",
            "logistic α=10 bins=8 tree pairs≤16 at 4",
            "logistic α=1 bins=8 tree",
            "logistic α=1 bins=8 tree pairs≤16 at 4",
            "mlp hidden=16 α=20 bins=8 quantile",
        ]
    );
    assert!(stdout.contains("recipe       auto of 9 by nested CV (2 inner folds)"), "{stdout}");
    // The final model is exactly the chosen recipe fitted on every row: the same flags, given
    // by hand, give the same weights to the bit.
    let chosen = search["final_choice"]["chosen"].as_u64().unwrap() as usize;
    let h = &c["hyperparameters"];
    let fixed = dir.path().join("fixed").display().to_string();
    let flags: Vec<String> = if chosen == 8 {
        assert_eq!(
            (h["model"].as_str(), h["l2"].as_f64(), h["max_iter"].as_u64()),
            (Some("mlp"), Some(20.0), Some(80))
        );
        ["--model", "mlp", "--hidden", "16", "--l2", "20", "--max-iter", "80"].map(String::from).to_vec()
    } else {
        let (knots, l2, expected_pairs) =
            (["quantile", "tree"][chosen / 4], ["10", "1"][chosen / 2 % 2], [0, 16][chosen % 2]);
        assert_eq!(h["knots"], knots);
        assert_eq!(h["l2"].as_f64().unwrap(), l2.parse::<f64>().unwrap());
        assert_eq!(h["interactions"], expected_pairs);
        let pairs = h["pairs"].as_array().unwrap();
        assert!(pairs.len() <= expected_pairs, "{pairs:?}");
        let interactions = expected_pairs.to_string();
        ["--model", "logistic", "--knots", knots, "--l2", l2, "--interactions", &interactions]
            .map(String::from)
            .to_vec()
    };
    let args = ["train", "--data", &data, "--target", "churned", "--out", &fixed];
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let (code, _, stderr) = churn(&[&args[..], &flags[..]].concat());
    assert_eq!(code, 0, "{stderr}");
    let predictor = |dir: &str| {
        let bytes = std::fs::read(std::path::Path::new(dir).join("model.churn")).unwrap();
        let model = scorer_wasm::Model::from_bytes(&bytes).unwrap();
        (model.spec().predictor.clone(), model.spec().pipeline.clone())
    };
    assert_eq!(predictor(&out), predictor(&fixed));
    assert!(c["parity"]["max_abs_diff"].as_f64().unwrap() <= 1e-5);
}

/// `--members 3` averages three MLPs into one network: the card says so, the file holds one MLP
/// three times as wide, the scorer agrees with the trainer on it, and explanations still add up.
#[test]
fn an_mlp_ensemble_is_one_network_three_times_as_wide() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("synth.csv").display().to_string();
    assert_eq!(churn(&["synth", "--rows", "1500", "--seed", "3", "--out", &data]).0, 0);
    let train = |members: &str, out: &str| {
        let out = dir.path().join(out).display().to_string();
        let args = ["train", "--data", &data, "--target", "churned", "--model", "mlp", "--hidden", "8"];
        let (code, _, stderr) =
            churn(&[&args[..], &["--members", members, "--folds", "3", "--out", &out]].concat());
        assert_eq!(code, 0, "{stderr}");
        card(std::path::Path::new(&out))
    };
    let (single, ensemble) = (train("1", "single"), train("3", "ensemble"));
    // One network is the card of old: no members field.
    assert_eq!(single["hyperparameters"].get("members"), None);
    assert_eq!(ensemble["hyperparameters"]["members"], 3);
    assert_eq!(ensemble["hyperparameters"]["hidden"], serde_json::json!([8]));
    assert!(ensemble["parity"]["max_abs_diff"].as_f64().unwrap() <= 1e-9, "{}", ensemble["parity"]);
    // Member 0 is the single model's seed: the ensemble differs from it, and is not worse by
    // much on data this small (a sanity bound, not a claim that three always beat one).
    let auc = |c: &serde_json::Value| c["cv"]["roc_auc"]["mean"].as_f64().unwrap();
    assert_ne!(auc(&single), auc(&ensemble));
    assert!(auc(&ensemble) > auc(&single) - 0.01, "{} vs {}", auc(&ensemble), auc(&single));
    let bytes = std::fs::read(dir.path().join("ensemble/model.churn")).unwrap();
    assert!(bytes.len() <= 64 * 1024, "the ensemble's model file has {} bytes", bytes.len());
    let model = scorer_wasm::Model::from_bytes(&bytes).unwrap();
    let scorer_wasm::Predictor::Mlp(mlp) = &model.spec().predictor else {
        panic!("an ensemble of MLPs is stored as one MLP, got {:?}", model.spec().predictor);
    };
    assert_eq!(mlp.hidden.len(), 1);
    assert_eq!(mlp.hidden[0].outputs, 24);
    let values: Vec<scorer_wasm::Value> = vec![scorer_wasm::Value::Missing; model.columns().len()];
    let e = model.scorer().explain(&values).unwrap();
    let sum: f64 = e.contributions.iter().map(|c| c.value).sum();
    assert!((e.base_logit + sum - e.logit).abs() < 1e-9, "{e:?}");
}

#[test]
fn members_need_an_mlp_recipe_of_bounded_width() {
    let family = "--members 3 averages MLPs: it needs --model mlp, without --tune (which chooses its own) and \
                  without --stream";
    let cases: [(&[&str], &str); 5] = [
        (&["--members", "3", "--model", "logistic"], family),
        (&["--members", "3"], family),
        (&["--members", "3", "--model", "mlp", "--tune"], family),
        (&["--members", "9", "--model", "mlp"], "--members must be between 1 and 8, got 9"),
        (
            &["--members", "3", "--model", "mlp", "--hidden", "512,64"],
            "--members 3 of --hidden 512 makes layers of 1536 units; an ensemble takes at most 1024 units per \
             layer in all",
        ),
    ];
    for (extra, expected) in cases {
        let (code, _, stderr) =
            churn(&[&["train", "--data", "x.csv", "--target", "churned", "--out", "x"], extra].concat());
        assert_eq!(code, 2, "{extra:?}: {stderr}");
        assert!(stderr.contains(expected), "{extra:?}: {stderr}");
    }
}
