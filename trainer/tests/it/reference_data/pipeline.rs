//! The production loop on the reference datasets: what `validate` finds in the Telco and bank
//! exports as distributed, and `drift`, `evaluate` and `report` against a model trained on the
//! Telco file. Exact findings, messages and exit codes.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value as Json;

use crate::pipeline::{codes, column, finding, json};
use crate::{churn, reference, write};

const TELCO: &str = "WA_Fn-UseC_-Telco-Customer-Churn.csv";
const BANK: &str = "Churn_Modelling.csv";

/// A Telco logistic model, trained once per test run.
fn telco_model() -> &'static Path {
    static MODEL: OnceLock<PathBuf> = OnceLock::new();
    MODEL.get_or_init(|| {
        let dir =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("pipeline-telco-{}", std::process::id()));
        let data = reference(TELCO).display().to_string();
        let out = dir.display().to_string();
        let (code, _, stderr) =
            churn(&["train", "--data", &data, "--target", "Churn", "--out", &out, "--no-report", "--json"]);
        assert_eq!(code, 0, "{stderr}");
        dir.join("model.churn")
    })
}

/// The Telco file with `edit` applied to every data row's cells (by column index).
fn telco_edited(dir: &Path, name: &str, edit: impl Fn(&[&str], &mut Vec<String>)) -> String {
    let text = std::fs::read_to_string(reference(TELCO)).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut out = header.join(",") + "\n";
    for line in lines {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        edit(&header, &mut cells);
        out += &(cells.join(",") + "\n");
    }
    write(dir, name, out.as_bytes())
}

mod validate {
    use super::*;

    #[test]
    fn telco_flags_the_id_and_the_blank_total_charges() {
        let data = reference(TELCO).display().to_string();
        let (code, stdout, stderr) = churn(&["validate", "--data", &data, "--target", "Churn", "--json"]);
        assert_eq!(code, 0, "{stderr}");
        let report = json(&stdout);
        assert_eq!(
            codes(&report),
            [
                finding("warning", "identifier", "customerID"),
                finding("warning", "missing_values", "TotalCharges"),
                finding("notice", "class_balance", "Churn"),
            ]
        );
        let total = report["findings"][1]["message"].as_str().unwrap();
        assert_eq!(
            total,
            "TotalCharges has 11 blank or NA cells (0.2%: \" \" ×11), read as missing: imputed with the median, \
             with a missing-indicator feature"
        );
        assert_eq!(report["rows"], 7043);
        assert_eq!(report["target"]["positives"], 1869);
        assert_eq!(report["blocking"], false);
        let tenure = report["columns"].as_array().unwrap().iter().find(|c| c["name"] == "tenure").unwrap();
        assert_eq!(
            (tenure["role"].as_str(), tenure["min"].as_f64(), tenure["max"].as_f64()),
            (Some("numeric"), Some(0.0), Some(72.0))
        );
    }

    #[test]
    fn bank_flags_row_number_customer_id_and_surname() {
        let data = reference(BANK).display().to_string();
        let (code, stdout, stderr) = churn(&["validate", "--data", &data, "--target", "Exited", "--json"]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(
            codes(&json(&stdout)),
            [
                finding("warning", "identifier", "RowNumber"),
                finding("warning", "identifier", "CustomerId"),
                finding("warning", "high_cardinality", "Surname"),
                finding("notice", "class_balance", "Exited"),
            ]
        );
    }
}

mod drift {
    use super::*;

    fn drift(data: &str) -> (i32, Json) {
        let model = telco_model().display().to_string();
        let (code, stdout, stderr) = churn(&["drift", "--model", &model, "--data", data, "--json"]);
        assert!(code == 0 || code == 1, "{stderr}");
        (code, json(&stdout))
    }

    #[test]
    fn the_training_data_does_not_drift_from_itself() {
        let (code, report) = drift(&reference(TELCO).display().to_string());
        assert_eq!(code, 0);
        assert_eq!(report["retrain_recommended"], false);
        assert_eq!(report["score"]["psi"], 0.0);
        assert!(report["columns"].as_array().unwrap().iter().all(|c| c["verdict"] == "none"));
    }

