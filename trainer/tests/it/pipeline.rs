//! The production loop from the command line: validate, train with calibration and a profit
//! threshold, drift, evaluate, the registry and the report. Real binary, real files, exact
//! messages and exit codes (0 fine, 1 a finding that calls for action, 2 an error).

use std::path::Path;

use serde_json::Value as Json;

use crate::{churn, small_table, train_churned, write};

pub(crate) fn json(stdout: &str) -> Json {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

pub(crate) fn column(header: &[&str], name: &str) -> usize {
    header.iter().position(|h| *h == name).unwrap()
}

pub(crate) fn codes(report: &Json) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_string(),
                f["code"].as_str().unwrap().to_string(),
                f["column"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

pub(crate) fn finding(severity: &str, code: &str, column: &str) -> (String, String, String) {
    (severity.into(), code.into(), column.into())
}

/// A table with every problem `validate` knows about, and a column that leaks the outcome.
fn messy_table() -> String {
    let mut s = String::from("id,tenure,region,country,cancel_reason,plan,churned\n");
    for i in 0..120 {
        let churned = if i % 3 == 0 { "Yes" } else { "No" };
        let reason = if churned == "Yes" { "moved" } else { "" };
        let region = if i % 7 == 0 { "Unknown" } else { ["north", "south"][i % 2] };
        let id = if i == 5 { "C004".to_string() } else { format!("C{i:03}") };
        s += &format!("{id},{},{region},NL,{reason},{},{churned}\n", (i * 13) % 70, ["a", "b"][i % 2]);
    }
    let last = s.lines().last().unwrap().to_string();
    s + &last + "\n" // the last row, twice
}

mod validate {
    use super::*;

    #[test]
    fn leakage_blocks_training_and_every_problem_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let data = write(dir.path(), "messy.csv", messy_table().as_bytes());
        let (code, stdout, _) = churn(&["validate", "--data", &data, "--target", "churned", "--json"]);
        assert_eq!(code, 1, "a blocking finding exits 1");
        let report = json(&stdout);
        assert_eq!(report["blocking"], true);
        assert_eq!(report["duplicate_rows"], 1);
        let found = codes(&report);
        for expected in [
            finding("blocking", "leakage", "cancel_reason"),
            finding("warning", "duplicate_rows", ""),
            finding("warning", "duplicate_ids", "id"),
            finding("warning", "constant", "country"),
            finding("warning", "missing_as_category", "region"),
        ] {
            assert!(found.contains(&expected), "{expected:?} not in {found:?}");
        }
        assert_eq!(found[0], finding("blocking", "leakage", "cancel_reason"), "most severe first");

        let out = dir.path().join("m").display().to_string();
        let (code, _, stderr) = train_churned(&data, &out, &[]);
        assert_eq!(code, 2);
        assert!(
            stderr.starts_with(&format!(
                "error: {data}: cancel_reason alone separates churned with ROC AUC 1.0000: it is almost certainly \
                 recorded after the outcome or derived from it."
            )),
            "{stderr}"
        );
        assert!(stderr.contains("--allow leakage"), "{stderr}");
        let (code, _, stderr) = train_churned(&data, &out, &["--allow", "leakage", "--json"]);
        assert_eq!(code, 0, "{stderr}");
    }

    #[test]
    fn the_human_report_ends_with_the_verdict() {
        let dir = tempfile::tempdir().unwrap();
        let data = write(dir.path(), "t.csv", small_table().as_bytes());
        let (code, stdout, _) = churn(&["validate", "--data", &data, "--target", "churned"]);
        assert_eq!(code, 0);
        assert!(stdout.ends_with("Nothing blocks training.\n"), "{stdout}");
        assert!(stdout.contains("only 40 rows"), "{stdout}");
    }

    #[test]
    fn bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let absent = dir.path().join("absent.csv").display().to_string();
        assert_eq!(churn(&["validate", "--data", &absent]).0, 2);
        assert_eq!(churn(&["validate", "--data", &absent]).2, format!("error: {absent}: no such file\n"));
        let data = write(dir.path(), "t.csv", small_table().as_bytes());
        let (code, _, stderr) = churn(&["validate", "--data", &data, "--target", "churnd"]);
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
        let empty = write(dir.path(), "empty.csv", b"id,tenure,churned\n");
        assert_eq!(
            churn(&["validate", "--data", &empty, "--json"]),
            (2, String::new(), format!("error: {empty}: the file has a header but no data rows\n"))
        );
    }
}

