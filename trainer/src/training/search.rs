//! Choosing a recipe without fooling ourselves: nested cross-validation.
//!
//! Inside each outer training fold, every candidate [`Recipe`] is scored by an inner stratified
//! cross-validation on that fold's training rows only (mean inner ROC AUC), and the best one is
//! fitted on the whole outer training fold and scored on the outer held-out rows. The outer
//! metrics in the card therefore measure the whole procedure, choice included, on rows the choice
//! never saw. The final model uses the candidate whose inner score, averaged over the outer folds,
//! is best: every row took part in the inner validation of all outer folds but its own, so this
//! is a choice made on all the data, and costs no search of its own.
//!
//! Candidates that differ only in how many interaction terms they take share one job per inner
//! fold: the additive fit and the pair search run once, then one fit per term count
//! ([`recipe::fit_path`]).
//!
//! `auto` ([`Search::Auto`]) scores a few fixed candidates around the given flags; `--tune`
//! ([`Search::Tune`]) adds seeded random draws from each family's space up to its budget. Both
//! are deterministic for a seed.

use indicatif::ProgressBar;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};
use crate::input::data::Table;
use crate::model::card::{SearchChoice, SearchReport};
use crate::model::nn::{self, FitOptions};
use crate::prepare::fit::{EncodingOptions, KnotRule, encode_design};
use crate::prepare::infer::Plan;
use crate::prepare::pairs::PairOptions;
use crate::stats::{folds, metrics};
use crate::training::recipe::{self, ModelKind, Recipe, Variant};

/// Most hidden units, over all members, of an MLP ensemble `--tune` draws.
pub const MAX_ENSEMBLE_UNITS: usize = 48;
/// Inner folds of the nested cross-validation. Two rather than three: the inner scores only rank
/// the candidates, and with two each candidate is fitted twice on half the rows instead of three
/// times on two thirds, half the cost. Measured against three (release, 5 outer folds): the same
/// choices on the bank file (0.8684) and a 3,333-row telecom file, Telco 0.8499 against 0.8501,
/// the demo 0.8439 against 0.8436, at 57-65 % of the time. A single inner split cost the bank file
/// 0.0007.
pub const INNER_FOLDS: usize = 2;

/// The ROC AUC standard error the inner selection's sample is sized for (Hanley and McNeil's, at
/// an AUC of 0.8): about what separates recipes worth choosing between, and the candidates are
/// compared on the same rows, so their differences are measured more finely still.
pub const SELECTION_SE: f64 = 0.004;
/// Bounds of that sample: below the lower one a table is searched whole, and the upper one holds
/// for the rarest outcomes.
pub const SELECTION_ROWS: (usize, usize) = (10_000, 100_000);
/// Recipes `--tune` tries by default, the `auto` candidates included.
pub const DEFAULT_BUDGET: usize = 20;

/// What `--model` takes: a family, or `auto` to choose one by nested cross-validation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelChoice {
    Auto,
    Family(ModelKind),
}

impl crate::code::Code for ModelChoice {
    const ALL: &'static [ModelChoice] =
        &[ModelChoice::Auto, ModelChoice::Family(ModelKind::Logistic), ModelChoice::Family(ModelKind::Mlp)];
    const WHAT: &'static str = "model";
    fn as_str(self) -> &'static str {
        match self {
            ModelChoice::Auto => "auto",
            ModelChoice::Family(k) => k.as_str(),
        }
    }
    fn help(self) -> &'static str {
        match self {
            ModelChoice::Auto => {
                "Choose by nested cross-validation: logistic regression over quantile or tree knots, at 10×--l2 or --l2, with or without interaction terms"
            }
            ModelChoice::Family(k) => k.help(),
        }
    }
}

/// How the recipe is decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Search {
    /// The recipe the flags give.
    Fixed,
    /// A few candidates around the flags, chosen by nested cross-validation.
    Auto,
    /// The `auto` candidates and random draws, `budget` in all.
    Tune { budget: usize },
}

impl Search {
    /// How the card records it, and how `TrainOptions::recorded` reads it back.
    pub fn flag(self) -> String {
        match self {
            Search::Fixed => "fixed".into(),
            Search::Auto => "auto".into(),
            Search::Tune { budget } => format!("tune={budget}"),
        }
    }