    #[test]
    fn a_price_rise_is_significant_and_exits_1() {
        let dir = tempfile::tempdir().unwrap();
        let data = telco_edited(dir.path(), "shifted.csv", |h, cells| {
            let i = column(h, "MonthlyCharges");
            let x: f64 = cells[i].parse().unwrap();
            cells[i] = format!("{:.2}", x * 1.3 + 10.0);
        });
        let (code, report) = drift(&data);
        assert_eq!(code, 1);
        assert_eq!(report["retrain_recommended"], true);
        let monthly =
            report["columns"].as_array().unwrap().iter().find(|c| c["name"] == "MonthlyCharges").unwrap();
        assert_eq!(monthly["verdict"], "significant");
        assert!(monthly["psi"].as_f64().unwrap() > 1.0, "{monthly}");
        let others: Vec<&Json> =
            report["columns"].as_array().unwrap().iter().filter(|c| c["name"] != "MonthlyCharges").collect();
        assert!(others.iter().all(|c| c["verdict"] == "none"), "{others:?}");
        assert_eq!(report["reasons"][0].as_str().unwrap().split(" (").next(), Some("MonthlyCharges moved"));
    }

    #[test]
    fn small_samples_of_the_same_customers_raise_no_alarm() {
        // Under no drift, PSI over b bins is about (b − 1)(1/n + 1/m): on 100 rows a numeric input
        // with 10 bins averages 0.09, so a fixed 0.1 alarm fires by chance (5 times here). The
        // thresholds sized to the sample stay quiet: no moderate or significant verdict at all.
        let dir = tempfile::tempdir().unwrap();
        let text = std::fs::read_to_string(reference(TELCO)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let mut state: u64 = 42;
        let (mut checks, mut moderate, mut fixed_alarm) = (0, 0, 0);
        for k in 0..5 {
            // 100 customers drawn at random (a fixed LCG, so the test is reproducible).
            let mut sample = vec![lines[0]];
            for _ in 0..100 {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                sample.push(lines[1 + (state >> 33) as usize % (lines.len() - 1)]);
            }
            let data = write(dir.path(), &format!("sample{k}.csv"), (sample.join("\n") + "\n").as_bytes());
            let (code, report) = drift(&data);
            assert_eq!(code, 0, "sample {k}: {report}");
            for c in report["columns"].as_array().unwrap().iter().chain([&report["score"]]) {
                checks += 1;
                assert_ne!(c["verdict"], "significant", "sample {k}: {c}");
                moderate += usize::from(c["verdict"] == "moderate");
                fixed_alarm += usize::from(c["psi"].as_f64().unwrap() > 0.1);
            }
        }
        assert_eq!(checks, 5 * 20);
        assert_eq!((moderate, fixed_alarm), (0, 5), "moderate verdicts, and PSI above a fixed 0.1");
    }

    #[test]
    fn bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let model = telco_model().display().to_string();
        let few = write(dir.path(), "few.csv", b"customerID,tenure\nA,3\n");
        assert_eq!(
            churn(&["drift", "--model", &model, "--data", &few]),
            (
                2,
                String::new(),
                format!(
                    "error: {few}: header: gender: the model needs this column, but it is not in the input\n"
                )
            )
        );
        let absent = dir.path().join("absent.churn").display().to_string();
        let data = reference(TELCO).display().to_string();
        assert_eq!(
            churn(&["drift", "--model", &absent, "--data", &data]),
            (2, String::new(), format!("error: {absent}: no such file\n"))
        );
        let garbage = write(dir.path(), "bad.churn", b"not a model");
        assert_eq!(
            churn(&["drift", "--model", &garbage, "--data", &data]).2,
            format!(
                "error: {garbage}: not a churn model: the file does not start with the churn model signature\n"
            )
        );
    }
}

mod evaluate {
    use super::*;

