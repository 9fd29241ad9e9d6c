//! The answers the scorer gives, as plain serializable data.
//!
//! The browser module (wasm-bindgen) and the edge functions (JSON over HTTP) serialize these same
//! types to JSON, so a score, an explanation or a schema has one shape everywhere: snake_case
//! fields, probabilities as numbers, warnings with a stable `code`.
//!
//! Each implements [`ToJson`] (see [`crate::json`] for why not serde); `to_json` writes any of
//! them. `csv.rs` scores whole CSV documents; `write.rs` holds the JSON writers.

mod csv;
mod write;

pub use csv::{BatchSummary, CsvAnswer, CsvBatchError, CsvRow, CsvRowError, score_csv, score_csv_routed};

use crate::json::{Object, ToJson};

use crate::csv::Csv;
use crate::error::{CsvError, InputError, Problem};
use crate::explain::Explanation;
use crate::model::{Band, Model, Scorer, Verdict};
use crate::pipeline::{Encoder, Role, Warning};
use crate::value::{Value, format_date};

/// A message about one input field, as every front end reports it: a warning about an accepted
/// input ([`WarningOut`]) or an error about a refused one ([`ErrorOut`]).
#[derive(Clone, Debug, PartialEq)]
pub struct FieldMessage {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

/// A warning about an accepted input.
pub type WarningOut = FieldMessage;

/// An error about one input.
pub type ErrorOut = FieldMessage;

impl From<&Warning> for WarningOut {
    fn from(w: &Warning) -> Self {
        WarningOut { field: w.field.clone(), code: w.code(), message: w.message() }
    }
}

impl From<&InputError> for ErrorOut {
    fn from(e: &InputError) -> Self {
        ErrorOut { field: e.field.clone(), code: e.code(), message: e.to_string() }
    }
}

/// The score of one customer.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored {
    /// The customer's identifier, when the model has an identifier column and it was given.
    pub id: Option<String>,
    pub probability: f64,
    pub logit: f64,
    pub risk_band: Band,
    /// `contact` at or above the model's decision threshold, otherwise `no_contact`.
    pub decision: Verdict,
    pub warnings: Vec<WarningOut>,
    /// The model that scored it, where two models share the traffic (a batch at the edge under
    /// a champion/challenger split); `None`, and not written, otherwise.
    pub model_id: Option<String>,
}

/// One input column's share of the logit.
#[derive(Clone, Debug, PartialEq)]
pub struct ContributionOut {
    pub column: String,
    pub contribution: f64,
}

/// An interaction term's whole contribution; each of its columns' contributions holds half.
#[derive(Clone, Debug, PartialEq)]
pub struct InteractionOut {
    pub columns: [String; 2],
    pub contribution: f64,
}

/// A score with its explanation: `base_logit + Σ contribution = logit`.
#[derive(Clone, Debug, PartialEq)]
pub struct Explained {
    pub id: Option<String>,
    pub probability: f64,
    pub logit: f64,
    pub risk_band: Band,
    pub decision: Verdict,
    /// Logit and probability of the model's baseline, the mean training customer.
    pub base_logit: f64,
    pub base_probability: f64,
    /// One entry per feature column, in the model's column order.
    pub contributions: Vec<ContributionOut>,
    /// One entry per interaction term (none for an additive model).
    pub interactions: Vec<InteractionOut>,
    pub warnings: Vec<WarningOut>,
}

/// How one column's contribution moved between two scenarios.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeOut {
    pub column: String,
    pub before: f64,
    pub after: f64,
    pub delta: f64,
}

/// A customer before and after changes.
#[derive(Clone, Debug, PartialEq)]
pub struct WhatIf {
    pub before: Explained,
    pub after: Explained,
    pub delta_probability: f64,
    pub delta_logit: f64,
    /// Every feature column, in the model's column order.
    pub contributions: Vec<ChangeOut>,
}

/// A value in a schema: a number or a text, as a form would hold it.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    Number(f64),
    Text(String),
}

/// A number or a string in JSON, whichever it holds.
impl ToJson for Scalar {
    fn to_json(&self, out: &mut String) {
        match self {
            Scalar::Number(x) => x.to_json(out),
            Scalar::Text(s) => s.to_json(out),
        }
    }
}

/// One input column, described for forms and validation.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnOut {
    pub name: String,
    /// `identifier`, `ignored`, `numeric`, `boolean`, `categorical` or `date`.
    pub role: &'static str,
    /// Whether a feature column had missing values in training (it then has a learned slot).
    pub missing_in_training: bool,
    /// The median, the more frequent label, the most frequent category, the median date.
    pub typical: Option<Scalar>,
    /// Numbers and dates: the range seen in training.
    pub min: Option<Scalar>,
    pub max: Option<Scalar>,
    /// Numbers: every training value was a whole number.
    pub integer: Option<bool>,
    /// Categories: the learned levels (anything else is scored as "other"). Booleans: the true
    /// and the false label.
    pub categories: Option<Vec<String>>,
    /// Ignored columns: why.
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TargetOut {
    pub name: String,
    pub positive: String,
    pub negative: String,
}

/// The inputs a model takes.
#[derive(Clone, Debug, PartialEq)]
pub struct Schema {
    pub target: TargetOut,
    pub columns: Vec<ColumnOut>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BandsOut {
    pub medium: f64,
    pub high: f64,
}

/// Which model this is and how it decides.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelInfo {
    pub id: String,
    pub checksum: String,
    pub name: String,
    /// `logistic` or `mlp`.
    pub model: String,
    pub trainer: String,
    pub format_version: u32,
    pub target: String,
    pub positive_label: String,
    pub threshold: f64,
    pub decision_rule: String,
    pub bands: BandsOut,
    pub features: usize,
}