    pub fn parse(text: &str) -> Option<Search> {
        match text {
            "fixed" | "" => Some(Search::Fixed),
            "auto" => Some(Search::Auto),
            _ => text.strip_prefix("tune=")?.parse().ok().map(|budget| Search::Tune { budget }),
        }
    }
}

/// The penalties `auto` compares for the logistic regression, as multiples of the given α (1 by
/// default), most penalised first (ties go to the simpler model). The files disagree: α = 10
/// suits Telco and the demo, 1 the bank file (0.1 would suit it a little better still, but a
/// third α costs Telco's auto more than five times a logistic fit).
pub const AUTO_PENALTIES: [f64; 2] = [10.0, 1.0];

/// `x` to two significant digits: readable in the report, and the same on every platform.
fn two_digits(x: f64) -> f64 {
    if !(x.is_finite() && x > 0.0) {
        return x;
    }
    let scale = 10f64.powi(x.log10().floor() as i32 - 1);
    (x / scale).round() * scale
}

/// The caps on interaction terms `auto` compares (the search keeps only pairs that pass its
/// test, so a cap is rarely reached), and the default segments of a number's side of a term.
pub const AUTO_PAIRS: [usize; 2] = [0, 16];
pub const DEFAULT_RESOLUTION: usize = 4;

/// The most cells (rows × input columns) `auto` tries an MLP on. Its full-batch fits cost about
/// 0.25 s per 10,000 rows of the bank file's 10 columns (release) against Newton's few hundredths
/// for the logistic regression, and the cost grows with the columns too, so past this the MLP
/// would cost a default run minutes; larger tables choose among the logistic recipes, whose
/// interaction terms draw the pairwise effects an MLP would (`--tune`, or `--model mlp`, still fit
/// one at any size). A table of 20 columns gets an MLP up to 50,000 rows, as when the bound
/// counted rows; an event log's snapshot rows (50 columns: 41,539 rows at 5,000 customers) no
/// longer do: there the MLP scored last in every fold and took a quarter of the time (29.8 s → 21.9 s).
pub const AUTO_MLP_CELLS: usize = 1_000_000;

/// L-BFGS iterations of `auto`'s MLP. Fewer than `--model mlp`'s 150: stopping early is part of
/// its regularisation, and halves its cost. Measured, 5-fold CV ROC AUC (80 against 150): bank
/// 0.8621 against 0.8628; a telecom file whose churn follows the sum of its charge columns
/// 0.8494 against 0.8478.
pub const AUTO_MLP_ITERATIONS: u64 = 80;

/// The candidates of a search over a table of `cells` cells (rows × input columns), in order (the
/// first is the simplest: ties go to it).
pub fn candidates(
    base: &Recipe,
    search: Search,
    families: &[ModelKind],
    cells: usize,
    seed: u64,
) -> Vec<Recipe> {
    if search == Search::Fixed {
        return vec![base.clone()];
    }
    let mut out: Vec<Recipe> = Vec::new();
    for &family in families {
        let start = Recipe { model: family, ..base.clone() };
        let start = match family {
            ModelKind::Logistic => start,
            ModelKind::Mlp => Recipe { fit: mlp_fit(base), ..start },
        };
        // `auto`'s MLP: one network over the quantile knots, without terms (it draws interactions
        // itself), on tables small enough for its full-batch fits.
        if search == Search::Auto && family == ModelKind::Mlp {
            if cells <= AUTO_MLP_CELLS {
                let fit = FitOptions::new(start.fit.l2, AUTO_MLP_ITERATIONS);
                out.push(Recipe { fit, pairs: PairOptions { pairs: 0, ..start.pairs }, ..start });
            }
            continue;
        }
        // The logistic regression's fits are cheap (Newton's method, sharing one encoding per
        // knot rule), and the files disagree most on its α; an MLP keeps its own.
        let penalties: Vec<f64> = match family {
            ModelKind::Logistic => AUTO_PENALTIES.iter().map(|f| two_digits(f * start.fit.l2)).collect(),
            ModelKind::Mlp => vec![start.fit.l2],
        };
        for knots in [KnotRule::Quantile, KnotRule::Tree] {
            let encoding = EncodingOptions { knots, ..start.encoding };
            for &l2 in &penalties {
                for pairs in AUTO_PAIRS {
                    out.push(Recipe {
                        encoding,
                        fit: FitOptions { l2, ..start.fit },
                        pairs: PairOptions { pairs, resolution: start.pairs.resolution },
                        ..start.clone()
                    });
                }
            }
        }
    }
    if let Search::Tune { budget } = search {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7475_6e65);
        let mut tries = 0;
        while out.len() < budget && tries < 100 * budget {
            tries += 1;
            let family = families[rng.random_range(0..families.len())];
            let candidate = draw(base, family, &mut rng);
            if !out.contains(&candidate) {
                out.push(candidate);
            }
        }
    }
    out
}

