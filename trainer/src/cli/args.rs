//! Command-line arguments, and their validation into the options the commands take.
//!
//! Only this module knows clap. Each `*Args` struct is what the user typed; `into_options`
//! checks it and produces the plain options struct the command runs on.

use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};

use crate::code::Code;
use crate::ops::registry::Alias;
use crate::prepare::validate::FindingCode;

use crate::error::{Error, Result};
use crate::input::data::{Format, Shard};
use crate::model::nn::FitOptions;
use crate::monitor::compare::{CompareOptions, Metric};
use crate::ops::retrain::{Policy, RetrainOptions};
use crate::prepare::fit::{EncodingOptions, KnotRule};
use crate::prepare::infer::InferOptions;
use crate::prepare::pairs::PairOptions;
use crate::stats::economics::{Economics, ThresholdRule};
use crate::training::search::{self, ModelChoice, Search};
use crate::training::train::{CalibrationMethod, Folds, ModelKind, StreamOptions, TrainOptions};
use scorer_wasm::pipeline;

/// Train, check and run customer-churn models.
///
/// Exit codes: 0 success; 1 a finding (rows that could not be scored, data that blocks training,
/// drift or a performance drop that calls for retraining); 2 an error.
#[derive(Debug, Parser)]
#[command(name = "churn", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a model on a customer table; write model.churn and model-card.json.
    ///
    /// Column types are inferred and each decision is printed with its reason: identifier-like
    /// columns are kept out of the model, blank or NA cells in numeric columns are missing values,
    /// rare category levels are pooled. Evaluation is stratified K-fold cross-validation with
    /// every encoder fitted inside the fold; the final model is then fitted on all rows and
    /// checked to score identically in the scorer.
    Train(Box<TrainArgs>),
    /// Score a customer table with a trained model; write ids, probability, risk band, decision.
    Predict(PredictArgs),
    /// Check a customer table before training: a profile of every column and the problems found.
    ///
    /// Flags identifier and constant columns, duplicate rows and customer ids, a column that
    /// predicts the target almost perfectly on its own (suspected leakage), high-cardinality text,
    /// missing values written as a category ("Unknown") or as blank cells, mixed numbers and text,
    /// and the class balance. Exits 1 when a finding blocks training; `churn train` runs the same
    /// checks first.
    Validate(ValidateArgs),
    /// Compare new data with a model's training data: PSI per input and for the score.
    ///
    /// Verdicts are none, moderate or significant, with alarm levels sized to both samples (with no
    /// drift at all PSI grows like (bins − 1)·(1/n + 1/m), so fixed cut-offs cry wolf on small
    /// batches). Exits 1 when retraining is recommended.
    Drift(DriftArgs),
    /// Score newly labelled customers and compare the model's performance with its card.
    ///
    /// Exits 1 when ROC AUC fell by more than the cross-validation spread and the sample's own
    /// error explain, or when the probabilities no longer match the churn rate.
    Evaluate(EvaluateArgs),
    /// Compare two models on the same labelled customers: which is better, and how sure.
    ///
    /// Both score every labelled row. ROC AUC is compared by DeLong's test for correlated ROC
    /// curves; log loss and the expected campaign profit (each model at its own threshold) by a
    /// paired bootstrap. The verdict (A better, B better, or no significant difference) is read
    /// from --metric at --alpha. Exits 1 when the two differ significantly.
    Compare(CompareArgs),
    /// Write a self-contained HTML report of a model: ROC and PR curves with the CV spread,
    /// calibration, lift and gains, profit against threshold, score distributions, feature effects.
    Report(ReportArgs),
    /// One unattended cycle of the production loop, for a scheduler: check, retrain, compare,
    /// promote.
    ///
    /// Checks the new data and its drift from the registry's champion, holds out a stratified
    /// share of it, trains a challenger on the rest with the champion's recorded settings and
    /// seed, compares the two on the holdout (as churn compare), registers the challenger and,
    /// by --policy, promotes it when it is significantly better. Writes decision.json and
    /// decision.html. Exits 1 when the cycle refuses (a blocking data finding, too few labelled
    /// rows to decide), with the reason.
    Retrain(RetrainArgs),
    /// Keep models by content hash, with champion and challenger aliases.
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// Generate a synthetic subscription-customer table with a known churn mechanism.
    ///
    /// Columns: customer_id, signup_date, age, gender, region, partner, dependents, contract,
    /// internet_service, tech_support, streaming, paperless_billing, payment_method,
    /// monthly_charges, total_charges, support_calls, satisfaction, last_login_days, churned.
    /// The churn probability is a logistic function of a non-linear score (see the README) with a
    /// price-by-contract interaction; --with-truth adds it as true_churn_probability.
    Synth(SynthArgs),
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Customer table: CSV, Parquet or NDJSON, chosen by extension (see --format). Or, instead,
    /// an event log (--events).
    #[arg(long, value_name = "FILE", required_unless_present = "events", conflicts_with = "events")]
    pub data: Option<PathBuf>,
    /// Read the file as this format whatever its extension.
    #[arg(long, value_parser = choice::<Format>())]
    pub format: Option<Format>,
    /// Column with the churn outcome; it must have exactly two distinct values. (An event log's
    /// outcome comes from its snapshots.)
    #[arg(long, value_name = "COL", required_unless_present = "events", conflicts_with = "events")]
    pub target: Option<String>,
    #[command(flatten)]
    pub event_log: EventArgs,
    #[command(flatten)]
    pub snapshots: SnapshotArgs,
    /// Target value that means "churned". Default: the value that reads as yes, true or 1 (or
    /// churn, churned, exited, left), otherwise the less frequent value.
    #[arg(long, value_name = "VALUE")]
    pub positive: Option<String>,
    /// Treat COL as a customer identifier: echoed back with scores, never a feature. Repeatable.
    #[arg(long = "id", value_name = "COL")]
    pub ids: Vec<String>,
    /// Leave COL out of the model, e.g. a column derived from the outcome. Repeatable.
    #[arg(long = "drop", value_name = "COL")]
    pub drops: Vec<String>,
    /// Model family, or auto: the recipe with the best inner ROC AUC in a nested
    /// cross-validation (the card records every fold's choice).
    #[arg(long, value_parser = choice::<ModelChoice>(), default_value = "auto")]
    pub model: ModelChoice,
    /// Search hyper-parameters (penalty, knots, interaction terms, hidden sizes) by nested
    /// cross-validation: the auto candidates and seeded random draws, --tune-budget in all, of
    /// the --model family (auto: logistic and mlp).
    #[arg(long)]
    pub tune: bool,
    /// Recipes --tune tries; the auto candidates always run, even beyond it.
    #[arg(long, default_value_t = search::DEFAULT_BUDGET, value_name = "N", requires = "tune")]
    pub tune_budget: usize,
    /// Pairwise interaction terms a logistic or mlp model looks for (FAST residual search);
    /// auto and --tune choose their own. Default: 0.
    #[arg(long, value_name = "N")]
    pub interactions: Option<usize>,
    /// Segments of a number's side of an interaction term.
    #[arg(long, default_value_t = search::DEFAULT_RESOLUTION, value_name = "N")]
    pub interaction_resolution: usize,
    /// Where the piecewise-linear knots of numbers go.
    #[arg(long, value_parser = choice::<KnotRule>(), default_value = "quantile")]
    pub knots: KnotRule,
    /// Hidden layer sizes of the MLP, comma-separated: one or two layers.
    #[arg(long, value_delimiter = ',', default_value = "16", value_name = "N[,N]")]
    pub hidden: Vec<usize>,
    /// MLPs to fit from different seeds and average into one network (an ensemble, scored as
    /// one MLP): --model mlp only; --tune chooses its own.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub members: usize,
    /// L2 penalty α on weights; the objective is Σ log-loss + α/2·‖W‖² (scikit-learn's C = 1/α).
    /// Default: 1 for logistic, 20 for mlp.
    #[arg(long, value_name = "ALPHA")]
    pub l2: Option<f64>,
    /// Most optimiser iterations per fit (L-BFGS's, or Newton's method's for a logistic regression
    /// of up to a few hundred encoded columns). Default: 1000 for logistic, 150 for mlp.
    #[arg(long, value_name = "N")]
    pub max_iter: Option<u64>,
    /// Quantile bins of the piecewise-linear encoding of numbers.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub bins: usize,
    /// Most one-hot levels per category column; rarer levels share one "other" slot.
    #[arg(long, default_value_t = 32, value_name = "N")]
    pub max_levels: usize,
    /// Training rows a category level needs to get its own slot.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub min_level_count: usize,
    /// Cross-validation folds (stratified by the target). Default: 5, or fewer (down to 2) for a
    /// table so large that each fold's model still trains on 200,000 rows or more.
    #[arg(long, value_name = "K")]
    pub folds: Option<usize>,
    /// Seed for fold assignment and initialisation; the same data, flags and seed give a
    /// byte-identical model file.
    #[arg(long, default_value_t = 42, value_name = "N")]
    pub seed: u64,
    /// Probability calibration, fitted on out-of-fold logits.
    #[arg(long, value_parser = choice::<CalibrationMethod>(), default_value = "platt")]
    pub calibration: CalibrationMethod,
    /// How the decision threshold is chosen on out-of-fold probabilities: max-profit (the
    /// campaign in --economics), max-f1, or recall=R (the highest threshold reaching recall R).
    #[arg(long, default_value = "max-profit", value_name = "RULE")]
    pub threshold: ThresholdRule,
    /// The retention campaign, per customer: value kept when a churner stays (clv), cost of the
    /// offer to whoever accepts it (offer_cost), share of contacted churners who accept and stay
    /// (accept_rate), cost of one contact (contact_cost). Unnamed ones keep their default.
    #[arg(
        long,
        default_value = "clv=500,offer_cost=50,accept_rate=0.3,contact_cost=2",
        value_name = "K=V,..."
    )]
    pub economics: Economics,
    /// Model name shown in cards and API answers. Default: the data file's name, no extension.
    #[arg(long)]
    pub name: Option<String>,
    /// Directory to write model.churn and model-card.json into; created if needed.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Let training go ahead despite a blocking data finding with this code (e.g. leakage, when
    /// the column really is known before churn). Repeatable.
    #[arg(long = "allow", value_name = "CODE", value_parser = FindingCode::parse)]
    pub allow: Vec<FindingCode>,
    /// Add the trained model to this registry directory; the first model becomes champion.
    #[arg(long, value_name = "DIR")]
    pub register: Option<PathBuf>,
    /// Do not write report.html next to the model.
    #[arg(long)]
    pub no_report: bool,
    /// Print the model card as JSON on stdout instead of the human summary.
    #[arg(long)]
    pub json: bool,
    /// Train on a Parquet file too large for memory: read it in chunks, choose the recipe (with
    /// --model auto) and fit the encoders on a sample, train by mini-batch Adam over --epochs
    /// passes, and evaluate on held-out rows (--holdout) dealt into --folds parts instead of
    /// cross-validating. A Parquet file that would need more than --memory in memory (or 80 % of
    /// what is available, or CHURN_MEMORY_LIMIT_MB) is streamed without it, with a note.
    #[arg(long, help_heading = "Streaming")]
    pub stream: bool,
    /// Memory budget in MB. In memory, training plans to stay within it: a Parquet file that would
    /// need more is streamed, with a note. With --stream, the most data held at once (the sample,
    /// one read of whole row groups, one chunk), whatever the file's size; the program itself
    /// adds about 130 MB.
    #[arg(long, default_value_t = StreamOptions::DEFAULT_MEMORY_MB, value_name = "MB", help_heading = "Streaming")]
    pub memory: u64,
    /// Passes over the training rows with --stream. Default: 3, or as many as make 1,000 Adam
    /// steps on smaller files (at most 100).
    #[arg(long, value_name = "N", requires = "stream", help_heading = "Streaming")]
    pub epochs: Option<usize>,
    /// Share of rows held out for evaluation, calibration and the threshold with --stream.
    #[arg(
        long,
        default_value_t = StreamOptions::DEFAULT_HOLDOUT,
        value_name = "SHARE",
        requires = "stream",
        help_heading = "Streaming"
    )]
    pub holdout: f64,
    /// Rows per Adam step with --stream.
    #[arg(
        long,
        default_value_t = StreamOptions::DEFAULT_BATCH_SIZE,
        value_name = "N",
        requires = "stream",
        help_heading = "Streaming"
    )]
    pub batch_size: usize,
    /// Adam's initial step size with --stream; it decays along a cosine to a twentieth.
    /// Default: 0.03 for logistic, 0.01 for mlp.
    #[arg(long, value_name = "RATE", requires = "stream", help_heading = "Streaming")]
    pub learning_rate: Option<f64>,
}

