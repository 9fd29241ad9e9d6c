//! `churn train`: from a customer table to a cross-validated, parity-checked model.
//!
//! 1. Read the table and decide every column's role ([`crate::prepare::infer`]).
//! 2. Stratified K-fold cross-validation: in each fold the pipeline is fitted on the training rows
//!    only, the model is trained, and the held-out rows are scored. The final model (step 4) is
//!    fitted alongside, since it does not depend on the folds; fits run in parallel, one per core.
//! 3. Calibration: a Platt map σ(a·z + b) is fitted on the out-of-fold logits for the final model.
//!    For the reported metrics each fold is calibrated by a map fitted on the other folds only
//!    (cross-fitting), so calibration does not flatter them.
//! 4. The decision threshold is chosen on the calibrated out-of-fold probabilities by the rule
//!    (most campaign profit by default; see [`crate::stats::economics`]). The precision, recall, F1 and
//!    profit reported per fold use a threshold chosen without that fold, so they are as honest as
//!    the AUCs.
//! 5. The final model is fitted on all rows with the same settings; the model file also keeps the
//!    training data's distributions for drift monitoring ([`crate::monitor::drift`]).
//! 6. Parity: every training row is scored by the trainer's forward pass on the encoded matrix (then
//!    calibrated) and by the scorer crate from the raw values; they must agree within 1e-5.

use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::ProgressBar;
use scorer_wasm::math::sigmoid;
use scorer_wasm::{Calibration, Decision, Meta, Model, ModelSpec, Pipeline, RiskBands, Target};

use crate::model::card::{
    CalibrationReport, ColumnReport, CvReport, DataFinding, DataSummary, FoldCurves, Hyperparameters,
    ModelCard, ProfitCurve, ReliabilityPoint, ScoreHistogram, SearchReport, Settings, Stat, StreamReport,
    ThresholdReport,
};
use crate::prepare::distribution;
use crate::stats::calibrate;
use crate::stats::economics::{self, Economics, ThresholdRule};

use crate::error::{Error, Result};
use crate::input::data::Table;
use crate::model::nn::{FitOptions, Net};
use crate::prepare::fit::{EncodingOptions, KnotRule, row_values};
use crate::prepare::infer::{InferOptions, Plan};
use crate::prepare::pairs::PairOptions;
use crate::prepare::validate::{self, Severity, Validation};
use crate::stats::folds;
use crate::stats::metrics;

/// The largest difference between the trainer's and the scorer's probabilities we accept.
pub const PARITY_LIMIT: f64 = 1e-5;

pub use super::recipe::ModelKind;
use super::recipe::{self, Recipe};
use super::search::{self, Search};

/// How the model's probabilities are calibrated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalibrationMethod {
    /// Platt scaling: σ(a·z + b) on the model's logit, fitted on out-of-fold logits.
    Platt,
    /// The model's own probabilities.
    None,
}

impl crate::code::Code for CalibrationMethod {
    const ALL: &'static [CalibrationMethod] = &[CalibrationMethod::Platt, CalibrationMethod::None];
    const WHAT: &'static str = "calibration";
    fn as_str(self) -> &'static str {
        match self {
            CalibrationMethod::Platt => "platt",
            CalibrationMethod::None => "none",
        }
    }
    fn help(self) -> &'static str {
        match self {
            CalibrationMethod::Platt => {
                "Platt scaling: σ(a·z + b) on the model's logit, fitted on out-of-fold logits"
            }
            CalibrationMethod::None => "The model's own probabilities",
        }
    }
}

/// How streaming training reads and fits.
#[derive(Clone, Copy, Debug)]
pub struct StreamOptions {
    /// Memory budget in MB for the sample and one chunk.
    pub memory_mb: u64,
    /// Passes over the training rows; `None`: the streaming default (`stream::DEFAULT_EPOCHS`, or more to make
    /// `stream::MIN_STEPS` Adam steps).
    pub epochs: Option<usize>,
    /// Share of rows held out for evaluation.
    pub holdout: f64,
    /// Rows per Adam step.
    pub batch_size: usize,
    /// Adam's initial step size; `None`: the default of the family trained
    /// ([`StreamOptions::default_learning_rate`]), which `auto` may choose only once it has read
    /// the sample.
    pub learning_rate: Option<f64>,
}

impl StreamOptions {
    pub const DEFAULT_MEMORY_MB: u64 = 2048;
    pub const DEFAULT_HOLDOUT: f64 = 0.1;
    pub const DEFAULT_BATCH_SIZE: usize = 1024;

    /// The options `--stream` gets with no other streaming flag, within `memory_mb`.
    pub fn defaults(memory_mb: u64) -> StreamOptions {
        StreamOptions {
            memory_mb,
            epochs: None,
            holdout: StreamOptions::DEFAULT_HOLDOUT,
            batch_size: StreamOptions::DEFAULT_BATCH_SIZE,
            learning_rate: None,
        }
    }

    /// Adam's initial step size for `model`.
    pub fn learning_rate(&self, model: ModelKind) -> f64 {
        self.learning_rate.unwrap_or_else(|| StreamOptions::default_learning_rate(model))
    }

    /// The step size that suits the model family when none is given.
    pub fn default_learning_rate(model: ModelKind) -> f64 {
        match model {
            ModelKind::Logistic => 0.03,
            ModelKind::Mlp => 0.01,
        }
    }
}

