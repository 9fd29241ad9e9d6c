//! `churn evaluate`: how a deployed model does on newly labelled customers, against what
//! cross-validation promised in its card.
//!
//! The signal for a performance drop is statistical, not a fixed margin: the new ROC AUC is
//! compared with the cross-validated mean, allowing for the fold-to-fold spread and for the
//! sampling error of an AUC measured on `m` rows (Hanley & McNeil, 1982). A drop is flagged when
//! `cv_mean − auc > 2·√(cv_sd² + se²)`. Calibration is checked the same way: the mean predicted
//! probability against the observed churn rate, with the binomial standard error.

use scorer_wasm::{Model, Target, Value};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::input::data::Table;
use crate::model::card::ModelCard;
use crate::stats::calibrate;
use crate::stats::economics;
use crate::stats::metrics;
use crate::stats::round_to;

/// A metric on the new data beside the card's cross-validated figure.
#[derive(Clone, Debug, Serialize)]
pub struct Compared {
    pub now: f64,
    pub cv_mean: f64,
    pub cv_sd: f64,
}

/// What `churn evaluate` found.
#[derive(Clone, Debug, Serialize)]
pub struct Evaluation {
    pub model_id: String,
    pub rows: u64,
    /// Rows with a label and a score, on which everything below is measured.
    pub evaluated: u64,
    /// Rows whose target cell is empty: they cannot be evaluated.
    pub unlabelled: u64,
    /// Rows the model could not score, with the first few reasons.
    pub failed: u64,
    pub first_errors: Vec<String>,
    pub positives: u64,
    pub roc_auc: Compared,
    /// Standard error of the new ROC AUC (Hanley–McNeil).
    pub roc_auc_se: f64,
    pub pr_auc: Compared,
    pub log_loss: Compared,
    pub brier: Compared,
    /// Expected calibration error over ten bins.
    pub ece: f64,
    /// Mean predicted probability and observed churn rate.
    pub mean_predicted: f64,
    pub observed_rate: f64,
    /// At the model's decision threshold.
    pub threshold: f64,
    pub precision: Compared,
    pub recall: Compared,
    pub profit_per_customer: Compared,
    /// `ok` or `degraded`.
    pub verdict: &'static str,
    pub reasons: Vec<String>,
}

/// Scores the labelled rows of `table` and compares with the model's card.
pub fn evaluate(model: &Model, table: &Table) -> Result<Evaluation> {
    let card = ModelCard::of(model)?;
    let scored = score_labelled(&[model], table)?;
    let (y, p) = (&scored.labels, &scored.probabilities[0]);
    let positives = y.iter().filter(|&&v| v == 1.0).count();
    if positives == 0 || positives == y.len() {
        return Err(Error::data(
            &table.path,
            format!(
                "{} labelled rows could be scored and {positives} of them churned: evaluation needs both \
                 churners and non-churners",
                y.len()
            ),
        ));
    }
    let cv = &card.cv;
    let compared = |now: f64, s: &crate::model::card::Stat| Compared {
        now: round_to(now, 6),
        cv_mean: s.mean,
        cv_sd: s.sd,
    };
    let auc = metrics::roc_auc(y, p);
    let se = hanley_mcneil_se(auc, positives, y.len() - positives);
    let threshold = model.spec().decision.threshold;
    let at = metrics::at_threshold(y, p, threshold);
    let mean_predicted = p.iter().sum::<f64>() / p.len() as f64;
    let observed_rate = positives as f64 / y.len() as f64;
    let reasons = degradation(&card, auc, se, mean_predicted, observed_rate, y.len());
    Ok(Evaluation {
        model_id: model.id().to_string(),
        rows: table.rows() as u64,
        evaluated: y.len() as u64,
        unlabelled: scored.unlabelled,
        failed: scored.failed,
        first_errors: scored.first_errors,
        positives: positives as u64,
        roc_auc: compared(auc, &cv.roc_auc),
        roc_auc_se: round_to(se, 4),
        pr_auc: compared(metrics::average_precision(y, p), &cv.pr_auc),
        log_loss: compared(metrics::log_loss(y, p), &cv.log_loss),
        brier: compared(metrics::brier(y, p), &cv.brier),
        ece: round_to(calibrate::ece(y, p, 10), 6),
        mean_predicted: round_to(mean_predicted, 6),
        observed_rate: round_to(observed_rate, 6),
        threshold,
        precision: compared(at.precision, &cv.precision),
        recall: compared(at.recall, &cv.recall),
        profit_per_customer: compared(
            economics::profit_at(&card.economics, y, p, threshold),
            &cv.profit_per_customer,
        ),
        verdict: if reasons.is_empty() { "ok" } else { "degraded" },
        reasons,
    })
}

/// The labelled rows of a table, scored by one or more models: a row counts only when every
/// model scores it, so the models are compared on the same rows.
pub(crate) struct Labelled {
    pub labels: Vec<f64>,
    /// One series per model, in the order given.
    pub probabilities: Vec<Vec<f64>>,
    pub unlabelled: u64,
    pub failed: u64,
    /// The first few rows that could not be scored, and why.
    pub first_errors: Vec<String>,
}