/// Most MLPs `--members` averages.
pub const MAX_MEMBERS: usize = 8;
/// Most units in a hidden layer, counting every member of an ensemble.
pub const MAX_HIDDEN: usize = 1024;

impl TrainArgs {
    pub fn into_options(self) -> Result<TrainOptions> {
        self.check_sizes()?;
        let fit = self.fit_options()?;
        let stream = if self.stream { Some(self.stream_options()?) } else { None };
        let (model, search, families) = self.search()?;
        self.check_members()?;
        let source = self.data.as_ref().or(self.event_log.events.as_ref());
        let name = self.name.unwrap_or_else(|| {
            source
                .and_then(|d| d.file_stem())
                .map_or_else(|| "churn-model".into(), |s| s.to_string_lossy().into_owned())
        });
        Ok(TrainOptions {
            columns: InferOptions {
                target: self.target.unwrap_or_default(),
                positive: self.positive,
                ids: self.ids,
                drops: self.drops,
                max_levels: self.max_levels,
                min_level_count: self.min_level_count,
            },
            model,
            hidden: self.hidden,
            members: self.members,
            fit,
            encoding: EncodingOptions {
                bins: self.bins,
                knots: self.knots,
                max_levels: self.max_levels,
                min_level_count: self.min_level_count,
            },
            pairs: PairOptions {
                pairs: self.interactions.unwrap_or(0),
                resolution: self.interaction_resolution,
            },
            search,
            families,
            folds: self.folds.map_or(Folds::BySize, Folds::Given),
            seed: self.seed,
            name,
            calibration: self.calibration,
            threshold: self.threshold,
            economics: self.economics,
            allow: self.allow,
            stream,
            memory_mb: self.memory,
        })
    }

