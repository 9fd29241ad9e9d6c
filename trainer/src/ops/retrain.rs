//! `churn retrain`: one unattended cycle of the production loop, for a scheduler to run.
//!
//! 1. The registry's champion and the settings its card records.
//! 2. The new data's checks (as `churn validate`) and its drift from the champion's training data
//!    (as `churn drift`).
//! 3. A stratified holdout of the new data that neither model trains on; a challenger trained on
//!    the rest with the champion's settings and seed.
//! 4. The two compared on the holdout (`churn compare`).
//! 5. The challenger registered, and by policy promoted: to champion, or to challenger for a
//!    traffic split, when it is significantly better; otherwise the champion stays.
//!
//! Refusals (a blocking data finding, a target that cannot be read, too few labelled rows in the
//! holdout) are decisions too, with their reason, and change nothing. The same registry state,
//! data, options and seed give the same decision, and running a cycle twice registers nothing
//! twice: a model's id is its content hash, and training is deterministic.

use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use scorer_wasm::Model;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::code::Code;
use crate::error::{Error, Result};
use crate::input::data::{Format, Table, read_table};
use crate::model::card::ModelCard;
use crate::monitor::compare::{self, CompareOptions, Comparison, Preference};
use crate::monitor::drift::{self, DriftReport};
use crate::monitor::predict::load_model;
use crate::ops::registry::{Alias, Event, Registry, Update};
use crate::prepare::validate::{Finding, Validation};
use crate::stats::folds;
use crate::training::train::{self, TrainOptions};

/// Churners and non-churners the holdout needs, each, for a comparison worth deciding on.
pub const MIN_HOLDOUT_PER_CLASS: usize = 30;

/// What a significantly better challenger becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    Champion,
    Challenger,
    Register,
}

impl Code for Policy {
    const ALL: &'static [Policy] = &[Policy::Champion, Policy::Challenger, Policy::Register];
    const WHAT: &'static str = "policy";
    fn as_str(self) -> &'static str {
        match self {
            Policy::Champion => "champion",
            Policy::Challenger => "challenger",
            Policy::Register => "register",
        }
    }
    fn help(self) -> &'static str {
        match self {
            Policy::Champion => "Promote a significantly better model to champion",
            Policy::Challenger => {
                "Make a significantly better model the challenger, for a traffic split before the switch"
            }
            Policy::Register => "Register the retrained model and move no alias",
        }
    }
}
crate::serialize_as_code!(Policy);

/// What a cycle decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The retrained model became champion.
    PromoteChampion,
    /// The retrained model became challenger.
    PromoteChallenger,
    /// The champion stays; the retrained model is registered only.
    KeepChampion,
    /// Nothing was trained or changed; `reasons` say why.
    Refused,
}

impl Code for Outcome {
    const ALL: &'static [Outcome] =
        &[Outcome::PromoteChampion, Outcome::PromoteChallenger, Outcome::KeepChampion, Outcome::Refused];
    const WHAT: &'static str = "outcome";
    fn as_str(self) -> &'static str {
        match self {
            Outcome::PromoteChampion => "promote_champion",
            Outcome::PromoteChallenger => "promote_challenger",
            Outcome::KeepChampion => "keep_champion",
            Outcome::Refused => "refused",
        }
    }
}
crate::serialize_as_code!(Outcome);

/// How a cycle runs.
#[derive(Clone, Debug)]
pub struct RetrainOptions {
    pub policy: Policy,
    /// Share of the labelled rows held out for the comparison.
    pub holdout: f64,
    /// Seed of the holdout split and the comparison's bootstrap (training uses the champion's).
    pub seed: u64,
    pub compare: CompareOptions,
    /// Where the decision record and the challenger's files go; `None`: a folder of the registry
    /// named after the cycle's inputs (`retrain/<run>`).
    pub out: Option<PathBuf>,
}

impl RetrainOptions {
    pub const DEFAULT_HOLDOUT: f64 = 0.25;
}