/// How many cross-validation folds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Folds {
    /// `--folds K`.
    Given(usize),
    /// [`Folds::DEFAULT`], or fewer for a table large enough that fewer cost less and buy the same
    /// (see [`Folds::count`]).
    BySize,
}

impl Folds {
    pub const DEFAULT: usize = 5;

    /// Rows each fold's model trains on, at least, when the table decides the folds. Measured on
    /// 10⁶ synthetic customers (the default's recipe, ROC AUC on 200,000 rows none trained on):
    /// a model trained on 25,000 rows scores 0.84582, on 100,000 0.84706, on 200,000 0.84714, on
    /// 400,000 0.84728, on 800,000 0.84737. Past 200,000 rows, more rows move it by 0.0002 at
    /// most, so a fold that trains on that many measures what the final model does.
    pub const ROWS_PER_MODEL: usize = 200_000;

    /// Parts a holdout is dealt into for its metrics' spread: the folds given, else the default.
    pub fn parts(self) -> usize {
        match self {
            Folds::Given(k) => k,
            Folds::BySize => Folds::DEFAULT,
        }
    }

    /// The folds for a table of `rows` rows, and when the size decided them, why.
    pub fn count(self, rows: usize) -> (usize, Option<String>) {
        match self {
            Folds::Given(k) => (k, None),
            Folds::BySize => {
                let fewest = (2..Folds::DEFAULT)
                    .find(|&k| (k - 1) * rows >= k * Folds::ROWS_PER_MODEL)
                    .unwrap_or(Folds::DEFAULT);
                let why = (fewest < Folds::DEFAULT).then(|| {
                    format!(
                        "{fewest} folds rather than {}: each fold's model still trains on {} rows or more, past which \
                         more rows move the ROC AUC by 0.0002 at most, and every row is still held out once",
                        Folds::DEFAULT,
                        Folds::ROWS_PER_MODEL
                    )
                });
                (fewest, why)
            }
        }
    }
}

/// Everything `train` needs, validated.
#[derive(Clone, Debug)]
pub struct TrainOptions {
    pub columns: InferOptions,
    /// The family of the given recipe (the first `auto` and `--tune` start from).
    pub model: ModelKind,
    pub hidden: Vec<usize>,
    /// MLPs averaged into the model (1: a single network).
    pub members: usize,
    pub fit: FitOptions,
    pub encoding: EncodingOptions,
    pub pairs: PairOptions,
    /// Whether the recipe is the one given, or chosen by nested cross-validation.
    pub search: Search,
    /// The families a search chooses among.
    pub families: Vec<ModelKind>,
    pub folds: Folds,
    pub seed: u64,
    pub name: String,
    pub calibration: CalibrationMethod,
    pub threshold: ThresholdRule,
    pub economics: Economics,
    /// Codes of blocking data findings to train despite (see [`crate::prepare::validate`]).
    pub allow: Vec<crate::prepare::validate::FindingCode>,
    /// Train by streaming the file in chunks (`training::stream`) instead of reading it whole.
    pub stream: Option<StreamOptions>,
    /// The memory training may plan to use, in MB (`--memory`): a Parquet table that would need
    /// more in memory is streamed.
    pub memory_mb: u64,
}

impl TrainOptions {
    /// The recipe the flags give.
    pub fn recipe(&self) -> Recipe {
        Recipe {
            model: self.model,
            hidden: self.hidden.clone(),
            members: self.members,
            fit: self.fit,
            encoding: self.encoding,
            pairs: self.pairs,
        }
    }

    /// The options a model's card says it was trained with (in memory: a streamed model's
    /// streaming flags are not replayed), to train its successor the same way.
    pub fn recorded(card: &ModelCard) -> Result<TrainOptions> {
        use crate::code::Code;
        let Some(settings) = &card.settings else {
            return Err(Error::Usage(format!(
                "the card of model \"{}\" does not record all the settings it was trained with (it was \
                 trained by {}); train its successor once with churn train --register",
                card.name, card.trainer
            )));
        };
        let h = settings.base.as_ref().unwrap_or(&card.hyperparameters);
        let unreadable = |what: &str, e: String| {
            Error::Usage(format!("the card of model \"{}\" has an unreadable {what}: {e}", card.name))
        };
        let encoding = EncodingOptions {
            bins: h.bins as usize,
            knots: KnotRule::parse(&h.knots).map_err(|e| unreadable("knot rule", e))?,
            max_levels: h.max_levels as usize,
            min_level_count: h.min_level_count as usize,
        };
        let search = Search::parse(&settings.search)
            .ok_or_else(|| unreadable("search", format!("\"{}\"", settings.search)))?;
        let families = settings
            .families
            .iter()
            .map(|f| ModelKind::parse(f))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| unreadable("model family", e))?;
        Ok(TrainOptions {
            columns: InferOptions {
                target: card.target.clone(),
                positive: Some(card.positive_label.clone()),
                ids: settings.ids.clone(),
                drops: settings.drops.clone(),
                max_levels: encoding.max_levels,
                min_level_count: encoding.min_level_count,
            },
            model: ModelKind::parse(&h.model).map_err(|e| unreadable("model", e))?,
            // A logistic base records no hidden layers; a search that tries an MLP needs them.
            hidden: if h.hidden.is_empty() {
                vec![crate::training::recipe::DEFAULT_HIDDEN]
            } else {
                h.hidden.iter().map(|&n| n as usize).collect()
            },
            members: (h.members as usize).max(1),
            fit: FitOptions::new(h.l2, u64::from(h.max_iter)),
            encoding,
            pairs: PairOptions {
                pairs: h.interactions as usize,
                resolution: (h.interaction_resolution as usize).max(2),
            },
            families: if families.is_empty() {
                vec![ModelKind::parse(&h.model).map_err(|e| unreadable("model", e))?]
            } else {
                families
            },
            search,
            folds: match settings.folds.as_deref() {
                Some("by_size") => Folds::BySize,
                Some(k) => Folds::Given(k.parse().map_err(|_| unreadable("folds", format!("\"{k}\"")))?),
                None => Folds::Given(card.cv.folds as usize),
            },
            seed: card.seed,
            name: card.name.clone(),
            calibration: CalibrationMethod::parse(&card.calibration.method)
                .map_err(|e| unreadable("calibration", e))?,
            threshold: settings.threshold.parse().map_err(|e| unreadable("threshold rule", e))?,
            economics: card.economics,
            allow: settings
                .allow
                .iter()
                .map(|c| validate::FindingCode::parse(c))
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| unreadable("--allow code", e))?,
            stream: None,
            memory_mb: StreamOptions::DEFAULT_MEMORY_MB,
        })
    }
}

