//! The browser module's JavaScript API, exercised in Node against the very files the page loads
//! (`dashboard/pkg`): see `tests/js/api.test.mjs`.

#[test]
fn javascript_api_in_node() {
    let script = tests::root().join("tests/js/api.test.mjs");
    let out = std::process::Command::new("node")
        .arg("--test")
        .arg("--test-reporter=spec")
        .arg(&script)
        .env("CHURN_TELCO_CSV", tests::telco_shaped_file())
        .env("EXPECT_CSV_ROWS", tests::TELCO_SHAPED_ROWS.to_string())
        .env("EXPECT_FIRST_ID", tests::telco_shaped_id(0))
        .output()
        .expect("node is installed (see README: Development)");
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the JavaScript API tests failed:\n{report}");
    assert!(report.contains("fail 0") && report.contains("pass 8"), "{report}");
}
