//! The dashboard in Chromium (Playwright, `tests/js/dashboard.test.mjs`), served by the Spin
//! components exactly as `cargo xtask serve` serves them. Screenshots of every view go to
//! `target/tmp/screenshots/`.

use std::sync::Arc;

use scorer_wasm::Model;
use tests::{TELCO_SHAPED_ROWS, golden_entry, golden_model, root, telco_shaped_file, telco_shaped_id};

fn model_case0(name: &str) -> (String, f64) {
    let m = golden_entry(name);
    (m["id"].as_str().unwrap().to_string(), m["cases"][0]["probability"].as_f64().unwrap())
}

#[test]
fn dashboard_in_chromium() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = Arc::new(
        churn_host::App::from_manifest(&root().join("spin.toml"))
            .expect("run `cargo xtask build-edge` first"),
    );
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    runtime.spawn(app.serve(listener));

    let telco_csv = telco_shaped_file();
    let (model_id, typical_p) = model_case0("telco-logistic");
    let (other_id, other_p) = model_case0("telco-mlp");
    let pairs_model = Model::from_bytes(&golden_model("bank-pairs.churn")).unwrap();
    let pairs: Vec<String> = pairs_model
        .pipeline()
        .interactions()
        .iter()
        .map(|t| t.columns().map(|c| pairs_model.columns()[c].name.as_str()).join(" × "))
        .collect();
    let native = scorer_wasm::api::score_csv(
        &Model::from_bytes(&golden_model("telco-logistic.churn")).unwrap(),
        &std::fs::read(&telco_csv).unwrap(),
        0,
        usize::MAX,
    )
    .unwrap();
    let named_id = telco_shaped_id(5000);
    let named =
        native.rows.iter().find(|r| r.id.as_deref() == Some(named_id.as_str())).expect("a named customer");
    let header = "customerID,gender,SeniorCitizen,Partner,Dependents,tenure,PhoneService,MultipleLines,InternetService,\
                  OnlineSecurity,OnlineBackup,DeviceProtection,TechSupport,StreamingTV,StreamingMovies,Contract,\
                  PaperlessBilling,PaymentMethod,MonthlyCharges,TotalCharges";
    let row =
        "B1,Female,0,Yes,No,12,Yes,No,DSL,No,Yes,No,No,No,No,Month-to-month,Yes,Electronic check,50.5,600";
    let bad_csv = format!(
        "{header}\n{row}\n{}\n{}\n",
        row.replace(",12,", ",twelve,").replace("B1", "B2"),
        row.replace("Female,0,Yes", "Female,0,maybe").replace("B1", "B3")
    );
    let screenshots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");

    let out = std::process::Command::new("node")
        .args(["--test", "--test-reporter=spec", "--test-concurrency=1"])
        .arg(root().join("tests/js/dashboard.test.mjs"))
        .current_dir(root())
        .env("BASE_URL", &base)
        .env("SCREENSHOTS", &screenshots)
        .env("CHURN_TELCO_CSV", &telco_csv)
        .env("EXPECT_CSV_ROWS", TELCO_SHAPED_ROWS.to_string())
        .env("EXPECT_MODEL_ID", &model_id)
        .env("EXPECT_TYPICAL_P", typical_p.to_string())
        .env("EXPECT_NAMED_ID", &named_id)
        .env("EXPECT_NAMED_P", named.probability.to_string())
        .env("BAD_CSV", bad_csv)
        .env("OTHER_MODEL", root().join("tests/golden/telco-mlp.churn"))
        .env("OTHER_MODEL_ID", &other_id)
        .env("OTHER_TYPICAL_P", other_p.to_string())
        .env("PAIRS_MODEL", root().join("tests/golden/bank-pairs.churn"))
        .env("EXPECT_PAIRS", pairs.join("\n"))
        .output()
        .expect("node is installed");
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the dashboard tests failed:\n{report}");
    assert!(report.contains("pass 7") && report.contains("fail 0"), "{report}");
    for view in ["1-what-if", "2-batch", "3-batch-errors", "4-campaign", "5-model", "5-pairs", "6-phone"] {
        assert!(screenshots.join(format!("{view}.png")).exists(), "no screenshot of {view}");
    }
}