/// A trained model with what was learned about it along the way.
pub struct Trained {
    pub model: Model,
    pub card: ModelCard,
    pub plan: Plan,
    pub parity: Parity,
    pub seconds: f64,
    /// The recipe of the final model: the given one, or the one the search chose.
    pub recipe: Recipe,
    /// The logits of [`Groups::holdout`]'s fit on its scored rows, when it was asked for.
    pub holdout: Option<Vec<f64>>,
    /// Streaming training's passes over the data, with their speed (empty otherwise).
    pub epochs: Vec<EpochTiming>,
}

/// The files [`Trained::write`] wrote.
pub struct Written {
    pub model: PathBuf,
    pub card: PathBuf,
    /// The model file's size.
    pub bytes: usize,
    /// `model-card.json`'s text.
    pub card_text: String,
}

impl Trained {
    /// `model-card.json`: the card stored in the model file, then facts about this run.
    pub fn card_json<'a>(&'a self, file_name: &'a str, bytes: usize) -> CardFile<'a> {
        let model = &self.model;
        CardFile {
            card: &self.card,
            model_id: model.id(),
            // Derivable from the pipeline, so kept out of the card inside the model file.
            features: model.pipeline().feature_names(),
            artifact: Artifact { file: file_name, bytes, sha256: model.checksum() },
            parity: ParityFile {
                max_abs_diff: self.parity.max_abs_diff,
                rows: self.parity.rows,
                limit: PARITY_LIMIT,
            },
            training_seconds: self.seconds,
            epochs: &self.epochs,
        }
    }

    /// Writes `model.churn` and `model-card.json` into `dir`, creating it if needed.
    pub fn write(&self, dir: &Path) -> Result<Written> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let model = dir.join("model.churn");
        let bytes = self.model.to_bytes();
        std::fs::write(&model, &bytes).map_err(|e| Error::io(&model, e))?;
        let text = serde_json::to_string_pretty(&self.card_json("model.churn", bytes.len()))
            .map_err(|e| Error::Training(e.to_string()))?;
        let card = dir.join("model-card.json");
        std::fs::write(&card, format!("{text}\n")).map_err(|e| Error::io(&card, e))?;
        Ok(Written { model, card, bytes: bytes.len(), card_text: text })
    }
}

/// One epoch of streaming training, as it ran.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct EpochTiming {
    pub epoch: u32,
    pub rows: u64,
    pub seconds: f64,
    pub rows_per_second: f64,
    /// Mean training log-loss (with the L2 term) over the epoch's mini-batches.
    pub loss: f64,
}

#[derive(Clone, Copy, Debug)]
pub struct Parity {
    pub max_abs_diff: f64,
    pub rows: usize,
}

/// `model-card.json`: the card's fields in the card's order, then this run's.
#[derive(serde::Serialize)]
pub struct CardFile<'a> {
    #[serde(flatten)]
    card: &'a ModelCard,
    model_id: &'a str,
    features: Vec<String>,
    artifact: Artifact<'a>,
    parity: ParityFile,
    training_seconds: f64,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    epochs: &'a [EpochTiming],
}

#[derive(serde::Serialize)]
struct Artifact<'a> {
    file: &'a str,
    bytes: usize,
    sha256: &'a str,
}

#[derive(serde::Serialize)]
struct ParityFile {
    max_abs_diff: f64,
    rows: usize,
    limit: f64,
}

/// Out-of-fold results of one fold.
pub(crate) struct FoldResult {
    pub test: Vec<usize>,
    /// The fold model's logits on the held-out rows.
    pub logits: Vec<f64>,
}

/// Grid steps of the per-fold ROC and PR curves and of the profit curve.
const CURVE_STEPS: usize = 50;
const PROFIT_STEPS: usize = 100;