impl Model {
    pub fn info(&self) -> ModelInfo {
        let meta = self.meta();
        let spec = self.spec();
        ModelInfo {
            id: self.id().to_string(),
            checksum: self.checksum().to_string(),
            name: meta.name.clone(),
            model: meta.kind.clone(),
            trainer: meta.trainer.clone(),
            format_version: self.format_version(),
            target: spec.target.name.clone(),
            positive_label: spec.target.positive.clone(),
            threshold: spec.decision.threshold,
            decision_rule: spec.decision.rule.clone(),
            bands: BandsOut { medium: spec.bands.medium, high: spec.bands.high },
            features: self.width(),
        }
    }

    pub fn schema(&self) -> Schema {
        let t = self.target();
        let columns = self
            .columns()
            .iter()
            .map(|c| {
                let mut out = ColumnOut {
                    name: c.name.clone(),
                    role: "",
                    missing_in_training: false,
                    typical: None,
                    min: None,
                    max: None,
                    integer: None,
                    categories: None,
                    reason: None,
                };
                match &c.role {
                    Role::Identifier => out.role = "identifier",
                    Role::Ignored(why) => {
                        out.role = "ignored";
                        out.reason = Some(why.clone());
                    }
                    Role::Feature(Encoder::Numeric(n)) => {
                        out.role = "numeric";
                        out.missing_in_training = n.missing_indicator;
                        out.typical = Some(Scalar::Number(n.median));
                        out.min = Some(Scalar::Number(n.min));
                        out.max = Some(Scalar::Number(n.max));
                        out.integer = Some(n.integer);
                    }
                    Role::Feature(Encoder::Boolean(b)) => {
                        out.role = "boolean";
                        out.missing_in_training = b.missing_indicator;
                        let typical = if b.impute_true { &b.true_label } else { &b.false_label };
                        out.typical = Some(Scalar::Text(typical.clone()));
                        out.categories = Some(vec![b.true_label.clone(), b.false_label.clone()]);
                    }
                    Role::Feature(Encoder::Categorical(k)) => {
                        out.role = "categorical";
                        out.missing_in_training = k.missing_slot;
                        out.typical = Some(Scalar::Text(k.mode.clone()));
                        out.categories = Some(k.levels.clone());
                    }
                    Role::Feature(Encoder::Date(d)) => {
                        out.role = "date";
                        out.missing_in_training = d.age.missing_indicator;
                        let day = |age: f64| Scalar::Text(format_date(d.reference_day - age.round() as i32));
                        out.typical = Some(day(d.age.median));
                        // The oldest date has the largest age.
                        out.min = Some(day(d.age.max));
                        out.max = Some(day(d.age.min));
                    }
                }
                out
            })
            .collect();
        Schema {
            target: TargetOut {
                name: t.name.clone(),
                positive: t.positive.clone(),
                negative: t.negative.clone(),
            },
            columns,
        }
    }

    /// The first identifier value of a row, as text.
    pub fn row_id(&self, row: &[Value<'_>]) -> Option<String> {
        self.identifiers(row).find_map(|(_, v)| v.as_id())
    }
}

impl Scorer<'_> {
    /// Scores a row (values in [`Model::columns`] order).
    pub fn answer(&mut self, row: &[Value<'_>]) -> Result<Scored, InputError> {
        let model = self.model();
        let s = self.score(row)?;
        Ok(Scored {
            id: model.row_id(row),
            probability: s.probability,
            logit: s.logit,
            risk_band: model.band(s.probability),
            decision: model.decide(s.probability),
            warnings: self.warnings().iter().map(WarningOut::from).collect(),
            model_id: None,
        })
    }

    /// Scores and explains a row.
    pub fn answer_explained(&mut self, row: &[Value<'_>]) -> Result<Explained, InputError> {
        let model = self.model();
        let e: Explanation = self.explain(row)?;
        Ok(Explained {
            id: model.row_id(row),
            probability: e.probability,
            logit: e.logit,
            risk_band: model.band(e.probability),
            decision: model.decide(e.probability),
            base_logit: e.base_logit,
            base_probability: crate::math::sigmoid(e.base_logit),
            contributions: e
                .contributions
                .iter()
                .map(|c| ContributionOut {
                    column: model.columns()[c.column].name.clone(),
                    contribution: c.value,
                })
                .collect(),
            interactions: e
                .interactions
                .iter()
                .map(|p| InteractionOut {
                    columns: p.columns.map(|c| model.columns()[c].name.clone()),
                    contribution: p.value,
                })
                .collect(),
            warnings: self.warnings().iter().map(WarningOut::from).collect(),
        })
    }

    /// A customer before and after some of its values change.
    pub fn what_if(&mut self, before: &[Value<'_>], after: &[Value<'_>]) -> Result<WhatIf, InputError> {
        let before = self.answer_explained(before)?;
        let after = self.answer_explained(after)?;
        let contributions = before
            .contributions
            .iter()
            .zip(&after.contributions)
            .map(|(b, a)| ChangeOut {
                column: b.column.clone(),
                before: b.contribution,
                after: a.contribution,
                delta: a.contribution - b.contribution,
            })
            .collect();
        Ok(WhatIf {
            delta_probability: after.probability - before.probability,
            delta_logit: after.logit - before.logit,
            before,
            after,
            contributions,
        })
    }
}
