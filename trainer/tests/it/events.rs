//! Event logs: `churn synth --events`, `train --events`, `predict --events`; features that never
//! see the future, customers that never straddle folds, training rows that equal what the scorer
//! computes from raw events, and bad logs refused by name.

use std::path::Path;

use scorer_wasm::Value;
use scorer_wasm::events::{Events, OTHER_TYPE, canonical_order, format_timestamp, parse_timestamp};
use trainer::input::events::{LogOptions, read_log};
use trainer::input::snapshots::{self, SnapshotOptions};
use trainer::stats::folds;
use trainer::training::events::{SnapshotRows, snapshot_rows};

use crate::{card, churn, write};

/// `churn synth --events` into `dir`; returns the events and customers paths.
fn synth(dir: &Path, customers: &str, seed: &str) -> (String, String) {
    let out = dir.display().to_string();
    let (code, stdout, stderr) =
        churn(&["synth", "--events", "--rows", customers, "--seed", seed, "--out", &out]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with(&format!("Wrote {customers} customers and ")), "{stdout}");
    (dir.join("events.csv").display().to_string(), dir.join("customers.csv").display().to_string())
}

fn log_options(events: &str, customers: &str) -> LogOptions {
    LogOptions { events: events.into(), customers: Some(customers.into()), ..LogOptions::default() }
}

/// The snapshot rows training builds from these files by default.
fn rows_of(events: &str, customers: &str) -> SnapshotRows {
    snapshot_rows(&log_options(events, customers), &SnapshotOptions::default()).unwrap()
}