    /// Every count and size within its range.
    fn check_sizes(&self) -> Result<()> {
        let usage = |m: String| Err(Error::Usage(m));
        if self.hidden.is_empty()
            || self.hidden.len() > 2
            || self.hidden.iter().any(|&h| h == 0 || h > MAX_HIDDEN)
        {
            return usage(format!(
                "--hidden takes one or two layer sizes between 1 and {MAX_HIDDEN}, got {:?}",
                self.hidden
            ));
        }
        if !(1..=256).contains(&self.bins) {
            return usage(format!("--bins must be between 1 and 256, got {}", self.bins));
        }
        if self.max_levels == 0 || self.min_level_count == 0 {
            return usage("--max-levels and --min-level-count must be at least 1".into());
        }
        if let Some(k) = self.folds
            && !(2..=100).contains(&k)
        {
            return usage(format!("--folds must be between 2 and 100, got {k}"));
        }
        if !(2..=pipeline::MAX_SIDE_KNOTS - 1).contains(&self.interaction_resolution) {
            return usage(format!(
                "--interaction-resolution must be between 2 and {}, got {}",
                pipeline::MAX_SIDE_KNOTS - 1,
                self.interaction_resolution
            ));
        }
        if let Some(n) = self.interactions
            && n > pipeline::MAX_INTERACTIONS
        {
            return usage(format!("--interactions must be at most {}, got {n}", pipeline::MAX_INTERACTIONS));
        }
        if self.tune && !(1..=1000).contains(&self.tune_budget) {
            return usage(format!("--tune-budget must be between 1 and 1000, got {}", self.tune_budget));
        }
        Ok(())
    }

