//! The model card: what a model was trained on and how well it did.
//!
//! The card is stored in the model file as JSON text, so every runtime can show it without
//! knowing its structure. Everything here is deterministic (same data, flags and seed give the
//! same card), which keeps the model file byte-identical across runs. Facts about one particular
//! run — wall-clock training time, the file's checksum, the parity check — are added to
//! `model-card.json` only.

use serde::{Deserialize, Serialize, Serializer};

use crate::stats::economics::Economics;
use crate::stats::round_to;

/// Metrics are estimates with a spread in the second or third decimal: six significant digits
/// say all there is, and keep the card (which ships inside the model) short.
fn significant<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(round6(*x))
}

fn significant_all<S: Serializer>(xs: &[f64], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(xs.iter().map(|x| round6(*x)))
}

/// Points of curves are drawn, not read: four significant digits.
fn curve<S: Serializer>(xs: &[f64], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(xs.iter().map(|x| round_to(*x, 4)))
}

fn curves<S: Serializer>(xs: &[Vec<f64>], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(xs.iter().map(|c| c.iter().map(|x| round_to(*x, 4)).collect::<Vec<_>>()))
}

fn round6(x: f64) -> f64 {
    round_to(x, 6)
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelCard {
    /// A name for the model, by default the training file's stem.
    pub name: String,
    /// `logistic` or `mlp`.
    pub model: String,
    /// The program that trained it, e.g. `churn 0.1.0`.
    pub trainer: String,
    pub target: String,
    pub positive_label: String,
    pub seed: u64,
    pub data: DataSummary,
    pub cv: CvReport,
    pub calibration: CalibrationReport,
    /// The campaign the decision threshold is tuned for.
    pub economics: Economics,
    pub threshold: ThresholdReport,
    /// Expected profit per customer against the threshold, on out-of-fold probabilities.
    pub profit_curve: ProfitCurve,
    /// Per-fold ROC and precision–recall curves on a fixed grid, for plots with the CV spread.
    pub curves: FoldCurves,
    pub hyperparameters: Hyperparameters,
    /// The remaining choices it was trained with, so `churn retrain` can train its successor the
    /// same way. Absent from cards written before churn recorded them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<Settings>,
    /// Out-of-fold probabilities by class, for threshold and profit exploration.
    pub oof_histogram: ScoreHistogram,
    /// Present when the model was trained by streaming (`churn train --stream`): then `cv`,
    /// `calibration`, the threshold and the curves are on held-out rows, split into `cv.folds`
    /// stratified parts, instead of on cross-validation folds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streaming: Option<StreamReport>,
    /// Present when the recipe was chosen by nested cross-validation (`--model auto`, `--tune`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<SearchReport>,
    /// Present when the model learned from an event log (`churn train --events`): how its rows
    /// were built, and how it scores on later snapshots than it was trained on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<EventsReport>,
}

/// How an event model's training rows were built from its event log.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EventsReport {
    /// The event and customer files (names without directories).
    pub events_file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customers_file: Option<String>,
    /// Events read, customers, and the span the events cover (first and last event's dates).
    pub events: u64,
    pub customers: u64,
    pub first_event: String,
    pub last_event: String,
    /// The snapshot grid: times, the first and last, days between them.
    pub snapshots: u64,
    pub first_snapshot: String,
    pub last_snapshot: String,
    pub every_days: u32,
    /// What a row's label means, in words.
    pub label: String,
    /// What a row's membership means, in words.
    pub active: String,
    /// What reading the log found (duplicates, events outside a customer's life, columns unused).
    pub findings: Vec<String>,
    /// Snapshot rows per customer with any: the factor the penalty `--l2` was multiplied by, so
    /// that it weighs against customers, not rows (see `training::events`).
    #[serde(default)]
    pub rows_per_customer: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_of_time: Option<OutOfTime>,
}

/// The model's recipe trained on early snapshots only, scored on the later ones.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OutOfTime {
    /// Training rows: snapshots whose horizon ends by the first test snapshot.
    pub train_rows: u64,
    pub train_until: String,
    /// Test rows: the last snapshots, `test_from` on.
    pub test_rows: u64,
    pub test_from: String,
    pub roc_auc: f64,
    pub pr_auc: f64,
}

/// A search over recipes by nested cross-validation, as it ran.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchReport {
    /// `auto`, or `tune=N`.
    pub method: String,
    pub inner_folds: u32,
    /// What the inner folds score: `roc_auc`, their mean.
    pub metric: String,
    /// Every candidate recipe, described.
    pub candidates: Vec<String>,
    /// Per outer fold: every candidate's inner score on its training rows, and the one chosen
    /// (then scored on the fold's held-out rows for `cv`).
    pub outer: Vec<SearchChoice>,
    /// The scores averaged over the outer folds, and the candidate the final model uses.
    pub final_choice: SearchChoice,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchChoice {
    /// Index into `candidates`.
    pub chosen: u32,
    pub scores: Vec<f64>,
}