#[test]
fn synthetic_events_train_score_and_name_their_behaviour_features() {
    let dir = tempfile::tempdir().unwrap();
    let (events, customers) = synth(dir.path(), "400", "7");
    let truth = std::fs::read_to_string(dir.path().join("truth.csv")).unwrap();
    assert_eq!(
        truth.lines().next(),
        Some("customer_id,snapshot,churned,true_churn_probability,hidden_state_churn_probability")
    );
    let (code, stdout, stderr) =
        churn(&["validate", "--events", &events, "--customers", &customers, "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["events"]["customers"], 400);
    assert_eq!(report["events"]["rows"].as_u64(), Some(truth.lines().count() as u64 - 1));
    assert_eq!(report["snapshot_rows"]["rows"], report["events"]["rows"]);
    let types: Vec<&str> =
        report["events"]["types"].as_array().unwrap().iter().map(|t| t[0].as_str().unwrap()).collect();
    assert_eq!(types, ["login", "payment", "support_ticket", "payment_failed", "exit_survey"]);
    let model = dir.path().join("m");
    let m = model.display().to_string();
    let (code, stdout, stderr) =
        churn(&["train", "--events", &events, "--customers", &customers, "--out", &m]);
    assert_eq!(code, 0, "{stderr}");
    let card = card(&model);
    // truth.csv holds exactly the rows training builds.
    assert_eq!(card["data"]["rows"].as_u64(), Some(truth.lines().count() as u64 - 1));
    let report = &card["events"];
    assert_eq!(report["events_file"], "events.csv");
    assert_eq!(report["label"], "churned: the customer's end_date falls in the 30 days after the snapshot");
    assert!(report["out_of_time"]["roc_auc"].as_f64().unwrap() > 0.7, "{report}");
    // The penalty weighs against customers: --l2 (1, or 10 in auto's other candidate) times the
    // snapshot rows per customer, to the two digits the search keeps.
    let ids: std::collections::BTreeSet<&str> =
        truth.lines().skip(1).filter_map(|l| l.split(',').next()).collect();
    let per_customer = (truth.lines().count() - 1) as f64 / ids.len() as f64;
    assert_eq!(report["rows_per_customer"].as_f64(), Some(per_customer));
    let alpha = card["hyperparameters"]["l2"].as_f64().unwrap() / per_customer;
    assert!([1.0, 10.0].iter().any(|l| (alpha / l - 1.0).abs() < 0.05), "α / rows per customer = {alpha}");
    let columns: Vec<&str> =
        card["data"]["columns"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(columns.contains(&"login events in the last 7 days"), "{columns:?}");
    // The leakage trap: an exit survey only ever follows an end, so no snapshot row sees one.
    let trap = card["data"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "exit_survey events in the last 28 days")
        .unwrap();
    assert_eq!(trap["distinct"].as_u64(), Some(1), "{trap}");
    let left_out = "\"days since the last exit_survey event\" has nothing to measure at any snapshot (no such event \
                    before one); it is left out";
    assert!(report["findings"].as_array().unwrap().iter().any(|f| f == left_out), "{report}");
    assert!(stdout.contains("ROC AUC"), "{stdout}");

    let scores = dir.path().join("scores.csv").display().to_string();
    let model_file = format!("{m}/model.churn");
    let bytes = std::fs::read(&model_file).unwrap();
    assert_eq!(bytes[8..12], 4u32.to_le_bytes(), "an event model is a format version 4 file");
    let (code, stdout, stderr) = churn(&[
        "predict",
        "--model",
        &model_file,
        "--events",
        &events,
        "--customers",
        &customers,
        "--out",
        &scores,
    ]);
    assert_eq!(code, 0, "{stderr}");
    let lines = std::fs::read_to_string(&scores).unwrap();
    assert_eq!(lines.lines().next(), Some("customer_id,probability,risk_band,decision,error"));
    assert!(
        stdout.contains(&format!(
            "Scored {} of {} rows",
            lines.lines().count() - 1,
            lines.lines().count() - 1
        )),
        "{stdout}"
    );
    // A table model and an event model each refuse the other's input, by name.
    let (code, _, stderr) =
        churn(&["predict", "--model", &model_file, "--data", &customers, "--out", &scores]);
    assert_eq!(code, 2);
    assert!(stderr.contains("learned from an event log: score it with --events"), "{stderr}");
}

/// One customer's events as columns: times, type indices, values (two a row).
type RawEvents = (Vec<i64>, Vec<u32>, Vec<f64>);

/// Every customer's events as the file has them, read with nothing but the scorer's own rules.
fn raw_events(path: &str, types: &[String]) -> std::collections::HashMap<String, RawEvents> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out: std::collections::HashMap<String, RawEvents> = Default::default();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let e = out.entry(f[0].to_string()).or_default();
        e.0.push(parse_timestamp(f[1]).unwrap().0);
        e.1.push(types.iter().position(|t| t == f[2]).map_or(OTHER_TYPE, |k| k as u32));
        for v in &f[3..5] {
            e.2.push(if v.trim().is_empty() { f64::NAN } else { v.parse().unwrap() });
        }
    }
    out
}

#[test]
fn every_training_row_is_what_the_scorer_computes_from_the_raw_events() {
    let dir = tempfile::tempdir().unwrap();
    let (events, customers) = synth(dir.path(), "150", "3");
    let rows = rows_of(&events, &customers);
    let (log, spec) = (&rows.log, &rows.spec);
    assert_eq!(spec.values, ["minutes", "amount"]);
    let raw = raw_events(&events, &spec.types);
    let names = spec.feature_names();
    let first = rows.table.column_index(&names[0]).unwrap();
    let mut checked = 0;
    for r in 0..rows.table.rows() {
        let c = rows.customers[r] as usize;
        let (t, k, v) = &raw[&log.ids[c]];
        // Reversed, so the scorer's canonical order is what lines them up, not the file's order.
        let (t, k): (Vec<i64>, Vec<u32>) =
            (t.iter().rev().copied().collect(), k.iter().rev().copied().collect());
        let v: Vec<f64> = v.chunks(2).rev().flatten().copied().collect();
        let order = canonical_order(&t, &k, &v, 2);
        let t: Vec<i64> = order.iter().map(|&i| t[i]).collect();
        let k: Vec<u32> = order.iter().map(|&i| k[i]).collect();
        let v: Vec<f64> = order.iter().flat_map(|&i| [v[2 * i], v[2 * i + 1]]).collect();
        let mut features = Vec::new();
        spec.features(
            &Events { times: &t, types: &k, values: &v },
            rows.row_times[r],
            log.starts[c],
            &mut features,
        );
        for (j, x) in features.iter().enumerate() {
            let cell = rows.table.columns[first + j].value(r);
            let bits = match cell {
                Value::Number(y) => y.to_bits(),
                Value::Missing => f64::NAN.to_bits(),
                other => panic!("row {r} {}: {other:?}", names[j]),
            };
            let want = if x.is_nan() { f64::NAN.to_bits() } else { x.to_bits() };
            assert_eq!(
                bits,
                want,
                "row {r} ({}, {}): {}",
                log.ids[c],
                snapshots::day(rows.row_times[r]),
                names[j]
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 62_181, "every cell of every row");
}

#[test]
fn events_at_or_after_a_snapshot_change_none_of_its_features() {
    let dir = tempfile::tempdir().unwrap();
    let (events, customers) = synth(dir.path(), "120", "11");
    let before = rows_of(&events, &customers);
    let (log, spec, times) = (&before.log, &before.spec, &before.times);
    // Every customer gets events of every type at the last snapshot time and after it.
    let last = *times.last().unwrap();
    let mut text = std::fs::read_to_string(&events).unwrap();
    for id in &log.ids {
        for (offset, kind) in
            [(0, "login"), (1, "support_ticket"), (3600, "payment_failed"), (5 * 86_400, "login")]
        {
            let at = format_timestamp(last + offset, true);
            text.push_str(&format!("{id},{at},{kind},99,999\n"));
        }
    }
    let future = write(dir.path(), "with-future.csv", text.as_bytes());
    let mut options = log_options(&future, &customers);
    (options.types, options.values) = (Some(spec.types.clone()), Some(spec.values.clone()));
    let later = read_log(&options).unwrap();
    let after = snapshots::build(&later, spec, times, true).unwrap();
    assert_eq!(after.table.rows(), before.table.rows());
    for (a, b) in before.table.columns.iter().zip(&after.table.columns) {
        for r in 0..before.table.rows() {
            assert_eq!(format!("{:?}", a.value(r)), format!("{:?}", b.value(r)), "row {r}");
        }
    }
}

#[test]
fn no_customer_has_rows_in_two_folds() {
    let dir = tempfile::tempdir().unwrap();
    let (events, customers) = synth(dir.path(), "200", "5");
    let rows = rows_of(&events, &customers);
    let target = rows.table.column_index(&rows.target).unwrap();
    let y: Vec<f64> = (0..rows.table.rows())
        .map(|r| f64::from(rows.table.columns[target].value(r).as_id().as_deref() == Some("Yes")))
        .collect();
    let several = rows.customers.windows(2).filter(|w| w[0] == w[1]).count();
    assert!(several > 1000, "customers have several snapshots: {several}");
    for k in [2, 5] {
        let assignment = folds::assign(&y, Some(&rows.customers), k, 42).unwrap();
        let mut fold_of = std::collections::HashMap::new();
        for (r, &c) in rows.customers.iter().enumerate() {
            assert_eq!(*fold_of.entry(c).or_insert(assignment[r]), assignment[r], "customer {c}");
        }
    }
}

#[test]
fn bad_event_logs_are_refused_by_row_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let customers = write(dir.path(), "c.csv", b"id,start\nA,2024-01-01\nB,2024-01-01\n");
    let good: String = (1..=9).map(|d| format!("A,2024-02-0{d}T10:00:00Z,login\n")).collect();
    let stray = format!("id,time,kind\n{good}A,yesterday,login\n");
    let cases: [(&str, &str); 4] = [
        (&stray, "row 10 (line 11): time \"yesterday\" is not a timestamp"),
        (
            "id,time,kind\nA,2024-02-01T10:00:00Z,login\nZ,2024-02-02T10:00:00Z,login\n",
            "1 events name 1 customers this table does not list (for example \"Z\")",
        ),
        (
            "id,time,kind\nA,2024-02-01T10:00:00Z,login\nB,2024-02-02T10:00:00,login\n",
            "time mixes times with a UTC offset (row 1 (line 2)) and without one (row 2 (line 3))",
        ),
        (
            "id,time,kind\nA,2024-02-01T10:00:00Z,login\n,2024-02-02T10:00:00Z,login\n",
            "row 2 (line 3): the customer id (id) is missing",
        ),
    ];
    for (i, (events, message)) in cases.iter().enumerate() {
        let path = write(dir.path(), &format!("e{i}.csv"), events.as_bytes());
        let out = dir.path().join(format!("m{i}")).display().to_string();
        let (code, _, stderr) =
            churn(&["train", "--events", &path, "--customers", &customers, "--out", &out]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains(message), "case {i}: {stderr}");
    }
}

#[test]
fn duplicates_count_once_and_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let events = write(
        dir.path(),
        "e.csv",
        b"id,time,kind,amount\nA,2024-02-01T10:00:00Z,pay,5\nA,2024-02-01T10:00:00Z,pay,5\nA,2024-02-01T10:00:00Z,pay,6\nB,2024-02-03T00:00:00Z,login,\n",
    );
    let log = read_log(&LogOptions { events: events.into(), ..LogOptions::default() }).unwrap();
    assert_eq!(log.ids, ["A", "B"]);
    assert_eq!((log.rows_read, log.times.len()), (4, 3));
    assert_eq!(
        log.findings,
        [
            "1 events repeat another event of the same customer exactly (time, type and values); each counts once"
        ]
    );
    assert_eq!(log.events(0).values, [5.0, 6.0]);
}

/// An event log whose training would need more than `--memory` is refused before it is read,
/// with its events counted (estimated from the first lines of a CSV) and what to change.
#[test]
fn an_event_log_too_big_for_its_memory_budget_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let (events, customers) = synth(dir.path(), "2000", "3");
    let out = dir.path().join("m").display().to_string();
    let (code, _, stderr) =
        churn(&["train", "--events", &events, "--customers", &customers, "--memory", "256", "--out", &out]);
    assert_eq!(code, 2, "{stderr}");
    let estimate: f64 =
        stderr.split("holds about ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    let lines = std::fs::read_to_string(&events).unwrap().lines().count() as f64 - 1.0;
    assert!((estimate / lines - 1.0).abs() < 0.02, "estimated {estimate} events of {lines}");
    assert!(
        stderr.contains(" MB, more than the 256 MB it may use (--memory, 80 % of the memory available"),
        "{stderr}"
    );
    assert!(stderr.contains("Event logs are read whole and do not stream yet: raise --memory"), "{stderr}");
    assert!(!dir.path().join("m").exists());
}