/// A model as the record shows it.
#[derive(Clone, Debug, Serialize)]
pub struct ModelSummary {
    pub id: String,
    pub name: String,
    pub model: String,
    pub trained_on: String,
    pub training_rows: u64,
    /// Its card's cross-validated ROC AUC (mean over folds).
    pub cv_roc_auc: f64,
}

impl ModelSummary {
    fn of(id: &str, card: &ModelCard) -> ModelSummary {
        ModelSummary {
            id: id.to_string(),
            name: card.name.clone(),
            model: card.model.clone(),
            trained_on: card.data.source.clone(),
            training_rows: card.data.rows,
            cv_roc_auc: card.cv.roc_auc.mean,
        }
    }
}

/// The data checks, as far as the decision needs them.
#[derive(Clone, Debug, Serialize)]
pub struct Checks {
    pub rows: u64,
    pub blocking: bool,
    /// Blocking findings and warnings (notices left out).
    pub findings: Vec<Finding>,
}

/// The rows held out.
#[derive(Clone, Debug, Serialize)]
pub struct Holdout {
    pub share: f64,
    pub rows: u64,
    pub positives: u64,
    pub seed: u64,
}

/// The decision record: everything a person needs to audit a cycle afterwards.
#[derive(Clone, Debug, Serialize)]
pub struct Decision {
    /// The cycle's key: a hash of the data file, the champion, the options and the seed.
    pub run: String,
    pub at: String,
    pub registry: String,
    pub data: String,
    pub data_sha256: String,
    pub policy: Policy,
    pub outcome: Outcome,
    /// Why, in sentences.
    pub reasons: Vec<String>,
    pub champion: ModelSummary,
    pub checks: Option<Checks>,
    pub drift: Option<DriftReport>,
    pub holdout: Option<Holdout>,
    pub challenger: Option<ModelSummary>,
    /// False when the retrained model was in the registry already (a repeated cycle).
    pub registered_new: bool,
    /// Champion (A) against the retrained model (B) on the holdout.
    pub comparison: Option<Comparison>,
    /// The alias change made, if any.
    pub event: Option<Event>,
    /// Where this record and the challenger's files are.
    pub folder: String,
}

/// Runs one cycle on `data` against the champion of the registry in `dir`.
pub fn retrain(
    dir: &Path,
    data: &Path,
    format: Option<Format>,
    opts: &RetrainOptions,
    progress: &ProgressBar,
) -> Result<Decision> {
    let champion = Champion::open(dir)?;
    let mut decision = champion.decision(dir, data, opts)?;
    progress.set_message("checking the new data");
    let table = read_table(data, format)?;
    let (training, holdout) = match checked_split(&mut decision, &champion, table, opts)? {
        Ok(parts) => parts,
        Err(reasons) => return Ok(refuse(decision, reasons)),
    };
    progress.set_message("training the challenger");
    let mut training = training;
    let trained = train::train(&mut training, &champion.settings, progress)?;
    let challenger = Challenger {
        path: trained.write(&Path::new(&decision.folder).join("challenger"))?.model,
        id: trained.model.id().to_string(),
    };
    decision.challenger = Some(ModelSummary::of(&challenger.id, &trained.card));
    progress.set_message("comparing on the holdout");
    let comparison = compare::compare(&champion.model, &trained.model, &holdout, &opts.compare)?;
    decide(decision, dir, &champion.id, &challenger, comparison, opts)
}

/// The registry's champion: its id, the model, and the settings its card records.
struct Champion {
    id: String,
    model: Model,
    card: ModelCard,
    settings: TrainOptions,
}

impl Champion {
    fn open(dir: &Path) -> Result<Champion> {
        let registry = Registry::open_existing(dir)?;
        let Some(id) = registry.alias(Alias::Champion).map(str::to_string) else {
            return Err(Error::Usage(format!(
                "the registry {} has no champion to retrain: register a first model with churn train --register {}",
                dir.display(),
                dir.display()
            )));
        };
        let model = load_model(&registry.model_path(registry.resolve(&id)?))?;
        let card = ModelCard::of(&model)?;
        let settings = TrainOptions::recorded(&card)?;
        Ok(Champion { id, model, card, settings })
    }