    fn evaluate(data: &str) -> (i32, Json, String) {
        let model = telco_model().display().to_string();
        let (code, stdout, stderr) = churn(&["evaluate", "--model", &model, "--data", data, "--json"]);
        (code, if code < 2 { json(&stdout) } else { Json::Null }, stderr)
    }

    #[test]
    fn the_training_data_is_in_line_with_the_card() {
        let (code, report, stderr) = evaluate(&reference(TELCO).display().to_string());
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(report["verdict"], "ok");
        assert_eq!(report["evaluated"], 7043);
        assert!(report["ece"].as_f64().unwrap() < 0.03, "{report}");
    }

    #[test]
    fn flipped_outcomes_are_a_performance_drop_and_exit_1() {
        let dir = tempfile::tempdir().unwrap();
        let data = telco_edited(dir.path(), "flipped.csv", |h, cells| {
            let i = column(h, "Churn");
            cells[i] = if cells[i] == "Yes" { "No".into() } else { "Yes".into() };
        });
        let (code, report, _) = evaluate(&data);
        assert_eq!(code, 1);
        assert_eq!(report["verdict"], "degraded");
        let reasons: Vec<&str> =
            report["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
        assert!(reasons[0].starts_with("ROC AUC fell to 0.14"), "{reasons:?}");
        assert!(reasons[1].starts_with("probabilities are off"), "{reasons:?}");
    }

    #[test]
    fn bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let unlabelled = telco_edited(dir.path(), "unlabelled.csv", |_, _| {});
        let text = std::fs::read_to_string(&unlabelled).unwrap().replace(",Churn\n", ",Outcome\n");
        std::fs::write(&unlabelled, text).unwrap();
        let (code, _, stderr) = evaluate(&unlabelled);
        assert_eq!(
            (code, stderr),
            (
                2,
                format!(
                    "error: {unlabelled}: there is no \"Churn\" column with the outcomes to evaluate against; \
                     the model predicts \"Churn\" (\"Yes\" = churn)\n"
                )
            )
        );
        let maybe = telco_edited(dir.path(), "maybe.csv", |h, cells| {
            let i = column(h, "Churn");
            if cells[0] == "5575-GNVDE" {
                cells[i] = "Maybe".into();
            }
        });
        let (code, _, stderr) = evaluate(&maybe);
        assert_eq!(
            (code, stderr),
            (
                2,
                format!(
                    "error: {maybe}: row 2 (line 3): target \"Churn\" is \"Maybe\"; the model knows \"Yes\" (churn) \
                     and \"No\"\n"
                )
            )
        );
    }
}

mod compare {
    use super::*;

    fn golden(name: &str) -> String {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/golden").join(name).display().to_string()
    }

    fn compare(args: &[&str]) -> (i32, Json, String) {
        let data = reference(TELCO).display().to_string();
        let mut all = vec!["compare", "--data", &data, "--json"];
        all.extend_from_slice(args);
        let (code, stdout, stderr) = churn(&all);
        (code, if code < 2 { json(&stdout) } else { Json::Null }, stderr)
    }