/// Scores every row with an outcome by each of `models`, which must predict the same target; a
/// label the models do not know is an error naming the row.
pub(crate) fn score_labelled(models: &[&Model], table: &Table) -> Result<Labelled> {
    let target = same_target(models)?;
    let Some(t) = table.column_index(&target.name) else {
        return Err(Error::data(
            &table.path,
            format!(
                "there is no \"{}\" column with the outcomes to evaluate against; the model predicts \"{}\" \
                 (\"{}\" = churn)",
                target.name, target.name, target.positive
            ),
        ));
    };
    let bindings = models
        .iter()
        .map(|m| m.bind_header(&table.names).map_err(|e| Error::data(&table.path, format!("header: {e}"))))
        .collect::<Result<Vec<_>>>()?;
    let mut scorers: Vec<_> = models.iter().map(|m| m.scorer()).collect();
    let mut out = Labelled {
        labels: Vec::new(),
        probabilities: vec![Vec::new(); models.len()],
        unlabelled: 0,
        failed: 0,
        first_errors: Vec::new(),
    };
    let (mut row, mut scores) = (Vec::new(), Vec::with_capacity(models.len()));
    for r in 0..table.rows() {
        let Some(label) = label(table, t, r, target)? else {
            out.unlabelled += 1;
            continue;
        };
        scores.clear();
        let mut failure = None;
        for (k, (binding, scorer)) in bindings.iter().zip(&mut scorers).enumerate() {
            binding.fill(table.columns.iter().map(|c| c.value(r)), &mut row);
            match scorer.score(&row) {
                Ok(s) => scores.push(s.probability),
                Err(e) => {
                    let by =
                        if models.len() > 1 { format!("model {}: ", models[k].id()) } else { String::new() };
                    failure = Some(format!("{}: {by}{e}", table.locate(r)));
                    break;
                }
            }
        }
        match failure {
            None => {
                out.labels.push(label);
                out.probabilities.iter_mut().zip(&scores).for_each(|(series, &p)| series.push(p));
            }
            Some(message) => {
                out.failed += 1;
                if out.first_errors.len() < 5 {
                    out.first_errors.push(message);
                }
            }
        }
    }
    Ok(out)
}

/// The target every one of `models` predicts, or an error naming two that differ.
fn same_target<'m>(models: &[&'m Model]) -> Result<&'m Target> {
    let target = models[0].target();
    match models.iter().find(|m| m.target() != target) {
        None => Ok(target),
        Some(other) => {
            let t = other.target();
            Err(Error::Usage(format!(
                "model {} predicts \"{}\" = \"{}\" and model {} predicts \"{}\" = \"{}\": models compared on \
                 the same rows must predict the same outcome",
                models[0].id(),
                target.name,
                target.positive,
                other.id(),
                t.name,
                t.positive
            )))
        }
    }
}

/// Row `r`'s outcome in column `t`: 1 for churn, 0 for the other value, `None` when missing; a
/// value the model does not know is an error naming the row.
fn label(table: &Table, t: usize, r: usize, target: &Target) -> Result<Option<f64>> {
    let cell = table.columns[t].value(r);
    if cell == Value::Missing {
        return Ok(None);
    }
    match label_text(cell) {
        None => Ok(None),
        Some(l) if l == target.positive => Ok(Some(1.0)),
        Some(l) if l == target.negative => Ok(Some(0.0)),
        Some(l) => Err(Error::data(
            &table.path,
            format!(
                "{}: target \"{}\" is \"{l}\"; the model knows \"{}\" (churn) and \"{}\"",
                table.locate(r),
                target.name,
                target.positive,
                target.negative
            ),
        )),
    }
}

/// Why the model is worse than its card says, if it is: ROC AUC fallen by more than fold spread
/// and sample size explain, or probabilities off by more than three standard errors.
fn degradation(
    card: &ModelCard,
    auc: f64,
    se: f64,
    mean_predicted: f64,
    observed_rate: f64,
    n: usize,
) -> Vec<String> {
    let cv = &card.cv;
    let mut reasons = Vec::new();
    let allowed = 2.0 * (cv.roc_auc.sd.powi(2) + se * se).sqrt();
    if cv.roc_auc.mean - auc > allowed {
        reasons.push(format!(
            "ROC AUC fell to {auc:.4} from {:.4} in cross-validation, more than the {allowed:.4} that fold \
             spread and sample size explain",
            cv.roc_auc.mean
        ));
    }
    let rate_se = (observed_rate * (1.0 - observed_rate) / n as f64).sqrt();
    if (mean_predicted - observed_rate).abs() > 3.0 * rate_se + 0.01 {
        reasons.push(format!(
            "probabilities are off: they average {mean_predicted:.4} but {observed_rate:.4} churned \
             (more than three standard errors apart); recalibrate or retrain"
        ));
    }
    reasons
}

fn label_text(v: Value<'_>) -> Option<String> {
    match v {
        Value::Text(s) if !scorer_wasm::value::is_missing_text(s) => Some(s.trim().to_string()),
        Value::Number(x) if x.is_finite() => Some(scorer_wasm::value::number_as_level(x)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Standard error of a ROC AUC measured on `pos` positives and `neg` negatives
/// (Hanley & McNeil, Radiology 1982).
pub fn hanley_mcneil_se(auc: f64, pos: usize, neg: usize) -> f64 {
    let (np, nn) = (pos as f64, neg as f64);
    let q1 = auc / (2.0 - auc);
    let q2 = 2.0 * auc * auc / (1.0 + auc);
    let var = (auc * (1.0 - auc) + (np - 1.0) * (q1 - auc * auc) + (nn - 1.0) * (q2 - auc * auc)) / (np * nn);
    var.max(0.0).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hanley_mcneil_matches_a_hand_computation() {
        // Hanley & McNeil (1982), eq. 2 worked by hand for AUC 0.8 with 50 positives and
        // 50 negatives: Q1 = 0.8/1.2, Q2 = 2·0.64/1.8,
        // SE² = (0.16 + 49·(Q1 − 0.64) + 49·(Q2 − 0.64)) / 2500 = 0.0019804 → SE = 0.044502.
        let se = hanley_mcneil_se(0.8, 50, 50);
        assert!((se - 0.044502).abs() < 1e-6, "{se}");
    }
}