    /// The record of a cycle on `data` against it, before anything is decided.
    fn decision(&self, dir: &Path, data: &Path, opts: &RetrainOptions) -> Result<Decision> {
        let data_sha256 = file_sha256(data)?;
        let run = run_key(&data_sha256, &self.id, opts);
        let folder = opts.out.clone().unwrap_or_else(|| dir.join("retrain").join(&run));
        Ok(Decision {
            run,
            at: crate::ops::registry::now(),
            registry: dir.display().to_string(),
            data: data.display().to_string(),
            data_sha256,
            policy: opts.policy,
            outcome: Outcome::Refused,
            reasons: Vec::new(),
            champion: ModelSummary::of(&self.id, &self.card),
            checks: None,
            drift: None,
            holdout: None,
            challenger: None,
            registered_new: false,
            comparison: None,
            event: None,
            folder: folder.display().to_string(),
        })
    }
}

/// The retrained model, as written.
struct Challenger {
    id: String,
    path: PathBuf,
}

/// The new data checked (as `churn validate`), its drift from the champion's (as `churn drift`),
/// and its rows split into the challenger's training rows and a stratified holdout; or the
/// reasons to refuse the cycle.
fn checked_split(
    decision: &mut Decision,
    champion: &Champion,
    table: Table,
    opts: &RetrainOptions,
) -> Result<std::result::Result<(Table, Table), Vec<String>>> {
    let (validation, decisions) = crate::prepare::examine(&table, &champion.settings.columns)?;
    decision.checks = Some(checks(&validation));
    let blockers: Vec<String> = validation
        .blockers(&champion.settings.allow)
        .map(|f| format!("blocking data finding: [{}] {}", f.code.as_str(), f.message))
        .collect();
    if !blockers.is_empty() {
        return Ok(Err(blockers));
    }
    // The champion reads the new rows for drift, as it will for the comparison: columns it does
    // not know are a change of schema, which a person should look at.
    match drift::drift(&champion.model, &table) {
        Ok(report) => decision.drift = Some(report),
        Err(e) => {
            return Ok(Err(vec![format!(
                "the new data does not fit the champion's columns ({e}); train a model for the new columns with \
                 churn train and register it"
            )]));
        }
    }
    let plan = match decisions.into_plan(&table) {
        Ok(plan) => plan,
        Err(e) => return Ok(Err(vec![format!("the data cannot be trained on: {e}")])),
    };
    let labels = &plan.target.labels;
    let (kept, held) = folds::holdout(labels, opts.holdout, opts.seed);
    let positives = held.iter().filter(|&&i| labels[i] == 1.0).count();
    let (share, seed) = (opts.holdout, opts.seed);
    decision.holdout = Some(Holdout { share, rows: held.len() as u64, positives: positives as u64, seed });
    if positives.min(held.len() - positives) < MIN_HOLDOUT_PER_CLASS {
        return Ok(Err(vec![format!(
            "too few labelled rows to decide: the holdout ({} of {} rows) has {positives} churners and {} \
             others, and a comparison needs at least {MIN_HOLDOUT_PER_CLASS} of each; retrain on more labelled \
             rows or a larger --holdout",
            held.len(),
            labels.len(),
            held.len() - positives
        )]));
    }
    Ok(Ok((table.take(&kept)?, table.take(&held)?)))
}