    #[test]
    fn the_telco_mlp_ranks_better_than_the_logistic_by_delong() {
        let (a, b) = (golden("telco-logistic.churn"), golden("telco-mlp.churn"));
        let (code, c, stderr) = compare(&["--model", &a, "--model", &b]);
        assert_eq!(code, 1, "a significant difference exits 1: {stderr}");
        assert_eq!((c["verdict"].as_str(), c["metric"].as_str()), (Some("b_better"), Some("roc-auc")));
        assert_eq!((c["compared"].as_u64(), c["positives"].as_u64()), (Some(7043), Some(1869)));
        // The same figures from bench/peers/delong.py, DeLong's test written from the paper in
        // NumPy over all 9.7 million pairs (`churn predict` outputs of both models):
        //   AUC A 0.8556934568  AUC B 0.8621761522  B - A +0.0064826954
        //   se 0.0007150650  z 9.065883  p 1.235995e-19
        //   95% CI +0.0050811937 to +0.0078841971
        let d = &c["roc_auc"];
        let close = |key: &str, want: f64, tol: f64| {
            let got = d[key].as_f64().unwrap();
            assert!((got - want).abs() <= tol, "{key}: {got} against NumPy's {want}");
        };
        close("a", 0.855_693_456_8, 1e-10);
        close("b", 0.862_176_152_2, 1e-10);
        close("difference", 0.006_482_695_4, 1e-10);
        close("ci_low", 0.005_081_193_7, 1e-10);
        close("ci_high", 0.007_884_197_1, 1e-10);
        close("p_value", 1.235_995e-19, 1e-25);
        // Both bootstraps favour the MLP too, and are reproducible.
        assert!(c["log_loss"]["difference"].as_f64().unwrap() < 0.0);
        assert!(c["log_loss"]["ci_high"].as_f64().unwrap() < 0.0);
        assert_eq!(compare(&["--model", &a, "--model", &b]).1, c);
    }

    #[test]
    fn a_model_against_itself_is_no_difference_and_exits_0() {
        let a = golden("telco-logistic.churn");
        let (code, c, stderr) = compare(&["--model", &a, "--model", &a, "--metric", "profit"]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(c["verdict"], "no_significant_difference");
        assert_eq!(c["profit_per_customer"]["p_value"], 1.0);
        assert_eq!(c["roc_auc"]["difference"], 0.0);
    }

    #[test]
    fn models_of_different_outcomes_are_refused() {
        let (a, bank) = (golden("telco-logistic.churn"), golden("bank-mlp.churn"));
        let (code, _, stderr) = compare(&["--model", &a, "--model", &bank]);
        assert_eq!(code, 2);
        assert!(
            stderr.contains("predicts \"Churn\" = \"Yes\" and model")
                && stderr.ends_with("models compared on the same rows must predict the same outcome\n"),
            "{stderr}"
        );
        let (code, _, stderr) = compare(&["--model", &a]);
        assert_eq!(
            (code, stderr.as_str()),
            (2, "error: compare takes exactly two models (--model A --model B), got 1\n")
        );
    }
}

mod report {
    use super::*;

    #[test]
    fn one_self_contained_file_with_every_plot() {
        let dir = tempfile::tempdir().unwrap();
        let model = telco_model().display().to_string();
        let data = reference(TELCO).display().to_string();
        let out = dir.path().join("nested/report.html");
        let out_s = out.display().to_string();
        let (code, stdout, stderr) = churn(&["report", "--model", &model, "--data", &data, "--out", &out_s]);
        assert_eq!((code, stdout, stderr), (0, String::new(), format!("Wrote {out_s}\n")));
        let html = std::fs::read_to_string(&out).unwrap();
        for chart in [
            "ROC curve",
            "Precision–recall curve",
            "Reliability (out-of-fold)",
            "Scores by outcome (out-of-fold)",
            "Expected profit per customer",
            "Cumulative gains",
            "Lift",
        ] {
            assert!(html.contains(&format!("aria-label=\"{chart}\"")), "no {chart} chart");
        }
        for section in
            ["Data checks", "Discrimination", "Calibration", "Whom to contact", "Feature effects", "Per fold"]
        {
            assert!(html.contains(&format!("<h2>{section}</h2>")), "no {section} section");
        }
        // Seven charts, then one effect per input: a curve for each of the 3 numeric inputs, bars
        // for each of the 16 categorical and boolean ones.
        assert_eq!(html.matches("<svg").count(), 7 + 3);
        assert_eq!(html.matches("class=\"levels\"").count(), 16);
        for external in
            ["src=\"http", "href=\"http", "<script src", "<link rel=\"stylesheet\" href", "url(http"]
        {
            assert!(!html.contains(external), "the report loads {external}…");
        }
        crate::browser::opens_cleanly(&out, "report");
    }
}