pub fn train(table: &mut Table, opts: &TrainOptions, progress: &ProgressBar) -> Result<Trained> {
    train_grouped(table, None, opts, progress)
}

/// What snapshot rows add to a table: the group of every row (a customer, whose snapshots
/// always share a fold, outer and inner, so that no customer is both trained on and evaluated),
/// and a check beside the folds.
pub struct Groups<'a> {
    pub of_row: &'a [u32],
    /// Rows to fit the final model's recipe on and rows to score it on (the out-of-time check),
    /// run in the same queue as the folds; their logits come back in [`Trained::holdout`].
    pub holdout: Option<(&'a [usize], &'a [usize])>,
}

/// [`train`] of rows in [`Groups`].
pub fn train_grouped(
    table: &mut Table,
    grouping: Option<&Groups>,
    opts: &TrainOptions,
    progress: &ProgressBar,
) -> Result<Trained> {
    let groups = grouping.map(|g| g.of_row);
    let started = Instant::now();
    let (mut validation, plan) = check_and_plan(table, opts)?;
    if groups.is_some() {
        validation.ids_repeat_by_design();
    }
    table.read_numbers(&plan.numeric_columns());
    let table = &*table;
    let y = &plan.target.labels;
    let (k, folds_reason) = opts.folds.count(y.len());
    let assignment = folds::assign(y, groups, k, opts.seed)?;

    let (candidates, chosen, search_report) =
        choose_recipes(table, &plan, groups, &assignment, k, opts, progress)?;

    progress.set_message("cross-validating and fitting the final model");
    // The k fold fits, the final fit and the holdout's are independent: run them all on a work
    // queue, one fit per core (each fit is single-threaded; see `main`).
    let all: Vec<usize> = (0..y.len()).collect();
    let holdout = grouping.and_then(|g| g.holdout);
    let run = |job: &Work| {
        let r = match *job {
            Work::Fold(f) => {
                run_fold(table, &plan, &assignment, f, &candidates[chosen[f]], opts.seed).map(Job::Fold)
            }
            Work::Final => fit_final(table, &plan, &all, &candidates[chosen[k]], opts.seed)
                .map(|f| Job::Final(Box::new(f))),
            Work::Holdout(train, test) => recipe::fit(table, &plan, train, &candidates[chosen[k]], opts.seed)
                .and_then(|fitted| fitted.logits_on(table, &plan, test))
                .map(Job::Holdout),
        };
        progress.inc(1);
        r
    };
    // The final fit first: it is the longest, so the other fits fill the other cores around it.
    let others: Vec<Work> =
        (0..k).map(Work::Fold).chain(holdout.map(|(train, test)| Work::Holdout(train, test))).collect();
    let results: Vec<Result<Job>> = if folds_reason.is_some() {
        // A table cut into fewer folds for its size: the final fit, on every row, runs alone
        // first, so that its design and a fold's are never in memory at once (on 10⁶ rows 0.99
        // GB at the peak, against 1.22 GB side by side), then the folds side by side.
        crate::return_memory_at_once();
        let last = run(&Work::Final);
        std::iter::once(last).chain(crate::parallel::map(&others, run)).collect()
    } else {
        let jobs: Vec<Work> = std::iter::once(Work::Final).chain(others).collect();
        crate::parallel::map(&jobs, run)
    };
    let mut folds = Vec::with_capacity(k);
    let (mut final_fit, mut holdout_logits) = (None, None);
    for r in results {
        match r? {
            Job::Fold(r) => folds.push(r),
            Job::Final(f) => final_fit = Some(*f),
            Job::Holdout(logits) => holdout_logits = Some(logits),
        }
    }
    let Some(final_fit) = final_fit else {
        return Err(Error::Training("the final fit did not run".into()));
    };
    let data = data_summary(table, &plan, &validation);
    let evaluation = Evaluation { labels: y, folds, folds_reason, streaming: None, search: search_report };
    progress.set_message("checking parity");
    let mut trained = assemble(table, &plan, data, evaluation, final_fit, opts, started)?;
    trained.holdout = holdout_logits;
    Ok(trained)
}

/// The recipe of each of the `k` outer folds and of the final model (last): the given one, or
/// each chosen by an inner cross-validation on that fold's training rows (see `search`); the
/// candidates, each fit's index into them, and how the search went.
fn choose_recipes(
    table: &Table,
    plan: &Plan,
    groups: Option<&[u32]>,
    assignment: &[usize],
    k: usize,
    opts: &TrainOptions,
    progress: &ProgressBar,
) -> Result<(Vec<Recipe>, Vec<usize>, Option<SearchReport>)> {
    let y = &plan.target.labels;
    let cells = y.len() * plan.inputs();
    let candidates = search::candidates(&opts.recipe(), opts.search, &opts.families, cells, opts.seed);
    if candidates.len() == 1 {
        progress.set_length(k as u64 + 2);
        return Ok((candidates, vec![0; k + 1], None));
    }
    let scopes: Vec<Vec<usize>> = (0..k).map(|f| folds::split(assignment, f).0).collect();
    progress.set_length((search::jobs(&candidates, scopes.len()) + k + 2) as u64);
    progress.set_message(format!("choosing among {} recipes by nested cross-validation", candidates.len()));
    let scores = search::score(table, plan, groups, &scopes, &candidates, opts.seed, progress)?;
    let per_fold: Vec<usize> = scores.iter().map(|s| search::best(s)).collect();
    let report = search::report(opts.search, &candidates, &scores, &per_fold);
    let last = report.final_choice.chosen as usize;
    Ok((candidates, per_fold.into_iter().chain([last]).collect(), Some(report)))
}