/// The MLP's penalty and iterations when `auto` adds it to a logistic base.
fn mlp_fit(base: &Recipe) -> FitOptions {
    FitOptions::new(20.0, 150.min(base.fit.max_iter.max(1)))
}

/// One random recipe of `family`.
fn draw(base: &Recipe, family: ModelKind, rng: &mut ChaCha8Rng) -> Recipe {
    let pick = |rng: &mut ChaCha8Rng, xs: &[usize]| xs[rng.random_range(0..xs.len())];
    let log_uniform = |rng: &mut ChaCha8Rng, lo: f64, hi: f64| {
        two_digits((lo.ln() + rng.random::<f64>() * (hi.ln() - lo.ln())).exp())
    };
    let mut encoding = base.encoding;
    encoding.bins = pick(rng, &[4, 6, 8, 12, 16]);
    encoding.knots = if rng.random::<bool>() { KnotRule::Tree } else { KnotRule::Quantile };
    let (l2, hidden, members, pairs, max_iter) = match family {
        ModelKind::Logistic => (
            log_uniform(rng, 0.1, 30.0),
            base.hidden.clone(),
            1,
            pick(rng, &[0, 4, 8, 12, 16, 24]),
            base.fit.max_iter,
        ),
        ModelKind::Mlp => {
            let width = pick(rng, &[8, 16, 32]);
            // Ensembles of up to MAX_ENSEMBLE_UNITS hidden units in all: the model file stays
            // within its size at any width of the encoded row the tuner meets.
            let members: Vec<usize> =
                [1, 3, 5].into_iter().filter(|k| k * width <= MAX_ENSEMBLE_UNITS).collect();
            let members = pick(rng, &members);
            (log_uniform(rng, 3.0, 100.0), vec![width], members, pick(rng, &[0, 4, 8]), 150)
        }
    };
    let resolution = pick(rng, &[3, 4, 5, 6]);
    Recipe {
        model: family,
        hidden,
        members,
        fit: FitOptions::new(l2, max_iter),
        encoding,
        pairs: PairOptions { pairs, resolution },
    }
}

/// Candidates grouped by what they share when only α and the cap on terms differ: one job per
/// inner fold fits a whole group ([`recipe::fit_path`]). Each group is its first member's recipe,
/// and each member the candidate's index and its variant.
fn groups(candidates: &[Recipe]) -> Vec<(Recipe, Vec<(usize, Variant)>)> {
    let shared = |c: &Recipe| Recipe {
        fit: FitOptions { l2: 0.0, ..c.fit },
        pairs: PairOptions { pairs: 0, ..c.pairs },
        ..c.clone()
    };
    let mut out: Vec<(Recipe, Vec<(usize, Variant)>)> = Vec::new();
    for (i, c) in candidates.iter().enumerate() {
        let variant = Variant { l2: c.fit.l2, pairs: c.pairs.pairs };
        match out.iter_mut().find(|(b, _)| shared(b) == shared(c)) {
            Some((_, members)) => members.push((i, variant)),
            None => out.push((c.clone(), vec![(i, variant)])),
        }
    }
    out
}