/// Under the registry's lock: the challenger registered, the outcome of the comparison under the
/// policy, and the alias it moves.
fn decide(
    mut decision: Decision,
    dir: &Path,
    champion_id: &str,
    challenger: &Challenger,
    comparison: Comparison,
    opts: &RetrainOptions,
) -> Result<Decision> {
    let mut registry = Update::open(dir)?;
    let now = registry.alias(Alias::Champion).map(str::to_string);
    if now.as_deref() != Some(champion_id) {
        return Err(Error::Usage(format!(
            "the champion of {} changed while retraining (from {champion_id} to {}); run the cycle again",
            dir.display(),
            now.as_deref().unwrap_or("none")
        )));
    }
    decision.registered_new = registry.add(&challenger.path)?.new;
    let already_challenger = registry.alias(Alias::Challenger) == Some(challenger.id.as_str());
    let (outcome, reason) =
        outcome(&comparison, champion_id, &challenger.id, already_challenger, opts.policy);
    decision.event = match outcome {
        Outcome::PromoteChampion => Some(registry.promote(&challenger.id, Alias::Champion)?),
        Outcome::PromoteChallenger => Some(registry.promote(&challenger.id, Alias::Challenger)?),
        Outcome::KeepChampion | Outcome::Refused => None,
    };
    decision.outcome = outcome;
    decision.reasons = vec![reason];
    decision.comparison = Some(comparison);
    Ok(decision)
}

/// What the comparison means under `policy`, and why, in a sentence.
fn outcome(
    comparison: &Comparison,
    champion_id: &str,
    challenger_id: &str,
    already_challenger: bool,
    policy: Policy,
) -> (Outcome, String) {
    let figures = compare::figures(comparison.metric, comparison.decisive(), comparison.alpha);
    if challenger_id == champion_id {
        let why = "the retrained model is the champion already (same data, settings and seed)";
        return (Outcome::KeepChampion, why.into());
    }
    if comparison.verdict != Preference::BBetter {
        let alpha = comparison.alpha;
        let why = format!("the retrained model is not significantly better at α = {alpha} ({figures})");
        return (Outcome::KeepChampion, why);
    }
    match policy {
        Policy::Champion => {
            (Outcome::PromoteChampion, format!("the retrained model is significantly better ({figures})"))
        }
        Policy::Challenger if already_challenger => (
            Outcome::KeepChampion,
            format!("the retrained model is significantly better and the challenger already ({figures})"),
        ),
        Policy::Challenger => (
            Outcome::PromoteChallenger,
            format!(
                "the retrained model is significantly better ({figures}) and becomes the challenger for a \
                 traffic split"
            ),
        ),
        Policy::Register => (
            Outcome::KeepChampion,
            format!(
                "the retrained model is significantly better ({figures}); --policy register moves no alias"
            ),
        ),
    }
}

fn refuse(mut decision: Decision, reasons: Vec<String>) -> Decision {
    decision.outcome = Outcome::Refused;
    decision.reasons = reasons;
    decision
}

fn checks(v: &Validation) -> Checks {
    Checks {
        rows: v.rows,
        blocking: v.blocking,
        findings: v
            .findings
            .iter()
            .filter(|f| f.severity != crate::prepare::validate::Severity::Notice)
            .cloned()
            .collect(),
    }
}

/// The first 12 hex digits of a hash of everything the decision depends on.
fn run_key(data_sha256: &str, champion: &str, opts: &RetrainOptions) -> String {
    let c = &opts.compare;
    let key = format!(
        "{data_sha256}|{champion}|{}|{}|{}|{}|{}|{}|{}|{:?}",
        opts.policy.as_str(),
        opts.holdout,
        opts.seed,
        c.alpha,
        c.metric.as_str(),
        c.resamples,
        c.seed,
        c.economics
    );
    hex(&Sha256::digest(key.as_bytes()))[..12].to_string()
}

/// The SHA-256 of a file, read a mebibyte at a time.
fn file_sha256(path: &Path) -> Result<String> {
    use std::io::Read;
    let io = |e| Error::io(path, e);
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer).map_err(io)?;
        if n == 0 {
            return Ok(hex(&hasher.finalize()));
        }
        hasher.update(&buffer[..n]);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
