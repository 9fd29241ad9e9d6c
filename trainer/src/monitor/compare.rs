//! `churn compare`: two models on the same labelled customers, with the uncertainty of their
//! differences and a verdict.
//!
//! Both models score every labelled row; rows either cannot score are left out of both (and
//! counted), so every figure is paired. ROC AUC is compared by DeLong's test, log loss and the
//! expected campaign profit (each model at its own decision threshold, under one campaign) by a
//! paired bootstrap; the verdict is read from one of them, `--metric`, at `--alpha`.

use scorer_wasm::Model;
use serde::Serialize;

use crate::code::Code;
use crate::error::{Error, Result};
use crate::input::data::Table;
use crate::model::card::ModelCard;
use crate::monitor::evaluate::score_labelled;
use crate::stats::economics::Economics;
use crate::stats::metrics;
use crate::stats::paired::{self, Difference};

/// Churners and non-churners the compared rows need at least, each: below that a test's normal
/// approximation and a bootstrap's percentiles mean little.
pub const MIN_PER_CLASS: usize = 10;

/// The metric a verdict is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    RocAuc,
    LogLoss,
    Profit,
}

impl Code for Metric {
    const ALL: &'static [Metric] = &[Metric::RocAuc, Metric::LogLoss, Metric::Profit];
    const WHAT: &'static str = "metric";
    fn as_str(self) -> &'static str {
        match self {
            Metric::RocAuc => "roc-auc",
            Metric::LogLoss => "log-loss",
            Metric::Profit => "profit",
        }
    }
    fn help(self) -> &'static str {
        match self {
            Metric::RocAuc => "Ranking of churners over the others, by DeLong's test",
            Metric::LogLoss => "Quality of the probabilities, by a paired bootstrap",
            Metric::Profit => {
                "Expected campaign profit per customer at each model's threshold, by a paired bootstrap"
            }
        }
    }
}
crate::serialize_as_code!(Metric);

impl Metric {
    /// This metric's difference among the three.
    fn of<'d>(
        self,
        roc_auc: &'d Difference,
        log_loss: &'d Difference,
        profit: &'d Difference,
    ) -> &'d Difference {
        match self {
            Metric::RocAuc => roc_auc,
            Metric::LogLoss => log_loss,
            Metric::Profit => profit,
        }
    }
}

/// Which model the data prefer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preference {
    ABetter,
    BBetter,
    NoSignificantDifference,
}

impl Code for Preference {
    const ALL: &'static [Preference] =
        &[Preference::ABetter, Preference::BBetter, Preference::NoSignificantDifference];
    const WHAT: &'static str = "verdict";
    fn as_str(self) -> &'static str {
        match self {
            Preference::ABetter => "a_better",
            Preference::BBetter => "b_better",
            Preference::NoSignificantDifference => "no_significant_difference",
        }
    }
}
crate::serialize_as_code!(Preference);

/// How a comparison is run.
#[derive(Clone, Copy, Debug)]
pub struct CompareOptions {
    /// Significance level of the verdict and the confidence intervals (two-sided).
    pub alpha: f64,
    pub metric: Metric,
    /// Bootstrap resamples for log loss and profit.
    pub resamples: usize,
    pub seed: u64,
    /// The campaign profit is computed for; `None` takes model A's.
    pub economics: Option<Economics>,
}

impl CompareOptions {
    pub const DEFAULT_ALPHA: f64 = 0.05;
    pub const DEFAULT_RESAMPLES: usize = 2000;
}

/// One of the two models.
#[derive(Clone, Debug, Serialize)]
pub struct Side {
    pub model_id: String,
    pub name: String,
    pub model: String,
    /// Its decision threshold, at which its profit is counted.
    pub threshold: f64,
}

/// What `churn compare` found. Every difference is B − A.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub a: Side,
    pub b: Side,
    pub rows: u64,
    /// Labelled rows both models scored: every figure is on these.
    pub compared: u64,
    pub positives: u64,
    pub unlabelled: u64,
    /// Rows one of the models could not score, with the first few reasons.
    pub failed: u64,
    pub first_errors: Vec<String>,
    pub alpha: f64,
    pub metric: Metric,
    /// By DeLong's test.
    pub roc_auc: Difference,
    /// Mean log loss, by the paired bootstrap; lower is better.
    pub log_loss: Difference,
    /// Expected profit per customer, each model at its own threshold, by the paired bootstrap.
    pub profit_per_customer: Difference,
    pub economics: Economics,
    pub resamples: u64,
    pub seed: u64,
    pub verdict: Preference,
    /// The verdict in a sentence.
    pub summary: String,
}

impl Comparison {
    /// The difference the verdict was read from.
    pub fn decisive(&self) -> &Difference {
        self.metric.of(&self.roc_auc, &self.log_loss, &self.profit_per_customer)
    }
}