/// Rows of the inner selection when a fraction `positive_rate` of rows churn: the fewest whose
/// ROC AUC has [`SELECTION_SE`] at that class balance, within [`SELECTION_ROWS`]. At 18 % churn
/// 27,000 rows; at 50 %, 13,000; at 5 %, 91,000. So the selection's cost follows the noise of the
/// metric, not the size of the table.
pub fn selection_rows(positive_rate: f64) -> usize {
    let (low, high) = SELECTION_ROWS;
    let rate = positive_rate.clamp(1e-6, 1.0 - 1e-6);
    (low..=high)
        .step_by(1000)
        .find(|&n| standard_error(0.8, rate * n as f64, (1.0 - rate) * n as f64) <= SELECTION_SE)
        .unwrap_or(high)
}

/// Hanley and McNeil's standard error of a ROC AUC of `a` on `n1` positive and `n2` negative rows.
fn standard_error(a: f64, n1: f64, n2: f64) -> f64 {
    let (q1, q2) = (a / (2.0 - a), 2.0 * a * a / (1.0 + a));
    ((a * (1.0 - a) + (n1 - 1.0) * (q1 - a * a) + (n2 - 1.0) * (q2 - a * a)) / (n1 * n2)).sqrt()
}

/// The rows of `scope` the inner selection sees: all of them while they are few, else a
/// stratified sample of [`selection_rows`] (seeded, so a search is reproducible). Drawn from the
/// scope only, an outer fold's training rows: no held-out row is in it.
pub fn selection_sample(scope: &[usize], labels: &[f64], seed: u64) -> Vec<usize> {
    let y: Vec<f64> = scope.iter().map(|&r| labels[r]).collect();
    let rate = y.iter().sum::<f64>() / y.len().max(1) as f64;
    let wanted = selection_rows(rate);
    if scope.len() <= wanted {
        return scope.to_vec();
    }
    let share = wanted as f64 / scope.len() as f64;
    let (_, sample) = folds::holdout(&y, share, seed ^ 0x7361_6d70);
    sample.into_iter().map(|i| scope[i]).collect()
}

/// Jobs [`score`] runs for `scopes` sets of rows.
pub fn jobs(candidates: &[Recipe], scopes: usize) -> usize {
    groups(candidates).len() * scopes * INNER_FOLDS
}