/// Examines the table once: the data checks (stopping on a blocking finding not in `--allow`) and
/// the plan, both from the same column profiles.
pub(crate) fn check_and_plan(table: &Table, opts: &TrainOptions) -> Result<(Validation, Plan)> {
    let (validation, decisions) = crate::prepare::examine(table, &opts.columns)?;
    let blockers: Vec<&validate::Finding> = validation.blockers(&opts.allow).collect();
    match blockers.as_slice() {
        [] => {}
        // One problem reads best as one sentence; its message says how to fix it.
        [one] => return Err(Error::data(&table.path, one.message.clone())),
        many => {
            let list: Vec<String> = many
                .iter()
                .map(|f| format!("  - [{}] {}", crate::code::Code::as_str(f.code), f.message))
                .collect();
            return Err(Error::data(
                &table.path,
                format!(
                    "{} problems block training:\n{}\n(churn validate shows the full report)",
                    many.len(),
                    list.join("\n")
                ),
            ));
        }
    }
    let plan = decisions.into_plan(table)?;
    Ok((validation, plan))
}

/// The rows a model is evaluated on: `labels`, and the model's logits on them in `folds` (each
/// fold's `test` indexes into `labels`). In cross-validation these are every row's out-of-fold
/// logits; in streaming training the held-out rows' logits, split into parts.
pub(crate) struct Evaluation<'a> {
    pub labels: &'a [f64],
    pub folds: Vec<FoldResult>,
    /// Why fewer folds than the default, when the table's size chose them.
    pub folds_reason: Option<String>,
    pub streaming: Option<StreamReport>,
    /// How each fold's recipe was chosen, when it was.
    pub search: Option<SearchReport>,
}

/// From evaluated logits and the final fit to the model file and its card: calibration, the
/// decision threshold, metrics with their spread, drift reference, and the parity check of the
/// final model on `table`'s rows (which `fit` was encoded from).
pub(crate) fn assemble(
    table: &Table,
    plan: &Plan,
    data: DataSummary,
    evaluation: Evaluation<'_>,
    fit: FinalFit,
    opts: &TrainOptions,
    started: Instant,
) -> Result<Trained> {
    let FinalFit { pipeline, baseline, net, logits: trainer_logits, recipe } = fit;
    let Evaluation { labels: y, folds, folds_reason, streaming, search } = evaluation;
    let oof = OutOfFold::new(y, &folds, opts.calibration);
    let threshold = economics::choose(opts.threshold, &opts.economics, y, &oof.calibrated);
    let prevalence = data.positive_rate;
    let mut card = ModelCard {
        hyperparameters: hyperparameters(&recipe, &pipeline),
        streaming,
        search,
        ..card(opts, plan, data, y, &oof, threshold, recipe.model)
    };
    card.cv.folds_reason = folds_reason;
    let spec = ModelSpec {
        meta: Meta { name: card.name.clone(), kind: card.model.clone(), trainer: card.trainer.clone() },
        card: serde_json::to_string(&card).map_err(|e| Error::Training(format!("model card: {e}")))?,
        baseline,
        // Filled in by `checked`, from the scorer's own probabilities.
        reference: scorer_wasm::reference::DriftReference::default(),
        pipeline,
        target: Target {
            name: plan.target.name.clone(),
            positive: plan.target.positive.clone(),
            negative: plan.target.negative.clone(),
        },
        predictor: net.predictor()?,
        calibration: oof.final_map,
        decision: Decision { threshold, rule: opts.threshold.to_string() },
        bands: RiskBands { medium: prevalence, high: (2.0 * prevalence).min(0.9).max(prevalence) },
        events: None,
    };
    let (model, parity) = checked(spec, table, plan, &trainer_logits)?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(Trained {
        model,
        card,
        plan: plan.clone(),
        parity,
        seconds,
        recipe,
        holdout: None,
        epochs: Vec::new(),
    })
}