    /// The model family, how the recipe is chosen, and the families the choice ranges over.
    fn search(&self) -> Result<(ModelKind, Search, Vec<ModelKind>)> {
        let tune = Search::Tune { budget: self.tune_budget };
        let (model, search, families) = match (self.model, self.tune) {
            (ModelChoice::Auto, false) => {
                (ModelKind::Logistic, Search::Auto, vec![ModelKind::Logistic, ModelKind::Mlp])
            }
            (ModelChoice::Auto, true) => {
                (ModelKind::Logistic, tune, vec![ModelKind::Logistic, ModelKind::Mlp])
            }
            (ModelChoice::Family(k), false) => (k, Search::Fixed, vec![k]),
            (ModelChoice::Family(k), true) => (k, tune, vec![k]),
        };
        if self.stream && self.tune {
            return Err(Error::Usage(
                "--stream chooses among auto's recipes on its sample; it takes no --tune (tune on a sample of \
                 the table written as a file of its own)"
                    .into(),
            ));
        }
        if search != Search::Fixed && self.interactions.is_some() {
            return Err(Error::Usage(format!(
                "--interactions sets the terms of one recipe; {} chooses its own (use --model logistic \
                 --interactions {} to fix them)",
                if self.tune { "--tune" } else { "--model auto" },
                self.interactions.unwrap_or(0)
            )));
        }
        Ok((model, search, families))
    }

    /// `--members`: an ensemble of MLPs, within the units a layer may have.
    fn check_members(&self) -> Result<()> {
        if self.members == 1 {
            return Ok(());
        }
        let usage = |m: String| Err(Error::Usage(m));
        if !(1..=MAX_MEMBERS).contains(&self.members) {
            return usage(format!("--members must be between 1 and {MAX_MEMBERS}, got {}", self.members));
        }
        let widest = self.hidden.iter().copied().max().unwrap_or(1);
        if self.members * widest > MAX_HIDDEN {
            return usage(format!(
                "--members {} of --hidden {widest} makes layers of {} units; an ensemble takes at most \
                 {MAX_HIDDEN} units per layer in all",
                self.members,
                self.members * widest
            ));
        }
        if self.model != ModelChoice::Family(ModelKind::Mlp) || self.tune || self.stream {
            return usage(format!(
                "--members {} averages MLPs: it needs --model mlp, without --tune (which chooses its own) \
                 and without --stream",
                self.members
            ));
        }
        Ok(())
    }

