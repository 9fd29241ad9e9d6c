//! The model card: what a model was trained on and how well it did.
//!
//! The card is stored in the model file as JSON text, so every runtime can show it without
//! knowing its structure. Everything here is deterministic (same data, flags and seed give the
//! same card), which keeps the model file byte-identical across runs. Facts about one particular
//! run — wall-clock training time, the file's checksum, the parity check — are added to
//! `model-card.json` only.

use serde::{Deserialize, Serialize, Serializer};

/// Metrics are estimates with a spread in the second or third decimal: six significant digits
/// say all there is, and keep the card (which ships inside the model) short.
fn significant<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(round6(*x))
}

fn significant_all<S: Serializer>(xs: &[f64], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(xs.iter().map(|x| round6(*x)))
}

fn round6(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(5 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
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
    pub threshold: ThresholdReport,
    pub hyperparameters: Hyperparameters,
    /// Out-of-fold probabilities by class, for threshold and profit exploration.
    pub oof_histogram: ScoreHistogram,
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
    pub stratified: bool,
    pub roc_auc: Stat,
    pub pr_auc: Stat,
    pub log_loss: Stat,
    pub brier: Stat,
    /// At the model's decision threshold.
    pub precision: Stat,
    pub recall: Stat,
    pub f1: Stat,
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
    /// How it was chosen, e.g. `max_f1` on out-of-fold predictions.
    pub rule: String,
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
    /// L2 penalty α on weights (not biases): the objective is Σ log-loss + α/2 · ‖W‖².
    pub l2: f64,
    /// Quantile bins of the piecewise-linear numeric encoding.
    pub bins: u32,
    /// Most category levels one-hot encoded per column; the rest pool into "other".
    pub max_levels: u32,
    /// A level needs at least this many training rows to get its own slot.
    pub min_level_count: u32,
    pub max_iter: u32,
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
