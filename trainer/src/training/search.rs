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
use crate::model::nn::FitOptions;
use crate::prepare::fit::{EncodingOptions, KnotRule};
use crate::prepare::infer::Plan;
use crate::prepare::pairs::PairOptions;
use crate::stats::{folds, metrics};
use crate::training::recipe::{self, ModelKind, Recipe, Variant};

/// Most hidden units, over all members, of an MLP ensemble `--tune` draws.
pub const MAX_ENSEMBLE_UNITS: usize = 48;
/// Inner folds of the nested cross-validation.
pub const INNER_FOLDS: usize = 3;
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

/// The candidates of a search, in order (the first is the simplest: ties go to it).
pub fn candidates(base: &Recipe, search: Search, families: &[ModelKind], seed: u64) -> Vec<Recipe> {
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

/// Jobs [`score`] runs for `scopes` sets of rows.
pub fn jobs(candidates: &[Recipe], scopes: usize) -> usize {
    groups(candidates).len() * scopes * INNER_FOLDS
}

/// Every candidate's mean inner ROC AUC on each scope (a set of rows: an outer training fold),
/// `scores[scope][candidate]`.
pub(crate) fn score(
    table: &Table,
    plan: &Plan,
    scopes: &[Vec<usize>],
    candidates: &[Recipe],
    seed: u64,
    progress: &ProgressBar,
) -> Result<Vec<Vec<f64>>> {
    let groups = groups(candidates);
    let labels = &plan.target.labels;
    let assignments = scopes
        .iter()
        .map(|rows| {
            let y: Vec<f64> = rows.iter().map(|&r| labels[r]).collect();
            folds::stratified(&y, INNER_FOLDS, seed.wrapping_add(0x6e65_7374)).map_err(|_| {
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
        let fits = recipe::fit_path(table, plan, &train, base, &variants, seed.wrapping_add(1 + f as u64));
        progress.inc(1);
        let y: Vec<f64> = test.iter().map(|&r| labels[r]).collect();
        let (fits, index) = fits?;
        let aucs = fits
            .iter()
            .map(|fitted| Ok(metrics::roc_auc(&y, &fitted.logits_on(table, plan, &test)?)))
            .collect::<Result<Vec<f64>>>()?;
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