    /// The penalty and iteration limit, with each model family's defaults.
    fn fit_options(&self) -> Result<FitOptions> {
        let family = match self.model {
            ModelChoice::Auto => ModelKind::Logistic,
            ModelChoice::Family(k) => k,
        };
        let l2 = self.l2.unwrap_or(match family {
            ModelKind::Logistic => 1.0,
            ModelKind::Mlp => 20.0,
        });
        if !(l2.is_finite() && l2 >= 0.0) {
            return Err(Error::Usage(format!("--l2 must be a non-negative number, got {l2}")));
        }
        let max_iter = self.max_iter.unwrap_or(match family {
            ModelKind::Logistic => 1000,
            // More iterations fit the training rows closer, not the held-out ones better: from
            // 100 to 400 the CV ROC AUC moved by less than 0.0016 on Telco, bank and the demo
            // data, a sixth of its sd across folds, and was best at 100–150 on two of the three.
            ModelKind::Mlp => 150,
        });
        if max_iter == 0 {
            return Err(Error::Usage("--max-iter must be at least 1".into()));
        }
        Ok(FitOptions::new(l2, max_iter))
    }

    /// The `--stream` flags, checked.
    fn stream_options(&self) -> Result<StreamOptions> {
        let usage = |m: String| Err(Error::Usage(m));
        if !(256..=1_048_576).contains(&self.memory) {
            return usage(format!("--memory must be between 256 and 1048576 MB, got {}", self.memory));
        }
        if let Some(e) = self.epochs
            && !(1..=1000).contains(&e)
        {
            return usage(format!("--epochs must be between 1 and 1000, got {e}"));
        }
        if !(self.holdout > 0.0 && self.holdout < 1.0) {
            return usage(format!("--holdout must be a share between 0 and 1, got {}", self.holdout));
        }
        if !(1..=1_000_000).contains(&self.batch_size) {
            return usage(format!("--batch-size must be between 1 and 1000000, got {}", self.batch_size));
        }
        if let Some(rate) = self.learning_rate
            && !(rate.is_finite() && rate > 0.0)
        {
            return usage(format!("--learning-rate must be a positive number, got {rate}"));
        }
        Ok(StreamOptions {
            memory_mb: self.memory,
            epochs: self.epochs,
            holdout: self.holdout,
            batch_size: self.batch_size,
            learning_rate: self.learning_rate,
        })
    }
}

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// A model file written by `churn train`; with --registry, an id, a unique prefix,
    /// `champion` or `challenger`.
    #[arg(long, value_name = "MODEL")]
    pub model: String,
    /// Look the model up in this registry instead of reading it as a file.
    #[arg(long, value_name = "DIR")]
    pub registry: Option<PathBuf>,
    /// Customer table to score: CSV, Parquet or NDJSON, with the columns the model was trained on.
    /// For a model of an event log, --events instead.
    #[arg(long, value_name = "FILE", required_unless_present = "events", conflicts_with = "events")]
    pub data: Option<PathBuf>,
    #[command(flatten)]
    pub event_log: EventArgs,
    /// With --events: score the customers active at this date (YYYY-MM-DD, midnight UTC), from
    /// their events before it. Default: midnight after the last event.
    #[arg(long, value_name = "DATE", requires = "events", value_parser = as_of, help_heading = "Event logs")]
    pub as_of: Option<i64>,
    /// Read the data as this format whatever its extension.
    #[arg(long, value_parser = choice::<Format>())]
    pub format: Option<Format>,
    /// Where to write the scores (CSV): identifier columns, probability, risk_band, decision,
    /// and error for rows that could not be scored.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Score only shard I of N (I from 0): the rows from I·R/N up to (I+1)·R/N of a file of R
    /// rows, so N workers (a Kubernetes Indexed Job) cover the file, each row once, in order. A
    /// Parquet shard reads only its row groups.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// Print a JSON summary on stdout instead of the human one.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Customer table: CSV, Parquet or NDJSON. Or, instead, an event log (--events): the report
    /// covers the log and the snapshot rows training would build from it.
    #[arg(long, value_name = "FILE", required_unless_present = "events", conflicts_with = "events")]
    pub data: Option<PathBuf>,
    #[command(flatten)]
    pub event_log: EventArgs,
    #[command(flatten)]
    pub snapshots: SnapshotArgs,
    #[arg(long, value_parser = choice::<Format>())]
    pub format: Option<Format>,
    /// The churn outcome column: adds the target checks, class balance and leakage.
    #[arg(long, value_name = "COL")]
    pub target: Option<String>,
    /// Target value that means "churned" (as for train).
    #[arg(long, value_name = "VALUE")]
    pub positive: Option<String>,
    /// Treat COL as an identifier (as for train). Repeatable.
    #[arg(long = "id", value_name = "COL")]
    pub ids: Vec<String>,
    /// Leave COL out (as for train). Repeatable.
    #[arg(long = "drop", value_name = "COL")]
    pub drops: Vec<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