/// Every candidate's mean inner ROC AUC on each scope (a set of rows: an outer training fold),
/// `scores[scope][candidate]`.
pub(crate) fn score(
    table: &Table,
    plan: &Plan,
    row_groups: Option<&[u32]>,
    scopes: &[Vec<usize>],
    candidates: &[Recipe],
    seed: u64,
    progress: &ProgressBar,
) -> Result<Vec<Vec<f64>>> {
    let groups = groups(candidates);
    let labels = &plan.target.labels;
    let scopes: Vec<Vec<usize>> = scopes.iter().map(|s| selection_sample(s, labels, seed)).collect();
    let assignments = scopes
        .iter()
        .map(|rows| {
            let y: Vec<f64> = rows.iter().map(|&r| labels[r]).collect();
            let g: Option<Vec<u32>> = row_groups.map(|g| rows.iter().map(|&r| g[r]).collect());
            folds::assign(&y, g.as_deref(), INNER_FOLDS, seed.wrapping_add(0x6e65_7374)).map_err(|_| {
                Error::Usage(format!(
                    "--model auto and --tune cross-validate inside every training fold, which needs at least \
                     {INNER_FOLDS} churners and {INNER_FOLDS} non-churners in each; this file has too few: name a \
                     family instead (--model logistic)"
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let work: Vec<(usize, usize, usize)> = (0..scopes.len())
        .flat_map(|s| (0..groups.len()).flat_map(move |g| (0..INNER_FOLDS).map(move |f| (s, g, f))))
        .collect();
    let results = crate::parallel::map(&work, |&(s, g, f)| -> Result<(usize, Vec<(usize, f64)>)> {
        let (train, test) = folds::split(&assignments[s], f);
        let train: Vec<usize> = train.iter().map(|&i| scopes[s][i]).collect();
        let test: Vec<usize> = test.iter().map(|&i| scopes[s][i]).collect();
        let (base, members) = &groups[g];
        let variants: Vec<Variant> = members.iter().map(|&(_, v)| v).collect();
        let fits = recipe::fit_path(
            table,
            plan,
            &train,
            base,
            &variants,
            seed.wrapping_add(1 + f as u64),
            recipe::Purpose::Search,
        );
        progress.inc(1);
        let y: Vec<f64> = test.iter().map(|&r| labels[r]).collect();
        let (fits, index) = fits?;
        // The held-out rows encoded once per pipeline: the models without terms share one, and
        // so do those whose searches found the same terms.
        let mut designs: Vec<(&scorer_wasm::Pipeline, crate::prepare::design::Design)> = Vec::new();
        let mut aucs = Vec::with_capacity(fits.len());
        for fitted in &fits {
            let at = match designs.iter().position(|(p, _)| **p == fitted.pipeline) {
                Some(at) => at,
                None => {
                    designs.push((&fitted.pipeline, encode_design(&fitted.pipeline, table, plan, &test)?));
                    designs.len() - 1
                }
            };
            aucs.push(metrics::roc_auc(&y, &nn::design_logits(fitted.net.as_ref(), &designs[at].1)?));
        }
        Ok((s, members.iter().zip(index).map(|(&(c, _), i)| (c, aucs[i])).collect::<Vec<(usize, f64)>>()))
    });
    let mut scores = vec![vec![0.0; candidates.len()]; scopes.len()];
    for r in results {
        let (s, v) = r?;
        for (c, auc) in v {
            scores[s][c] += auc / INNER_FOLDS as f64;
        }
    }
    if scores.iter().flatten().any(|x| !x.is_finite()) {
        return Err(Error::Training("an inner fold scored no ROC AUC (a class is missing from it)".into()));
    }
    Ok(scores)
}

/// The best candidate of one row of scores: the highest, the earlier (simpler) on a tie.
pub fn best(scores: &[f64]) -> usize {
    let mut best = 0;
    for (i, &s) in scores.iter().enumerate() {
        if s > scores[best] {
            best = i;
        }
    }
    best
}

/// The card's record of a search.
pub fn report(search: Search, candidates: &[Recipe], scores: &[Vec<f64>], chosen: &[usize]) -> SearchReport {
    let round = |x: f64| crate::stats::round_to(x, 6);
    let n = scores.len().max(1) as f64;
    let mean: Vec<f64> =
        (0..candidates.len()).map(|c| scores.iter().map(|s| s[c]).sum::<f64>() / n).collect();
    let final_choice = best(&mean);
    SearchReport {
        method: search.flag(),
        inner_folds: INNER_FOLDS as u32,
        metric: "roc_auc".into(),
        candidates: candidates.iter().map(ToString::to_string).collect(),
        outer: scores
            .iter()
            .zip(chosen)
            .map(|(s, &c)| SearchChoice { chosen: c as u32, scores: s.iter().copied().map(round).collect() })
            .collect(),
        final_choice: SearchChoice {
            chosen: final_choice as u32,
            scores: mean.into_iter().map(round).collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_selection_sample_follows_the_noise_of_the_metric() {
        // The fewest rows whose ROC AUC has a standard error of 0.004, by class balance.
        assert_eq!(selection_rows(0.184), 27_000);
        assert_eq!(selection_rows(0.5), 13_000);
        assert_eq!(selection_rows(0.05), 91_000);
        assert_eq!(selection_rows(0.9), 22_000);
        assert_eq!(selection_rows(0.001), SELECTION_ROWS.1);
    }

    #[test]
    fn a_large_scope_is_sampled_by_class_and_a_small_one_kept() {
        let labels: Vec<f64> = (0..200_000).map(|i| f64::from(u8::from(i % 5 == 0))).collect();
        let scope: Vec<usize> = (0..200_000).filter(|i| i % 2 == 0).collect();
        let sample = selection_sample(&scope, &labels, 42);
        let want = selection_rows(0.2);
        assert!(sample.len().abs_diff(want) <= 1, "{} rows against {want}", sample.len());
        assert!(sample.iter().all(|r| r % 2 == 0), "the sample is drawn from the scope");
        let positives = sample.iter().filter(|&&r| labels[r] == 1.0).count();
        assert!((positives as f64 / sample.len() as f64 - 0.2).abs() < 1e-3);
        assert_eq!(sample, selection_sample(&scope, &labels, 42));
        let small: Vec<usize> = (0..5000).collect();
        assert_eq!(selection_sample(&small, &labels, 42), small);
    }
}