/// The card of a model from its out-of-fold predictions (its hyperparameters, and how it was
/// streamed or searched, left at their defaults for the caller).
fn card(
    opts: &TrainOptions,
    plan: &Plan,
    data: DataSummary,
    y: &[f64],
    oof: &OutOfFold,
    threshold: f64,
    model: ModelKind,
) -> ModelCard {
    let mut histogram = ScoreHistogram::new(100);
    for (&p, &t) in oof.calibrated.iter().zip(y) {
        histogram.add(p, t == 1.0);
    }
    let profit = economics::profit_curve(&opts.economics, y, &oof.calibrated, PROFIT_STEPS);
    let codes = |codes: Vec<&'static str>| codes.into_iter().map(str::to_string).collect();
    ModelCard {
        name: opts.name.clone(),
        model: crate::code::Code::as_str(model).into(),
        trainer: format!("churn {}", env!("CARGO_PKG_VERSION")),
        target: plan.target.name.clone(),
        positive_label: plan.target.positive.clone(),
        seed: opts.seed,
        data,
        cv: cv_report(y, oof, opts),
        calibration: oof.report(y, opts.calibration),
        economics: opts.economics,
        threshold: threshold_report(opts, y, &oof.calibrated, threshold),
        profit_curve: ProfitCurve {
            step: 1.0 / PROFIT_STEPS as f64,
            per_customer: profit.into_iter().map(|(_, v)| v).collect(),
        },
        curves: fold_curves(y, oof),
        hyperparameters: Hyperparameters::default(),
        settings: Some(Settings {
            ids: opts.columns.ids.clone(),
            drops: opts.columns.drops.clone(),
            allow: codes(opts.allow.iter().map(|c| crate::code::Code::as_str(*c)).collect()),
            threshold: opts.threshold.flag(),
            search: opts.search.flag(),
            families: codes(opts.families.iter().map(|f| crate::code::Code::as_str(*f)).collect()),
            folds: Some(match opts.folds {
                Folds::Given(k) => k.to_string(),
                Folds::BySize => "by_size".into(),
            }),
            base: Some(recipe_hyperparameters(&opts.recipe())),
        }),
        oof_histogram: histogram,
        streaming: None,
        search: None,
        events: None,
    }
}

/// The model of `spec`, checked against the trainer: the scorer's probabilities of `table`'s
/// rows against the trainer's own (`trainer_logits`, calibrated), within [`PARITY_LIMIT`]. The
/// score's drift reference is what the scorer gives the training rows, the very numbers `churn
/// drift` bins on new data, so the training data drifts from itself by exactly 0.
fn checked(
    mut spec: ModelSpec,
    table: &Table,
    plan: &Plan,
    trainer_logits: &[f64],
) -> Result<(Model, Parity)> {
    let invalid =
        |e: scorer_wasm::ArtifactError| Error::Training(format!("the trained model is invalid: {e}"));
    let calibration = spec.calibration;
    let trainer: Vec<f64> = trainer_logits.iter().map(|&z| sigmoid(calibration.apply(z))).collect();
    let probabilities = scorer_probabilities(&Model::new(spec.clone()).map_err(invalid)?, table, plan)?;
    let parity = check_parity(&probabilities, &trainer)?;
    let column_indices: Vec<usize> = plan.columns.iter().map(|c| c.index).collect();
    spec.reference = distribution::reference(&spec.pipeline, table, &column_indices, &probabilities);
    Ok((Model::new(spec).map_err(invalid)?, parity))
}

/// The decision threshold and what it does on the out-of-fold probabilities.
fn threshold_report(opts: &TrainOptions, y: &[f64], calibrated: &[f64], threshold: f64) -> ThresholdReport {
    let pooled = metrics::at_threshold(y, calibrated, threshold);
    let profit = |t: f64| economics::profit_at(&opts.economics, y, calibrated, t);
    ThresholdReport {
        value: threshold,
        rule: opts.threshold.to_string(),
        break_even_probability: opts.economics.break_even(),
        profit_per_customer: profit(threshold),
        profit_contacting_all: profit(0.0),
        precision: pooled.precision,
        recall: pooled.recall,
        f1: pooled.f1,
        contacted_share: pooled.flagged,
    }
}

/// The recipe the final model was fitted with, and the terms it found, for the card.
/// The card's record of the recipe a model was fitted with, and the terms its pipeline took.
fn hyperparameters(recipe: &Recipe, pipeline: &Pipeline) -> Hyperparameters {
    let name = |c: usize| pipeline.columns()[c].name.clone();
    let mlp = recipe.model == ModelKind::Mlp;
    Hyperparameters {
        hidden: if mlp { recipe.hidden.iter().map(|&h| h as u32).collect() } else { vec![] },
        members: if mlp { recipe.members.max(1) as u32 } else { 1 },
        pairs: pipeline.interactions().iter().map(|t| t.columns().map(name)).collect(),
        ..recipe_hyperparameters(recipe)
    }
}

/// A recipe as the card records it, whatever its family (a search's base keeps its hidden
/// sizes, which its MLP candidates take).
fn recipe_hyperparameters(recipe: &Recipe) -> Hyperparameters {
    Hyperparameters {
        model: crate::code::Code::as_str(recipe.model).into(),
        hidden: recipe.hidden.iter().map(|&h| h as u32).collect(),
        members: recipe.members.max(1) as u32,
        l2: recipe.fit.l2,
        bins: recipe.encoding.bins as u32,
        max_levels: recipe.encoding.max_levels as u32,
        min_level_count: recipe.encoding.min_level_count as u32,
        max_iter: recipe.fit.max_iter as u32,
        knots: crate::code::Code::as_str(recipe.encoding.knots).into(),
        interactions: recipe.pairs.pairs as u32,
        interaction_resolution: recipe.pairs.resolution as u32,
        pairs: Vec::new(),
    }
}

/// Out-of-fold predictions, raw and calibrated, with the calibration map for the final model.
struct OutOfFold<'a> {
    folds: &'a [FoldResult],
    /// The model's own probabilities, σ(z).
    raw: Vec<f64>,
    /// Each fold's logits through a calibration map fitted on the other folds' logits: honest
    /// calibrated probabilities, on which metrics and the threshold are computed.
    calibrated: Vec<f64>,
    /// The map fitted on every out-of-fold logit, which the final model carries.
    final_map: Calibration,
}

