//! What the commands print for people, and the model card file.

use std::fmt::Write as _;

use scorer_wasm::Model;

use crate::card::Stat;
use serde_json::json;

use crate::data::Table;
use crate::predict::PredictSummary;
use crate::train::{PARITY_LIMIT, Trained};

/// `model-card.json`: the card stored in the model file, plus facts about this run.
pub fn card_json(trained: &Trained, file_name: &str, bytes: usize) -> serde_json::Value {
    let model = &trained.model;
    let mut card = serde_json::to_value(&trained.card).unwrap_or_else(|_| json!({}));
    if let Some(obj) = card.as_object_mut() {
        obj.insert("model_id".into(), json!(model.id()));
        // Derivable from the pipeline, so kept out of the card inside the model file.
        obj.insert("features".into(), json!(model.pipeline().feature_names()));
        obj.insert(
            "artifact".into(),
            json!({ "file": file_name, "bytes": bytes, "sha256": model.checksum() }),
        );
        obj.insert(
            "parity".into(),
            json!({
                "max_abs_diff": trained.parity.max_abs_diff,
                "rows": trained.parity.rows,
                "limit": PARITY_LIMIT,
            }),
        );
        obj.insert("training_seconds".into(), json!(trained.seconds));
    }
    card
}

fn stat(s: &Stat) -> String {
    format!("{:.4} ± {:.4}", s.mean, s.sd)
}

/// The human summary of `churn train`.
pub fn train_summary(
    table: &Table,
    trained: &Trained,
    model_path: &str,
    card_path: &str,
    bytes: usize,
) -> String {
    let model: &Model = &trained.model;
    let card = &trained.card;
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "Read {}: {} rows, {} columns ({})\n",
        table.file_name(),
        table.rows(),
        table.names.len(),
        table.format
    );
    let _ = writeln!(out, "Columns");
    let width = card.data.columns.iter().map(|c| c.name.chars().count()).max().unwrap_or(0);
    for c in &card.data.columns {
        let _ = writeln!(out, "  {:<width$}  {:<11}  {}", c.name, c.role, c.reason);
    }
    let cv = &card.cv;
    let _ = writeln!(
        out,
        "\nCross-validation: {} stratified folds, seed {}, {} model, {} features",
        cv.folds,
        card.seed,
        card.model,
        model.width()
    );
    for (name, s) in [
        ("ROC AUC", &cv.roc_auc),
        ("PR AUC", &cv.pr_auc),
        ("log loss", &cv.log_loss),
        ("Brier", &cv.brier),
        ("precision", &cv.precision),
        ("recall", &cv.recall),
        ("F1", &cv.f1),
    ] {
        let _ = writeln!(out, "  {name:<10} {}", stat(s));
    }
    let t = &card.threshold;
    let _ = writeln!(
        out,
        "  threshold  {:.4} ({}: precision {:.3}, recall {:.3}, contacts {:.1}% of customers)",
        t.value,
        t.rule,
        t.precision,
        t.recall,
        t.contacted_share * 100.0
    );
    let _ = writeln!(
        out,
        "\nWrote {model_path} (id {}, {:.1} KB) and {card_path}",
        model.id(),
        bytes as f64 / 1024.0
    );
    let _ = writeln!(
        out,
        "Parity: scorer and trainer agree within {:.1e} on all {} rows; trained in {:.1} s",
        trained.parity.max_abs_diff, trained.parity.rows, trained.seconds
    );
    out
}

/// The human summary of `churn predict`.
pub fn predict_summary(s: &PredictSummary, out_path: &str) -> String {
    let mut out = format!(
        "Scored {} of {} rows with model {} → {out_path}\nExpected churners: {:.1}; to contact at the model's threshold: {}\n",
        s.scored, s.rows, s.model_id, s.expected_churners, s.contact
    );
    if s.failed > 0 {
        let _ = writeln!(out, "{} rows could not be scored (their error is in the output):", s.failed);
        for e in &s.first_errors {
            let _ = writeln!(out, "  {e}");
        }
    }
    out
}