impl ModelCard {
    /// The card a model file carries. A card that does not read is an error, never a default
    /// card: a registry entry or a report built from one would show made-up figures.
    pub fn of(model: &scorer_wasm::Model) -> crate::error::Result<ModelCard> {
        serde_json::from_str(model.card_json()).map_err(|e| {
            crate::error::Error::Usage(format!(
                "the card of model {} cannot be read ({e}); retrain the model with this version of churn",
                model.id()
            ))
        })
    }
}

/// How a streamed model was trained and evaluated. Deterministic facts only (the card is inside
/// the model file); the speed of each epoch is in `model-card.json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamReport {
    /// Rows in the file.
    pub rows: u64,
    /// Rows the model was trained on (every row not held out).
    pub training_rows: u64,
    /// Rows held out for evaluation, calibration and the threshold (chosen by a hash of the row
    /// number and the seed).
    pub holdout_rows: u64,
    /// Training rows the column types and encoders were fitted on (a uniform sample).
    pub sample_rows: u64,
    /// Rows read from the file at a time.
    pub chunk_rows: u64,
    /// The memory budget the sample and chunk sizes were derived from, in MB.
    pub memory_mb: u64,
    /// Mini-batch size of the Adam steps.
    pub batch_size: u32,
    #[serde(serialize_with = "significant")]
    pub learning_rate: f64,
    /// Mean training loss of each epoch.
    #[serde(serialize_with = "significant_all")]
    pub epoch_loss: Vec<f64>,
}

/// How probabilities were calibrated, and how well they match outcomes before and after.
///
/// All figures are on out-of-fold predictions; "after" uses calibration maps fitted without the
/// fold they are applied to (cross-fitting), so it is not flattered by the fit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CalibrationReport {
    /// `platt` (σ(slope·z + intercept) on the model's logit z) or `none`.
    pub method: String,
    #[serde(serialize_with = "significant")]
    pub slope: f64,
    #[serde(serialize_with = "significant")]
    pub intercept: f64,
    #[serde(serialize_with = "significant")]
    pub brier_before: f64,
    #[serde(serialize_with = "significant")]
    pub brier_after: f64,
    /// Expected calibration error over ten equal-width bins.
    #[serde(serialize_with = "significant")]
    pub ece_before: f64,
    #[serde(serialize_with = "significant")]
    pub ece_after: f64,
    /// Reliability curve after calibration: per bin, mean predicted probability and observed rate.
    pub reliability: Vec<ReliabilityPoint>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityPoint {
    pub count: u64,
    #[serde(serialize_with = "significant")]
    pub predicted: f64,
    #[serde(serialize_with = "significant")]
    pub observed: f64,
}

/// Expected profit per customer of contacting everyone at or above thresholds `0, step, …, 1`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProfitCurve {
    pub step: f64,
    #[serde(serialize_with = "curve")]
    pub per_customer: Vec<f64>,
}