impl<'a> OutOfFold<'a> {
    fn new(y: &[f64], folds: &'a [FoldResult], method: CalibrationMethod) -> Self {
        let n = y.len();
        let mut logits = vec![0.0; n];
        for f in folds {
            for (&i, &z) in f.test.iter().zip(&f.logits) {
                logits[i] = z;
            }
        }
        let fit = |rows: &mut dyn Iterator<Item = usize>| match method {
            CalibrationMethod::Platt => {
                let (z, t): (Vec<f64>, Vec<f64>) = rows.map(|i| (logits[i], y[i])).unzip();
                calibrate::fit_platt(&z, &t)
            }
            CalibrationMethod::None => Calibration::IDENTITY,
        };
        let mut calibrated = vec![0.0; n];
        for (k, f) in folds.iter().enumerate() {
            let map = fit(&mut folds
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != k)
                .flat_map(|(_, g)| g.test.iter().copied()));
            for &i in &f.test {
                calibrated[i] = sigmoid(map.apply(logits[i]));
            }
        }
        OutOfFold {
            folds,
            raw: logits.iter().map(|&z| sigmoid(z)).collect(),
            calibrated,
            final_map: fit(&mut (0..n)),
        }
    }

    /// One fold's labels and calibrated probabilities.
    fn fold(&self, y: &[f64], k: usize) -> (Vec<f64>, Vec<f64>) {
        self.folds[k].test.iter().map(|&i| (y[i], self.calibrated[i])).unzip()
    }

    /// Every other fold's labels and calibrated probabilities.
    fn others(&self, y: &[f64], k: usize) -> (Vec<f64>, Vec<f64>) {
        self.folds
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != k)
            .flat_map(|(_, f)| f.test.iter().map(|&i| (y[i], self.calibrated[i])))
            .unzip()
    }

    fn report(&self, y: &[f64], method: CalibrationMethod) -> CalibrationReport {
        CalibrationReport {
            method: match method {
                CalibrationMethod::Platt => "platt",
                CalibrationMethod::None => "none",
            }
            .into(),
            slope: self.final_map.slope,
            intercept: self.final_map.intercept,
            brier_before: metrics::brier(y, &self.raw),
            brier_after: metrics::brier(y, &self.calibrated),
            ece_before: calibrate::ece(y, &self.raw, 10),
            ece_after: calibrate::ece(y, &self.calibrated, 10),
            reliability: calibrate::reliability(y, &self.calibrated, 10)
                .into_iter()
                .map(|b| ReliabilityPoint { count: b.count, predicted: b.predicted, observed: b.observed })
                .collect(),
        }
    }
}

/// A fit of [`train_grouped`]'s queue.
enum Work<'a> {
    Final,
    Fold(usize),
    Holdout(&'a [usize], &'a [usize]),
}

enum Job {
    Fold(FoldResult),
    Final(Box<FinalFit>),
    Holdout(Vec<f64>),
}

/// The model fitted on every row, with its pipeline, mean encoded row and the trainer's logits.
pub(crate) struct FinalFit {
    pub pipeline: Pipeline,
    /// The mean encoded row: the baseline of explanations.
    pub baseline: Vec<f64>,
    pub net: Box<dyn Net + Send + Sync>,
    pub logits: Vec<f64>,
    /// What it was fitted with.
    pub recipe: Recipe,
}

fn fit_final(table: &Table, plan: &Plan, rows: &[usize], recipe: &Recipe, seed: u64) -> Result<FinalFit> {
    let recipe::Fitted { pipeline, net, baseline, logits } = recipe::fit(table, plan, rows, recipe, seed)?;
    Ok(FinalFit { pipeline, baseline, net, logits, recipe: recipe.clone() })
}

fn run_fold(
    table: &Table,
    plan: &Plan,
    assignment: &[usize],
    f: usize,
    recipe: &Recipe,
    seed: u64,
) -> Result<FoldResult> {
    let (train, test) = folds::split(assignment, f);
    // Each fold starts from its own reproducible initialisation.
    let fitted = recipe::fit(table, plan, &train, recipe, seed.wrapping_add(1 + f as u64))?;
    let logits = fitted.logits_on(table, plan, &test)?;
    Ok(FoldResult { test, logits })
}

/// Metrics per held-out fold on calibrated probabilities. Precision, recall, F1 and profit use
/// the threshold the rule picks on the other folds, so they are as honest as the AUCs.
fn cv_report(y: &[f64], oof: &OutOfFold<'_>, opts: &TrainOptions) -> CvReport {
    let mut m: [Vec<f64>; 8] = Default::default();
    for k in 0..oof.folds.len() {
        let (yt, p) = oof.fold(y, k);
        let (others_y, others_p) = oof.others(y, k);
        let t = economics::choose(opts.threshold, &opts.economics, &others_y, &others_p);
        let at = metrics::at_threshold(&yt, &p, t);
        for (slot, v) in m.iter_mut().zip([
            metrics::roc_auc(&yt, &p),
            metrics::average_precision(&yt, &p),
            metrics::log_loss(&yt, &p),
            metrics::brier(&yt, &p),
            at.precision,
            at.recall,
            at.f1,
            economics::profit_at(&opts.economics, &yt, &p, t),
        ]) {
            slot.push(v);
        }
    }
    let [roc_auc, pr_auc, log_loss, brier, precision, recall, f1, profit_per_customer] = m.map(Stat::of);
    CvReport {
        folds: oof.folds.len() as u32,
        folds_reason: None,
        stratified: true,
        roc_auc,
        pr_auc,
        log_loss,
        brier,
        precision,
        recall,
        f1,
        profit_per_customer,
    }
}