mod train_economics {
    use super::*;

    fn train(extra: &[&str]) -> (i32, Json, String) {
        let dir = tempfile::tempdir().unwrap();
        let data = write(dir.path(), "t.csv", small_table().as_bytes());
        let out = dir.path().join("m").display().to_string();
        let (code, stdout, stderr) = train_churned(&data, &out, &[&["--json"], extra].concat());
        (code, if code == 0 { json(&stdout) } else { Json::Null }, stderr)
    }

    #[test]
    fn the_card_holds_calibration_economics_and_the_profit_curve() {
        let (code, card, stderr) =
            train(&["--economics", "clv=800,offer_cost=40,accept_rate=0.25,contact_cost=1"]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(
            card["economics"],
            serde_json::json!({"clv": 800.0, "offer_cost": 40.0, "accept_rate": 0.25, "contact_cost": 1.0})
        );
        assert_eq!(card["threshold"]["rule"], "max_profit");
        // A contact gains γ·(clv − δ) − c from a churner and costs δ + c otherwise, so it pays
        // from p = (δ + c) / (γ·(clv − δ) + δ) = 41 / 230.
        let break_even = card["threshold"]["break_even_probability"].as_f64().unwrap();
        assert!((break_even - 41.0 / 230.0).abs() < 1e-6, "{break_even}");
        assert_eq!(card["calibration"]["method"], "platt");
        assert!(card["calibration"]["reliability"].as_array().unwrap().len() >= 2);
        let curve = card["profit_curve"]["per_customer"].as_array().unwrap();
        assert_eq!(curve.len(), 101);
        let best = curve.iter().map(|p| p.as_f64().unwrap()).fold(f64::MIN, f64::max);
        assert_eq!(card["threshold"]["profit_per_customer"].as_f64(), Some(best));
    }

    #[test]
    fn the_human_summary_has_every_section_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let data = write(dir.path(), "t.csv", small_table().as_bytes());
        let out = dir.path().join("m").display().to_string();
        let (code, stdout, stderr) = train_churned(&data, &out, &["--no-report"]);
        assert_eq!(code, 0, "{stderr}");
        let mut at = 0;
        for part in [
            "Read t.csv: 40 rows, 5 columns (csv)\n",
            "\nColumns\n  id ",
            "\nCross-validation: 5 stratified folds, seed 42, logistic model, ",
            "\n  calibration  platt σ(",
            "\nDecision threshold ",
            "\n  contacts ",
            "\nWrote ",
            "\nParity: scorer and trainer agree within ",
        ] {
            let found = stdout[at..]
                .find(part)
                .unwrap_or_else(|| panic!("no {part:?} after byte {at} of:\n{stdout}"));
            at += found + part.len();
        }
    }