impl ValidateArgs {
    pub fn infer_options(&self) -> InferOptions {
        InferOptions {
            target: self.target.clone().unwrap_or_default(),
            positive: self.positive.clone(),
            ids: self.ids.clone(),
            drops: self.drops.clone(),
            max_levels: 32,
            min_level_count: 10,
        }
    }
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    /// A model file written by `churn train`.
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// New customers (the model's input columns; the target may be absent).
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    #[arg(long, value_parser = choice::<Format>())]
    pub format: Option<Format>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// A model file written by `churn train`.
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// Customers with known outcomes, in the model's target column.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    #[arg(long, value_parser = choice::<Format>())]
    pub format: Option<Format>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The two models, A then B: model files, or with --registry ids, unique prefixes,
    /// `champion` or `challenger`.
    #[arg(long = "model", value_name = "MODEL", required = true, num_args = 1)]
    pub models: Vec<String>,
    /// Customers with known outcomes, in the models' target column.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    #[arg(long, value_parser = choice::<Format>())]
    pub format: Option<Format>,
    /// Look the models up in this registry instead of reading them as files.
    #[arg(long, value_name = "DIR")]
    pub registry: Option<PathBuf>,
    #[command(flatten)]
    pub test: TestArgs,
    /// Seed of the bootstrap: the same seed gives the same figures.
    #[arg(long, default_value_t = 42, value_name = "N")]
    pub seed: u64,
    /// The campaign profit is counted for (as for train). Default: model A's.
    #[arg(long, value_name = "K=V,...")]
    pub economics: Option<Economics>,
    /// Print the comparison as JSON.
    #[arg(long)]
    pub json: bool,
}

impl CompareArgs {
    pub fn options(&self) -> Result<CompareOptions> {
        if self.models.len() != 2 {
            return Err(Error::Usage(format!(
                "compare takes exactly two models (--model A --model B), got {}",
                self.models.len()
            )));
        }
        self.test.options(self.seed, self.economics)
    }
}

/// How two models are tested against each other, in compare and retrain.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// The metric the verdict is read from.
    #[arg(long, value_parser = choice::<Metric>(), default_value = "roc-auc")]
    pub metric: Metric,
    /// Significance level of the verdict and of the confidence intervals (two-sided).
    #[arg(long, default_value_t = CompareOptions::DEFAULT_ALPHA, value_name = "A")]
    pub alpha: f64,
    /// Bootstrap resamples for log loss and profit.
    #[arg(long, default_value_t = CompareOptions::DEFAULT_RESAMPLES, value_name = "N")]
    pub resamples: usize,
}

impl TestArgs {
    fn options(&self, seed: u64, economics: Option<Economics>) -> Result<CompareOptions> {
        if !(self.alpha > 0.0 && self.alpha < 0.5) {
            return Err(Error::Usage(format!(
                "--alpha must be between 0 and 0.5 (e.g. 0.05), got {}",
                self.alpha
            )));
        }
        if !(100..=100_000).contains(&self.resamples) {
            return Err(Error::Usage(format!(
                "--resamples must be between 100 and 100000, got {}",
                self.resamples
            )));
        }
        Ok(CompareOptions {
            alpha: self.alpha,
            metric: self.metric,
            resamples: self.resamples,
            seed,
            economics,
        })
    }
}

#[derive(Debug, Args)]
pub struct RetrainArgs {
    /// The registry folder; its champion is what the retrained model must beat.
    #[arg(long, value_name = "DIR")]
    pub registry: PathBuf,
    /// New labelled customers: CSV, Parquet or NDJSON.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    #[arg(long, value_parser = choice::<Format>())]
    pub format: Option<Format>,
    /// What a significantly better retrained model becomes.
    #[arg(long, value_parser = choice::<Policy>(), default_value = "champion")]
    pub policy: Policy,
    /// Share of the labelled rows held out (stratified) for the comparison.
    #[arg(long, default_value_t = RetrainOptions::DEFAULT_HOLDOUT, value_name = "SHARE")]
    pub holdout: f64,
    #[command(flatten)]
    pub test: TestArgs,
    /// Seed of the holdout and the bootstrap (training uses the champion's seed).
    #[arg(long, default_value_t = 42, value_name = "N")]
    pub seed: u64,
    /// Folder for decision.json, decision.html and the challenger's files. Default:
    /// DIR/retrain/RUN, RUN a hash of the data, the champion and these options.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print the decision record as JSON.
    #[arg(long)]
    pub json: bool,
}