/// Each fold's ROC and precision–recall curve on a fixed grid.
fn fold_curves(y: &[f64], oof: &OutOfFold<'_>) -> FoldCurves {
    let (mut roc_tpr, mut pr_precision) = (Vec::new(), Vec::new());
    for k in 0..oof.folds.len() {
        let (yt, p) = oof.fold(y, k);
        roc_tpr.push(metrics::roc_on_grid(&yt, &p, CURVE_STEPS));
        pr_precision.push(metrics::pr_on_grid(&yt, &p, CURVE_STEPS));
    }
    FoldCurves { step: 1.0 / CURVE_STEPS as f64, roc_tpr, pr_precision }
}

pub(crate) fn data_summary(table: &Table, plan: &Plan, validation: &Validation) -> DataSummary {
    let positives = plan.positives() as u64;
    let rows = table.rows() as u64;
    let mut columns: Vec<ColumnReport> = plan
        .columns
        .iter()
        .map(|c| ColumnReport {
            name: c.name.clone(),
            role: c.kind.name().into(),
            missing: c.missing as u64,
            distinct: c.distinct as u64,
            reason: c.reason.clone(),
        })
        .collect();
    columns.insert(
        plan.target.index.min(columns.len()),
        ColumnReport {
            name: plan.target.name.clone(),
            role: "target".into(),
            missing: 0,
            distinct: 2,
            reason: format!("churn = \"{}\" ({})", plan.target.positive, plan.target.reason),
        },
    );
    DataSummary {
        source: table.file_name(),
        format: table.format.to_string(),
        rows,
        positives,
        positive_rate: positives as f64 / rows as f64,
        columns,
        findings: validation
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Notice)
            .map(|f| DataFinding {
                severity: f.severity.as_str().into(),
                code: crate::code::Code::as_str(f.code).into(),
                column: f.column.clone(),
                message: f.message.clone(),
            })
            .collect(),
    }
}

/// Every training row's probability, through the scorer crate from raw values.
pub(crate) fn scorer_probabilities(model: &Model, table: &Table, plan: &Plan) -> Result<Vec<f64>> {
    // A chunk of rows per job, on every core: each row's probability is its own.
    let chunks: Vec<std::ops::Range<usize>> = (0..table.rows())
        .step_by(PARITY_CHUNK_ROWS)
        .map(|a| a..(a + PARITY_CHUNK_ROWS).min(table.rows()))
        .collect();
    let parts = crate::parallel::map(&chunks, |rows| {
        let mut scorer = model.scorer();
        let mut values = Vec::with_capacity(plan.columns.len());
        rows.clone()
            .map(|row| {
                row_values(table, plan, row, &mut values);
                let score = scorer
                    .score(&values)
                    .map_err(|e| Error::data(&table.path, format!("{}: {e}", table.locate(row))))?;
                Ok(score.probability)
            })
            .collect::<Result<Vec<f64>>>()
    });
    let mut out = Vec::with_capacity(table.rows());
    for part in parts {
        out.extend(part?);
    }
    Ok(out)
}

/// Rows scored per job of the parity check.
const PARITY_CHUNK_ROWS: usize = 65_536;

/// The scorer's probabilities against the trainer's forward pass, row by row.
fn check_parity(scorer_probabilities: &[f64], trainer_probabilities: &[f64]) -> Result<Parity> {
    let (mut worst, mut worst_row) = (0.0f64, 0);
    for (row, (&p, &expected)) in scorer_probabilities.iter().zip(trainer_probabilities).enumerate() {
        let diff = (p - expected).abs();
        if diff.is_nan() || diff > worst {
            worst = if diff.is_nan() { f64::INFINITY } else { diff };
            worst_row = row;
        }
    }
    if worst > PARITY_LIMIT {
        return Err(Error::Parity { max_abs_diff: worst, row: worst_row + 1, limit: PARITY_LIMIT });
    }
    Ok(Parity { max_abs_diff: worst, rows: trainer_probabilities.len() })
}

#[cfg(test)]
mod fold_tests {
    use super::*;

    #[test]
    fn the_size_decides_the_folds_only_when_none_are_given() {
        assert_eq!(Folds::BySize.count(7_043), (5, None));
        assert_eq!(Folds::BySize.count(249_999).0, 5);
        assert_eq!(Folds::BySize.count(266_667).0, 4);
        assert_eq!(Folds::BySize.count(300_000).0, 3);
        let (k, why) = Folds::BySize.count(1_000_000);
        assert_eq!(k, 2);
        assert!(
            why.unwrap().starts_with("2 folds rather than 5: each fold's model still trains on 200000 rows")
        );
        assert_eq!(Folds::Given(5).count(1_000_000), (5, None));
        assert_eq!((Folds::BySize.parts(), Folds::Given(3).parts()), (5, 3));
    }
}