/// Scores the labelled rows of `table` with `a` and `b` and compares them.
pub fn compare(a: &Model, b: &Model, table: &Table, opts: &CompareOptions) -> Result<Comparison> {
    let economics = match opts.economics {
        Some(e) => e,
        None => ModelCard::of(a)?.economics,
    };
    let scored = score_labelled(&[a, b], table)?;
    let y = &scored.labels;
    let (pa, pb) = (&scored.probabilities[0], &scored.probabilities[1]);
    let positives = y.iter().filter(|&&t| t == 1.0).count();
    let negatives = y.len() - positives;
    if positives.min(negatives) < MIN_PER_CLASS {
        return Err(Error::data(
            &table.path,
            format!(
                "{} labelled rows were scored by both models, {positives} of them churners and {negatives} \
                 not: a comparison needs at least {MIN_PER_CLASS} of each",
                y.len()
            ),
        ));
    }
    let (side_a, side_b) = (Side::of(a), Side::of(b));
    let log_loss =
        |p: &[f64]| -> Vec<f64> { y.iter().zip(p).map(|(&t, &q)| metrics::row_log_loss(t, q)).collect() };
    let profit = |p: &[f64], threshold: f64| row_profits(y, p, threshold, &economics);
    let (alpha, resamples, seed) = (opts.alpha, opts.resamples, opts.seed);
    let roc_auc = paired::delong(y, pa, pb, alpha);
    let log_loss = paired::bootstrap_mean(y, &log_loss(pa), &log_loss(pb), alpha, resamples, seed);
    let (profit_a, profit_b) = (profit(pa, side_a.threshold), profit(pb, side_b.threshold));
    let profit_per_customer = paired::bootstrap_mean(y, &profit_a, &profit_b, alpha, resamples, seed);
    let decisive = opts.metric.of(&roc_auc, &log_loss, &profit_per_customer);
    let verdict = verdict(opts.metric, decisive, alpha);
    let summary = summary(verdict, opts.metric, decisive, alpha);
    Ok(Comparison {
        a: side_a,
        b: side_b,
        rows: table.rows() as u64,
        compared: y.len() as u64,
        positives: positives as u64,
        unlabelled: scored.unlabelled,
        failed: scored.failed,
        first_errors: scored.first_errors,
        alpha,
        metric: opts.metric,
        roc_auc,
        log_loss,
        profit_per_customer,
        economics,
        resamples: resamples as u64,
        seed,
        verdict,
        summary,
    })
}

impl Side {
    fn of(m: &Model) -> Side {
        Side {
            model_id: m.id().to_string(),
            name: m.meta().name.clone(),
            model: m.meta().kind.clone(),
            threshold: m.spec().decision.threshold,
        }
    }
}

/// Each row's campaign profit when customers at or above `threshold` are contacted.
fn row_profits(y: &[f64], p: &[f64], threshold: f64, economics: &Economics) -> Vec<f64> {
    let (churner, other) = (economics.profit(1.0, 0.0), economics.profit(0.0, 1.0));
    y.iter()
        .zip(p)
        .map(|(&t, &q)| match (q >= threshold, t == 1.0) {
            (false, _) => 0.0,
            (true, true) => churner,
            (true, false) => other,
        })
        .collect()
}

/// Which model the decisive difference (B − A) prefers at `alpha`, if either.
fn verdict(metric: Metric, decisive: &Difference, alpha: f64) -> Preference {
    let b_ahead = match metric {
        Metric::LogLoss => decisive.difference < 0.0,
        Metric::RocAuc | Metric::Profit => decisive.difference > 0.0,
    };
    if decisive.p_value >= alpha || decisive.difference == 0.0 {
        Preference::NoSignificantDifference
    } else if b_ahead {
        Preference::BBetter
    } else {
        Preference::ABetter
    }
}

/// The decisive difference in words: "ROC AUC B − A = +0.0084 (95% CI +0.0068 to +0.0100), p = …".
pub fn figures(metric: Metric, d: &Difference, alpha: f64) -> String {
    let what = match metric {
        Metric::RocAuc => "ROC AUC",
        Metric::LogLoss => "log loss",
        Metric::Profit => "profit per customer",
    };
    format!(
        "{what} B − A = {:+.4} ({:.0}% CI {:+.4} to {:+.4}), p = {}",
        d.difference,
        100.0 * (1.0 - alpha),
        d.ci_low,
        d.ci_high,
        p_text(d.p_value)
    )
}

fn summary(verdict: Preference, metric: Metric, d: &Difference, alpha: f64) -> String {
    let figures = figures(metric, d, alpha);
    match verdict {
        Preference::ABetter => format!("A is better: {figures}"),
        Preference::BBetter => format!("B is better: {figures}"),
        Preference::NoSignificantDifference => format!("no significant difference at α = {alpha}: {figures}"),
    }
}

/// A p-value as text: four significant digits, or an upper bound below 1e-4.
pub fn p_text(p: f64) -> String {
    if p < 1e-4 { format!("{p:.1e}") } else { format!("{p:.4}") }
}