impl RetrainArgs {
    pub fn options(&self) -> Result<RetrainOptions> {
        if !(self.holdout > 0.0 && self.holdout < 1.0) {
            return Err(Error::Usage(format!(
                "--holdout must be a share between 0 and 1, got {}",
                self.holdout
            )));
        }
        Ok(RetrainOptions {
            policy: self.policy,
            holdout: self.holdout,
            seed: self.seed,
            compare: self.test.options(self.seed, None)?,
            out: self.out.clone(),
        })
    }
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A model file written by `churn train`.
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// Training (or other labelled) data for partial-dependence plots averaged over customers;
    /// without it, feature effects are shown around the model's typical customer.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    #[arg(long, value_parser = choice::<Format>())]
    pub format: Option<Format>,
    /// Where to write the HTML file.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// List the models in a registry, newest first, with their aliases.
    List {
        /// The registry folder.
        #[arg(long, value_name = "DIR", default_value = "models")]
        dir: PathBuf,
        /// Print registry.json: aliases, models and the history of alias changes.
        #[arg(long)]
        json: bool,
    },
    /// Show one model: its card summary, file and aliases.
    Show {
        /// The registry folder.
        #[arg(long, value_name = "DIR", default_value = "models")]
        dir: PathBuf,
        /// Model id (or a unique prefix of it), `champion` or `challenger`.
        model: String,
        /// Print the model's registry entry and card as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Store a model file (and the model-card.json beside it) under its content hash.
    Add {
        /// The registry folder.
        #[arg(long, value_name = "DIR", default_value = "models")]
        dir: PathBuf,
        /// A model file written by `churn train`.
        file: PathBuf,
    },
    /// Point an alias at a model: champion (default) or challenger.
    Promote {
        /// The registry folder.
        #[arg(long, value_name = "DIR", default_value = "models")]
        dir: PathBuf,
        /// Model id (or a unique prefix), or `challenger` to promote the current challenger.
        model: String,
        /// The alias to set.
        #[arg(long = "as", value_parser = choice::<Alias>(), default_value = "champion")]
        alias: Alias,
    },
    /// Make the previous champion the champion again.
    Rollback {
        /// The registry folder.
        #[arg(long, value_name = "DIR", default_value = "models")]
        dir: PathBuf,
    },
    /// Print the path of a model's file, for scripts: `churn registry path champion`.
    Path {
        /// The registry folder.
        #[arg(long, value_name = "DIR", default_value = "models")]
        dir: PathBuf,
        /// Model id (or a unique prefix of it), `champion` or `challenger`.
        model: String,
    },
}

/// An event log as input: the files and the columns, when they are not found from the cells.
#[derive(Clone, Debug, Default, Args)]
pub struct EventArgs {
    /// Event log: CSV, Parquet or NDJSON, one row an event: a customer id, a time (ISO 8601), and
    /// optionally an event type and numeric values. Training builds a row per customer active at
    /// each snapshot time, with behaviour features from its events before it.
    #[arg(long, value_name = "FILE", help_heading = "Event logs")]
    pub events: Option<PathBuf>,
    /// Customer table of the event log: its id, static attributes, and lifecycle dates (start,
    /// and an end date for customers who left).
    #[arg(long, value_name = "FILE", requires = "events", help_heading = "Event logs")]
    pub customers: Option<PathBuf>,
    /// The event log's customer id column. Default: the column it shares with --customers, else
    /// its first column.
    #[arg(long, value_name = "COL", requires = "events", help_heading = "Event logs")]
    pub event_id: Option<String>,
    /// The event log's time column. Default: the one column of timestamps.
    #[arg(long, value_name = "COL", requires = "events", help_heading = "Event logs")]
    pub event_time: Option<String>,
    /// The event log's event type column. Default: its one other text column, if any.
    #[arg(long, value_name = "COL", requires = "events", help_heading = "Event logs")]
    pub event_type: Option<String>,
    /// The customer table's start date column. Default: its date column without gaps.
    #[arg(long, value_name = "COL", requires = "customers", help_heading = "Event logs")]
    pub start: Option<String>,
    /// The customer table's end (cancellation) date column. Default: its date column with gaps.
    #[arg(long, value_name = "COL", requires = "customers", help_heading = "Event logs")]
    pub end: Option<String>,
}

impl EventArgs {
    pub fn log_options(&self) -> Option<crate::input::events::LogOptions> {
        Some(crate::input::events::LogOptions {
            events: self.events.clone()?,
            customers: self.customers.clone(),
            id: self.event_id.clone(),
            time: self.event_time.clone(),
            kind: self.event_type.clone(),
            start: self.start.clone(),
            end: self.end.clone(),
            types: None,
            values: None,
        })
    }
}

/// How training takes snapshots of an event log.
#[derive(Clone, Debug, Args)]
pub struct SnapshotArgs {
    /// Windows of the behaviour features, before each snapshot, comma-separated (days: 7, 7d, 4w).
    #[arg(long, value_delimiter = ',', default_value = "7,28,90", value_parser = days, value_name = "DAYS,...", requires = "events", help_heading = "Event logs")]
    pub windows: Vec<u32>,
    /// Days between snapshot times.
    #[arg(long, default_value = "28", value_parser = days, value_name = "DAYS", requires = "events", help_heading = "Event logs")]
    pub every: u32,
    /// Churn is counted in the days after a snapshot up to this horizon.
    #[arg(long, default_value = "30", value_parser = days, value_name = "DAYS", requires = "events", help_heading = "Event logs")]
    pub horizon: u32,
    /// Without end dates, a customer is active at a snapshot with an event in these days before it.
    #[arg(long, default_value = "90", value_parser = days, value_name = "DAYS", requires = "events", help_heading = "Event logs")]
    pub active: u32,
}

impl SnapshotArgs {
    pub fn options(&self) -> crate::input::snapshots::SnapshotOptions {
        crate::input::snapshots::SnapshotOptions {
            windows: self.windows.clone(),
            every: self.every,
            horizon: self.horizon,
            active: self.active,
        }
    }
}

/// Days, written `28`, `28d` or `4w`, from 1 to ten years.
fn days(text: &str) -> std::result::Result<u32, String> {
    let t = text.trim();
    let (number, unit) = match t.strip_suffix(['d', 'D']) {
        Some(n) => (n, 1),
        None => match t.strip_suffix(['w', 'W']) {
            Some(n) => (n, 7),
            None => (t, 1),
        },
    };
    let n: u32 =
        number.trim().parse().map_err(|_| format!("\"{text}\" is not a number of days (28, 28d, 4w)"))?;
    let d = n.saturating_mul(unit);
    let max = scorer_wasm::events::MAX_DAYS;
    if (1..=max).contains(&d) { Ok(d) } else { Err(format!("{d} days is not between 1 and {max}")) }
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Number of customers.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    pub rows: u64,
    /// Seed: the same seed gives the same table.
    #[arg(long, default_value_t = 42, value_name = "N")]
    pub seed: u64,
    /// Output file; the extension picks CSV, Parquet or NDJSON (see --format).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Write as this format whatever the extension.
    #[arg(long, value_parser = choice::<Format>())]
    pub format: Option<Format>,
    /// Change the churn mechanism, from 0 (the documented one) to 1 (a competitor's fibre
    /// offer and a price war: contracts hold less, price matters on every contract, tech support
    /// stops helping, disengagement shows sooner). The same seed draws the same customers.
    #[arg(long, default_value_t = 0.0, value_name = "AMOUNT")]
    pub concept_drift: f64,
    /// Shift the inputs, keeping the mechanism, from 0 to 1: more first-year customers, more
    /// fibre, prices up to 15% higher, more disengaged customers.
    #[arg(long, default_value_t = 0.0, value_name = "AMOUNT")]
    pub covariate_shift: f64,
    /// Add the true churn probability as a column (true_churn_probability). Drop it when
    /// training: it is the answer.
    #[arg(long)]
    pub with_truth: bool,
    /// Print the summary (rows, churn rate, the true probability's ROC AUC) as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Write an event log instead: --out is a folder that gets events, customers and truth
    /// files (CSV, or --format), --rows customers whose churn follows their behaviour.
    #[arg(long, conflicts_with_all = ["concept_drift", "covariate_shift", "with_truth"])]
    pub events: bool,
}

/// A date or timestamp (ISO 8601) as seconds since 1970-01-01 UTC.
fn as_of(text: &str) -> std::result::Result<i64, String> {
    scorer_wasm::events::parse_timestamp(text)
        .map(|(t, _)| t)
        .ok_or_else(|| format!("\"{text}\" is not a date (YYYY-MM-DD) or an ISO 8601 time"))
}

/// A flag's parser for a [`Code`] enum: clap lists and checks the values the domain knows (with
/// their help), so the two cannot disagree, and no domain type derives anything from clap.
fn choice<T: Code>() -> impl TypedValueParser<Value = T> {
    let values = T::ALL.iter().map(|v| {
        let value = PossibleValue::new(v.as_str());
        if v.help().is_empty() { value } else { value.help(v.help()) }
    });
    // The parser only lets through the names of `ALL`, so `parse` finds each of them.
    PossibleValuesParser::new(values).map(|name| T::parse(&name).unwrap_or(T::ALL[0]))
}