    #[test]
    fn other_threshold_rules() {
        let (code, card, stderr) = train(&["--threshold", "recall=0.9"]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(card["threshold"]["rule"], "recall_0.9");
        assert!(card["threshold"]["recall"].as_f64().unwrap() >= 0.9);
        let (code, card, _) = train(&["--threshold", "max-f1", "--calibration", "none"]);
        assert_eq!(code, 0);
        assert_eq!(card["threshold"]["rule"], "max_f1");
        assert_eq!(card["calibration"]["method"], "none");
    }

    #[test]
    fn bad_flags_name_the_problem() {
        for (flag, value, message) in [
            ("--economics", "clv=abc", "clv: \"abc\" is not a number"),
            (
                "--economics",
                "ltv=5",
                "unknown economics \"ltv\"; use clv, offer_cost, accept_rate, contact_cost",
            ),
            ("--economics", "accept_rate=1.5", "accept_rate is a share between 0 and 1, got 1.5"),
            ("--threshold", "recall=2", "the target recall is a share above 0 and at most 1, got 2"),
            ("--threshold", "best", "\"best\" is not a threshold rule; use max-profit, max-f1 or recall=0.8"),
        ] {
            let (code, _, stderr) = train(&[flag, value]);
            let placeholder = if flag == "--economics" { "<K=V,...>" } else { "<RULE>" };
            assert_eq!(
                (code, stderr),
                (
                    2,
                    format!(
                        "error: invalid value '{value}' for '{flag} {placeholder}': {message}\n\n\
                         For more information, try '--help'.\n"
                    )
                ),
            );
        }
    }
}

mod registry {
    use super::*;

    fn run(args: &[&str]) -> (i32, String, String) {
        churn(args)
    }

    /// Two models of the small table: a logistic regression and an MLP.
    fn two_models(dir: &Path) -> (String, String) {
        let data = write(dir, "t.csv", small_table().as_bytes());
        let mut files = Vec::new();
        for (name, kind) in [("a", "logistic"), ("b", "mlp")] {
            let out = dir.join(name).display().to_string();
            let (code, _, stderr) = train_churned(&data, &out, &["--model", kind, "--json", "--no-report"]);
            assert_eq!(code, 0, "{stderr}");
            files.push(dir.join(name).join("model.churn").display().to_string());
        }
        (files[0].clone(), files[1].clone())
    }

    fn index(reg: &str) -> Json {
        json(&run(&["registry", "list", "--dir", reg, "--json"]).1)
    }

    #[test]
    fn add_promote_and_roll_back() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = two_models(dir.path());
        let reg = dir.path().join("models").display().to_string();
        let (code, stdout, _) = run(&["registry", "add", &a, "--dir", &reg]);
        assert_eq!(code, 0);
        let id_a = index(&reg)["models"][0]["id"].as_str().unwrap().to_string();
        assert_eq!(
            stdout,
            format!("Added {id_a} (logistic t) in {reg} as champion (the registry's first model)\n")
        );
        let (_, stdout, _) = run(&["registry", "add", &b, "--dir", &reg]);
        let id_b = index(&reg)["models"][1]["id"].as_str().unwrap().to_string();
        assert_eq!(stdout, format!("Added {id_b} (mlp t) in {reg}\n"));
        assert_eq!(
            run(&["registry", "add", &b, "--dir", &reg]).1,
            format!("Already stored: {id_b} (mlp t) in {reg}\n")
        );
        // Stored by content: the id is the start of the file's SHA-256 and the bytes are the same.
        let stored = Path::new(&reg).join(&id_b).join("model.churn");
        assert_eq!(std::fs::read(&stored).unwrap(), std::fs::read(&b).unwrap());
        assert!(Path::new(&reg).join(&id_b).join("model-card.json").exists());

        assert_eq!(run(&["registry", "promote", &id_b[..6], "--as", "challenger", "--dir", &reg]).0, 0);
        assert_eq!(index(&reg)["challenger"], id_b.as_str());
        assert_eq!(
            run(&["registry", "path", "challenger", "--dir", &reg]).1,
            format!("{}\n", stored.display())
        );
        assert_eq!(
            run(&["registry", "promote", "challenger", "--dir", &reg]).1,
            format!("{id_b} is now champion (was {id_a})\n")
        );
        let i = index(&reg);
        assert_eq!((i["champion"].as_str(), i["challenger"].as_str()), (Some(id_b.as_str()), None));