/// ROC curves as true-positive rate at false-positive rates `0, step, …, 1`, and precision–recall
/// curves as (interpolated) precision at recalls `0, step, …, 1`; one curve per fold.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FoldCurves {
    pub step: f64,
    #[serde(serialize_with = "curves")]
    pub roc_tpr: Vec<Vec<f64>>,
    #[serde(serialize_with = "curves")]
    pub pr_precision: Vec<Vec<f64>>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DataSummary {
    /// File name the model was trained on (no directories).
    pub source: String,
    /// `csv`, `parquet` or `ndjson`.
    pub format: String,
    pub rows: u64,
    pub positives: u64,
    #[serde(serialize_with = "significant")]
    pub positive_rate: f64,
    pub columns: Vec<ColumnReport>,
    /// Warnings (and allowed blocking findings) of the data checks; see `churn validate`.
    pub findings: Vec<DataFinding>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DataFinding {
    pub severity: String,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub message: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ColumnReport {
    pub name: String,
    /// `target`, `identifier`, `ignored`, `numeric`, `boolean`, `categorical` or `date`.
    pub role: String,
    pub missing: u64,
    pub distinct: u64,
    /// Why the trainer decided on this role.
    pub reason: String,
}

/// Cross-validated metrics: each over the held-out fold, then mean and sample standard deviation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CvReport {
    pub folds: u32,
    /// Why fewer folds than the default, when the table's size chose them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folds_reason: Option<String>,
    pub stratified: bool,
    pub roc_auc: Stat,
    pub pr_auc: Stat,
    pub log_loss: Stat,
    pub brier: Stat,
    /// At the model's decision threshold.
    pub precision: Stat,
    pub recall: Stat,
    pub f1: Stat,
    /// Expected campaign profit per customer at the threshold (see `economics`).
    pub profit_per_customer: Stat,
}

impl CvReport {
    /// Every metric with its name, in the order reports show them.
    pub fn metrics(&self) -> [(&'static str, &Stat); 8] {
        [
            ("ROC AUC", &self.roc_auc),
            ("PR AUC", &self.pr_auc),
            ("log loss", &self.log_loss),
            ("Brier", &self.brier),
            ("precision", &self.precision),
            ("recall", &self.recall),
            ("F1", &self.f1),
            ("profit / customer", &self.profit_per_customer),
        ]
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    #[serde(serialize_with = "significant")]
    pub mean: f64,
    #[serde(serialize_with = "significant")]
    pub sd: f64,
    #[serde(serialize_with = "significant_all")]
    pub folds: Vec<f64>,
}

impl Stat {
    /// Mean and sample standard deviation (n − 1) of per-fold values.
    pub fn of(folds: Vec<f64>) -> Stat {
        let n = folds.len() as f64;
        let mean = folds.iter().sum::<f64>() / n;
        let sd = if folds.len() > 1 {
            (folds.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        Stat { mean, sd, folds }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ThresholdReport {
    pub value: f64,
    /// How it was chosen: `max_profit`, `max_f1` or `recall_R`, on out-of-fold predictions.
    pub rule: String,
    /// The probability above which contacting one customer pays off on average:
    /// `(offer_cost + contact_cost) / (accept_rate · (clv − offer_cost) + offer_cost)`.
    #[serde(serialize_with = "significant")]
    pub break_even_probability: f64,
    /// Expected profit per customer of the base when contacting at this threshold, and when
    /// contacting everyone.
    #[serde(serialize_with = "significant")]
    pub profit_per_customer: f64,
    #[serde(serialize_with = "significant")]
    pub profit_contacting_all: f64,
    /// Pooled out-of-fold figures at this threshold.
    #[serde(serialize_with = "significant")]
    pub precision: f64,
    #[serde(serialize_with = "significant")]
    pub recall: f64,
    #[serde(serialize_with = "significant")]
    pub f1: f64,
    #[serde(serialize_with = "significant")]
    pub contacted_share: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Hyperparameters {
    pub model: String,
    pub hidden: Vec<u32>,
    /// MLPs fitted from different seeds and averaged into the one network the file holds (left
    /// out of the card when 1, as cards written before ensembles existed are).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub members: u32,
    /// L2 penalty α on weights (not biases): the objective is Σ log-loss + α/2 · ‖W‖².
    pub l2: f64,
    /// Quantile bins of the piecewise-linear numeric encoding.
    pub bins: u32,
    /// Most category levels one-hot encoded per column; the rest pool into "other".
    pub max_levels: u32,
    /// A level needs at least this many training rows to get its own slot.
    pub min_level_count: u32,
    pub max_iter: u32,
    /// Where the knots go: `quantile` or `tree`.
    #[serde(default = "quantile")]
    pub knots: String,
    /// Most pairwise interaction terms, and the segments of a number's side of one.
    #[serde(default)]
    pub interactions: u32,
    #[serde(default)]
    pub interaction_resolution: u32,
    /// The terms the final model has, as pairs of column names, strongest first.
    #[serde(default)]
    pub pairs: Vec<[String; 2]>,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

fn quantile() -> String {
    "quantile".into()
}

/// What the user chose beyond the hyper-parameters, each as its flag takes it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Columns marked with `--id`.
    pub ids: Vec<String>,
    /// Columns left out with `--drop`.
    pub drops: Vec<String>,
    /// Blocking finding codes trained despite, with `--allow`.
    pub allow: Vec<String>,
    /// The `--threshold` rule: `max-profit`, `max-f1` or `recall=R`.
    pub threshold: String,
    /// How the recipe was decided: `fixed` (the flags), `auto`, or `tune=N`; and among which
    /// families (`--model`).
    #[serde(default)]
    pub search: String,
    #[serde(default)]
    pub families: Vec<String>,
    /// `--folds K` as given, or `by_size` when the table decided them; absent from cards of
    /// models trained before churn chose folds by size (they had `cv.folds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folds: Option<String>,
    /// The recipe the flags gave (its interaction terms the cap): a search's starting point, from
    /// which it draws its candidates, so that a successor searches the same ones. Absent from
    /// older cards, whose successors start from the recipe chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<Hyperparameters>,
}

/// Counts of probabilities in `bins` equal-width bins over [0, 1], split by true class.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScoreHistogram {
    pub bins: u32,
    pub positives: Vec<u32>,
    pub negatives: Vec<u32>,
}

impl ScoreHistogram {
    pub fn new(bins: u32) -> Self {
        ScoreHistogram { bins, positives: vec![0; bins as usize], negatives: vec![0; bins as usize] }
    }

    /// Adds one probability with its true class.
    pub fn add(&mut self, probability: f64, positive: bool) {
        let n = self.bins as usize;
        let i = ((probability * n as f64) as usize).min(n.saturating_sub(1));
        if positive {
            self.positives[i] += 1;
        } else {
            self.negatives[i] += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::round6;

    #[test]
    fn six_significant_digits() {
        assert_eq!(round6(0.849876623901), 0.849877);
        assert_eq!(round6(0.00701234567), 0.00701235);
        assert_eq!(round6(41.04123456), 41.0412);
        assert_eq!(round6(0.0), 0.0);
    }
}