        let (code, stdout, _) = run(&["registry", "rollback", "--dir", &reg]);
        assert_eq!((code, stdout), (0, format!("Rolled back: {id_a} is champion again (was {id_b})\n")));
        assert_eq!(index(&reg)["champion"], id_a.as_str());
        let actions: Vec<String> = index(&reg)["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!(
                    "{} {} {}",
                    e["action"].as_str().unwrap(),
                    e["alias"].as_str().unwrap(),
                    &e["model"].as_str().unwrap()[..4]
                )
            })
            .collect();
        assert_eq!(
            actions,
            [
                format!("promote champion {}", &id_a[..4]),
                format!("promote challenger {}", &id_b[..4]),
                format!("promote champion {}", &id_b[..4]),
                format!("rollback champion {}", &id_a[..4]),
            ]
        );
        assert_eq!(
            run(&["registry", "rollback", "--dir", &reg]),
            (
                2,
                String::new(),
                format!("error: {id_a} is the first champion; there is nothing to roll back to\n")
            )
        );
        let (code, stdout, _) = run(&["registry", "show", "champion", "--dir", &reg, "--json"]);
        assert_eq!(code, 0);
        let shown = json(&stdout);
        assert_eq!(shown["aliases"], serde_json::json!(["champion"]));
        assert_eq!(shown["card"]["model"], "logistic");
    }

    #[test]
    fn bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let reg = dir.path().join("models").display().to_string();
        let none = format!(
            "error: {reg} is not a model registry (no registry.json); add a model with churn registry add --dir {reg} FILE\n"
        );
        assert_eq!(run(&["registry", "list", "--dir", &reg]), (2, String::new(), none.clone()));
        assert_eq!(run(&["registry", "promote", "abc", "--dir", &reg]).2, none);
        assert_eq!(run(&["registry", "rollback", "--dir", &reg]).2, none);
        let garbage = write(dir.path(), "bad.churn", b"not a model");
        assert_eq!(
            run(&["registry", "add", &garbage, "--dir", &reg]),
            (
                2,
                String::new(),
                format!(
                    "error: {garbage}: not a churn model: the file does not start with the churn model signature\n"
                )
            )
        );
        assert!(!Path::new(&reg).join("registry.json").exists(), "a failed add leaves no registry behind");
        let (a, _) = two_models(dir.path());
        run(&["registry", "add", &a, "--dir", &reg]);
        assert_eq!(
            run(&["registry", "promote", "zzz", "--dir", &reg]).2,
            format!("error: no model \"zzz\" in {reg}; churn registry list shows what is there\n")
        );
        assert_eq!(
            run(&["registry", "show", "challenger", "--dir", &reg]).2,
            "error: the registry has no challenger\n"
        );
    }

    #[test]
    fn train_can_register_its_model() {
        let dir = tempfile::tempdir().unwrap();
        let data = write(dir.path(), "t.csv", small_table().as_bytes());
        let out = dir.path().join("m").display().to_string();
        let reg = dir.path().join("models").display().to_string();
        let (code, stdout, stderr) = train_churned(&data, &out, &["--register", &reg]);
        assert_eq!(code, 0, "{stderr}");
        let id = index(&reg)["champion"].as_str().unwrap().to_string();
        assert!(
            stdout.ends_with(&format!("Registered {id} in {reg} as champion (the registry's first model)\n")),
            "{stdout}"
        );
    }

    /// Two golden model files (a logistic regression and an MLP of Telco), their ids.
    fn golden_pair() -> ([String; 2], [String; 2]) {
        let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/golden");
        let files = ["telco-logistic.churn", "telco-mlp.churn"].map(|f| golden.join(f).display().to_string());
        let ids = files.clone().map(|f| {
            let dir = tempfile::tempdir().unwrap();
            let reg = dir.path().display().to_string();
            assert_eq!(run(&["registry", "add", &f, "--dir", &reg]).0, 0);
            index(&reg)["models"][0]["id"].as_str().unwrap().to_string()
        });
        (files, ids)
    }

    /// 8 processes × 25 changes each on one registry, at once: every change is in the history,
    /// and the models and aliases are exactly what the changes make. Without the lock, 39 of
    /// 80 promotions vanished in the same experiment by hand.
    #[test]
    fn concurrent_writers_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let reg = dir.path().join("models").display().to_string();
        let (files, ids) = golden_pair();
        let op = |w: usize, k: usize| -> Vec<String> {
            let args = match (w + k) % 5 {
                // Adding a stored model again: a no-op that still takes the lock.
                0 => vec!["registry", "add", &files[k % 2], "--dir", &reg],
                _ => vec!["registry", "promote", &ids[k % 2], "--as", "challenger", "--dir", &reg],
            };
            args.into_iter().map(String::from).collect()
        };
        for file in &files {
            assert_eq!(run(&["registry", "add", file, "--dir", &reg]).0, 0);
        }
        let workers: Vec<_> = (0..8)
            .map(|w| {
                let ops: Vec<Vec<String>> = (0..25).map(|k| op(w, k)).collect();
                std::thread::spawn(move || {
                    for (k, args) in ops.iter().enumerate() {
                        let args: Vec<&str> = args.iter().map(String::as_str).collect();
                        let (code, _, stderr) = run(&args);
                        assert_eq!(code, 0, "worker {w}, change {k}: {stderr}");
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        let index = index(&reg);
        let models: Vec<&str> =
            index["models"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
        assert_eq!(models, [ids[0].as_str(), ids[1].as_str()]);
        assert_eq!(index["champion"], ids[0].as_str());
        let history = index["history"].as_array().unwrap();
        let promotions =
            |id: &str| history.iter().filter(|e| e["alias"] == "challenger" && e["model"] == id).count();
        let asked = |m: usize| {
            (0..8)
                .flat_map(|w| (0..25).map(move |k| (w, k)))
                .filter(|&(w, k)| (w + k) % 5 != 0 && k % 2 == m)
                .count()
        };
        assert_eq!((promotions(&ids[0]), promotions(&ids[1])), (asked(0), asked(1)));
        assert_eq!(history.len(), 1 + asked(0) + asked(1), "the first champion, then every promotion");
        let last = history.last().unwrap();
        assert_eq!(index["challenger"], last["model"]);
    }

    /// A writer killed at any point (SIGKILL, so nothing of it runs after) leaves a registry that
    /// loads, and the lock it held is free: the next change goes through.
    #[test]
    fn a_writer_killed_mid_write_leaves_a_registry_that_loads() {
        let dir = tempfile::tempdir().unwrap();
        let reg = dir.path().join("models").display().to_string();
        let (files, ids) = golden_pair();
        assert_eq!(run(&["registry", "add", &files[0], "--dir", &reg]).0, 0);
        assert_eq!(run(&["registry", "add", &files[1], "--dir", &reg]).0, 0);
        for attempt in 0..30u64 {
            let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_churn"))
                .args([
                    "registry",
                    "promote",
                    &ids[(attempt % 2) as usize],
                    "--as",
                    "challenger",
                    "--dir",
                    &reg,
                ])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            // Kill it somewhere between starting, locking, writing and renaming.
            std::thread::sleep(std::time::Duration::from_micros(attempt * 500));
            child.kill().unwrap();
            child.wait().unwrap();
            let (code, stdout, stderr) = run(&["registry", "list", "--dir", &reg, "--json"]);
            assert_eq!(code, 0, "after a kill at {} µs: {stderr}", attempt * 500);
            assert_eq!(json(&stdout)["models"].as_array().unwrap().len(), 2);
        }
        let before = index(&reg)["history"].as_array().unwrap().len();
        assert_eq!(run(&["registry", "promote", &ids[1], "--as", "challenger", "--dir", &reg]).0, 0);
        assert_eq!(index(&reg)["history"].as_array().unwrap().len(), before + 1);
        assert_eq!(index(&reg)["challenger"], ids[1].as_str());
    }
}

mod report {
    use super::*;

    #[test]
    fn bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let garbage = write(dir.path(), "bad.churn", b"not a model");
        let out = dir.path().join("r.html").display().to_string();
        assert_eq!(
            churn(&["report", "--model", &garbage, "--out", &out]).2,
            format!(
                "error: {garbage}: not a churn model: the file does not start with the churn model signature\n"
            )
        );
        assert!(!Path::new(&out).exists());
    }
}

/// The `--json` output of every new command, on small deterministic tables, as insta snapshots
/// (`trainer/tests/it/snapshots/`); paths and times are redacted. After an intended change,
/// `INSTA_UPDATE=always cargo test -p trainer --test it snapshots` rewrites them for review.
mod snapshots {
    use super::*;

    fn run_json(args: &[&str]) -> Json {
        let (code, stdout, stderr) = churn(args);
        assert!(code < 2, "{stderr}");
        json(&stdout)
    }

    /// A logistic model of the small table, and the table.
    fn small_model(dir: &Path) -> (String, String) {
        let data = write(dir, "t.csv", small_table().as_bytes());
        let out = dir.join("m").display().to_string();
        assert_eq!(train_churned(&data, &out, &["--json", "--no-report"]).0, 0);
        (data, dir.join("m/model.churn").display().to_string())
    }

    #[test]
    fn validate_json() {
        let dir = tempfile::tempdir().unwrap();
        let data = write(dir.path(), "messy.csv", messy_table().as_bytes());
        let report = run_json(&["validate", "--data", &data, "--target", "churned", "--json"]);
        insta::assert_json_snapshot!("validate", report, { ".source" => "[file]" });
    }

    #[test]
    fn drift_json() {
        let dir = tempfile::tempdir().unwrap();
        let (data, model) = small_model(dir.path());
        // Longer tenures and everyone on "pro": two inputs and the score move.
        let shifted: String = std::fs::read_to_string(&data)
            .unwrap()
            .lines()
            .enumerate()
            .map(|(i, line)| {
                if i == 0 {
                    return format!("{line}\n");
                }
                let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
                cells[1] = (cells[1].parse::<u32>().unwrap() + 30).to_string();
                cells[2] = "pro".into();
                cells.join(",") + "\n"
            })
            .collect();
        let shifted = write(dir.path(), "shifted.csv", shifted.as_bytes());
        let report = run_json(&["drift", "--model", &model, "--data", &shifted, "--json"]);
        insta::assert_json_snapshot!("drift", report);
    }

    #[test]
    fn evaluate_json() {
        let dir = tempfile::tempdir().unwrap();
        let (data, model) = small_model(dir.path());
        let report = run_json(&["evaluate", "--model", &model, "--data", &data, "--json"]);
        insta::assert_json_snapshot!("evaluate", report);
    }

    #[test]
    fn registry_json() {
        let dir = tempfile::tempdir().unwrap();
        let (_, model) = small_model(dir.path());
        let reg = dir.path().join("models").display().to_string();
        assert_eq!(churn(&["registry", "add", &model, "--dir", &reg]).0, 0);
        let list = run_json(&["registry", "list", "--dir", &reg, "--json"]);
        insta::assert_json_snapshot!("registry-list", list, {
            ".models[].added" => "[time]",
            ".models[].source" => "[file]",
            ".history[].at" => "[time]",
        });
        let show = run_json(&["registry", "show", "champion", "--dir", &reg, "--json"]);
        insta::assert_json_snapshot!("registry-show", show, {
            ".entry.added" => "[time]",
            ".entry.source" => "[file]",
            ".file" => "[file]",
            ".card.data.source" => "[file]",
        });
    }
}
