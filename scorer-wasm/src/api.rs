//! The answers the scorer gives, as plain serializable data.
//!
//! The browser module (wasm-bindgen) and the edge functions (JSON over HTTP) serialize these same
//! types to JSON, so a score, an explanation or a schema has one shape everywhere: snake_case
//! fields, probabilities as numbers, warnings with a stable `code`.
//!
//! Each implements [`ToJson`] (see [`crate::json`] for why not serde); `to_json` writes any of
//! them.

use crate::json::{Object, ToJson};

use crate::artifact::FORMAT_VERSION;
use crate::csv::Csv;
use crate::error::{CsvError, InputError, Problem};
use crate::explain::Explanation;
use crate::model::{Model, Scorer};
use crate::pipeline::{Encoder, Role, Warning};
use crate::value::{Value, format_date};

/// A warning about an accepted input.
#[derive(Clone, Debug, PartialEq)]
pub struct WarningOut {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl From<&Warning> for WarningOut {
    fn from(w: &Warning) -> Self {
        WarningOut { field: w.field.clone(), code: w.code(), message: w.message() }
    }
}

/// An error about one input, as every front end reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorOut {
    pub field: String,
    pub code: &'static str,
    pub message: String,
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
    pub risk_band: &'static str,
    /// `contact` at or above the model's decision threshold, otherwise `no_contact`.
    pub decision: &'static str,
    pub warnings: Vec<WarningOut>,
}

/// One input column's share of the logit.
#[derive(Clone, Debug, PartialEq)]
pub struct ContributionOut {
    pub column: String,
    pub contribution: f64,
}

/// A score with its explanation: `base_logit + Σ contribution = logit`.
#[derive(Clone, Debug, PartialEq)]
pub struct Explained {
    pub id: Option<String>,
    pub probability: f64,
    pub logit: f64,
    pub risk_band: &'static str,
    pub decision: &'static str,
    /// Logit and probability of the model's baseline, the mean training customer.
    pub base_logit: f64,
    pub base_probability: f64,
    /// One entry per feature column, in the model's column order.
    pub contributions: Vec<ContributionOut>,
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
            format_version: FORMAT_VERSION,
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

    fn decision_text(&self, probability: f64) -> &'static str {
        if self.decide(probability) { "contact" } else { "no_contact" }
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
            risk_band: model.band(s.probability).as_str(),
            decision: model.decision_text(s.probability),
            warnings: self.warnings().iter().map(WarningOut::from).collect(),
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
            risk_band: model.band(e.probability).as_str(),
            decision: model.decision_text(e.probability),
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

/// One scored row of a CSV batch.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvRow {
    pub row: u64,
    pub line: u64,
    pub id: Option<String>,
    /// Which model scored the row: 0 for the champion, `i` for the `i`-th other model of
    /// [`score_csv_routed`].
    pub model: usize,
    pub probability: f64,
    pub logit: f64,
    pub risk_band: &'static str,
    pub decision: &'static str,
    /// The columns that raise this customer's risk most, largest first (when asked for).
    pub drivers: Vec<ContributionOut>,
    pub warnings: Vec<WarningOut>,
}

/// A CSV row that could not be scored.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvRowError {
    pub row: u64,
    pub line: u64,
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

/// Totals of a batch.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchSummary {
    pub rows: usize,
    pub scored: usize,
    pub failed: usize,
    /// The sum of probabilities: how many of these customers are expected to churn.
    pub expected_churners: f64,
    /// Customers at or above the decision threshold.
    pub contact: usize,
}

/// A scored CSV document: every row is either in `rows` or in `errors`.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvAnswer {
    pub rows: Vec<CsvRow>,
    pub errors: Vec<CsvRowError>,
    pub summary: BatchSummary,
}

/// Why a CSV document as a whole could not be scored.
#[derive(Clone, Debug, PartialEq)]
pub enum CsvBatchError {
    /// The document is not readable CSV.
    Csv(CsvError),
    /// The header does not fit the model (unknown or missing columns).
    Header(InputError),
    /// More data rows than allowed.
    TooManyRows { limit: usize },
}

impl core::fmt::Display for CsvBatchError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CsvBatchError::Csv(e) => write!(f, "{e}"),
            CsvBatchError::Header(e) => write!(f, "header: {e}"),
            CsvBatchError::TooManyRows { limit } => write!(f, "more than {limit} rows; split the file"),
        }
    }
}

impl CsvBatchError {
    pub fn code(&self) -> &'static str {
        match self {
            CsvBatchError::Csv(_) => "malformed_csv",
            CsvBatchError::Header(e) => e.code(),
            CsvBatchError::TooManyRows { .. } => "batch_too_large",
        }
    }
}

/// The `n` largest positive contributions, largest first. A selection rather than a sort: `n`
/// is a handful, and a general sort would add kilobytes to the browser module.
fn strongest(mut contributions: Vec<ContributionOut>, n: usize) -> Vec<ContributionOut> {
    let mut top = Vec::with_capacity(n);
    while top.len() < n {
        let mut best: Option<usize> = None;
        for (i, c) in contributions.iter().enumerate() {
            if c.contribution > 0.0 && best.is_none_or(|b| c.contribution > contributions[b].contribution) {
                best = Some(i);
            }
        }
        match best {
            Some(i) => top.push(contributions.swap_remove(i)),
            None => break,
        }
    }
    top
}

/// Scores every data row of a CSV document. Rows that do not fit the model are reported in
/// `errors` with their row and line; a broken document or header fails as a whole. With
/// `drivers > 0`, each row lists its strongest risk-raising columns.
pub fn score_csv(
    model: &Model,
    bytes: &[u8],
    drivers: usize,
    max_rows: usize,
) -> Result<CsvAnswer, CsvBatchError> {
    score_csv_routed(model, &[], |_| 0, bytes, drivers, max_rows)
}

/// [`score_csv`] with every row scored by one of several models, as a champion/challenger split
/// does: `route` gets the row's identifier (as `champion` reads it) and answers 0 for the
/// champion or `i` for `others[i - 1]`; [`CsvRow::model`] records the choice. Every model must
/// accept the header. An index past the end means the champion.
pub fn score_csv_routed(
    champion: &Model,
    others: &[&Model],
    mut route: impl FnMut(Option<&str>) -> usize,
    bytes: &[u8],
    drivers: usize,
    max_rows: usize,
) -> Result<CsvAnswer, CsvBatchError> {
    let mut csv = Csv::new(bytes).map_err(CsvBatchError::Csv)?;
    let models: Vec<&Model> = core::iter::once(champion).chain(others.iter().copied()).collect();
    let mut bindings = Vec::with_capacity(models.len());
    for model in &models {
        bindings.push(model.bind_header(csv.header()).map_err(CsvBatchError::Header)?);
    }
    let mut scorers: Vec<_> = models.iter().map(|m| m.scorer()).collect();
    let mut answer = CsvAnswer {
        rows: Vec::new(),
        errors: Vec::new(),
        summary: BatchSummary { rows: 0, scored: 0, failed: 0, expected_churners: 0.0, contact: 0 },
    };
    while let Some(record) = csv.next_row().map_err(CsvBatchError::Csv)? {
        if answer.summary.rows == max_rows {
            return Err(CsvBatchError::TooManyRows { limit: max_rows });
        }
        answer.summary.rows += 1;
        let mut row = Vec::with_capacity(bindings[0].slots().len());
        bindings[0].fill(record.fields().map(Value::from_cell), &mut row);
        let mut chosen = 0;
        if !others.is_empty() {
            chosen = route(champion.row_id(&row).as_deref());
            if chosen >= models.len() {
                chosen = 0;
            }
            if chosen > 0 {
                bindings[chosen].fill(record.fields().map(Value::from_cell), &mut row);
            }
        }
        let scorer = &mut scorers[chosen];
        let scored = if drivers > 0 {
            scorer.answer_explained(&row).map(|e| {
                let top = strongest(e.contributions, drivers);
                (e.id, e.probability, e.logit, e.risk_band, e.decision, top, e.warnings)
            })
        } else {
            scorer
                .answer(&row)
                .map(|s| (s.id, s.probability, s.logit, s.risk_band, s.decision, Vec::new(), s.warnings))
        };
        match scored {
            Ok((id, probability, logit, risk_band, decision, drivers, warnings)) => {
                answer.summary.scored += 1;
                answer.summary.expected_churners += probability;
                answer.summary.contact += usize::from(decision == "contact");
                answer.rows.push(CsvRow {
                    row: record.row,
                    line: record.line,
                    id,
                    model: chosen,
                    probability,
                    logit,
                    risk_band,
                    decision,
                    drivers,
                    warnings,
                });
            }
            Err(e) => {
                answer.summary.failed += 1;
                answer.errors.push(CsvRowError {
                    row: record.row,
                    line: record.line,
                    field: e.field.clone(),
                    code: e.code(),
                    message: e.to_string(),
                });
            }
        }
    }
    if answer.summary.rows == 0 {
        return Err(CsvBatchError::Header(InputError::new("", Problem::EmptyBatch)));
    }
    Ok(answer)
}

impl ToJson for WarningOut {
    fn to_json(&self, out: &mut String) {
        Object::new(out)
            .field("field", &self.field)
            .field("code", &self.code)
            .field("message", &self.message)
            .end();
    }
}

impl ToJson for ErrorOut {
    fn to_json(&self, out: &mut String) {
        Object::new(out)
            .field("field", &self.field)
            .field("code", &self.code)
            .field("message", &self.message)
            .end();
    }
}

impl ToJson for Scored {
    fn to_json(&self, out: &mut String) {
        Object::new(out)
            .field("id", &self.id)
            .field("probability", &self.probability)
            .field("logit", &self.logit)
            .field("risk_band", &self.risk_band)
            .field("decision", &self.decision)
            .field("warnings", &self.warnings)
            .end();
    }
}

impl ToJson for ContributionOut {
    fn to_json(&self, out: &mut String) {
        Object::new(out).field("column", &self.column).field("contribution", &self.contribution).end();
    }
}

impl ToJson for Explained {
    fn to_json(&self, out: &mut String) {
        Object::new(out)
            .field("id", &self.id)
            .field("probability", &self.probability)
            .field("logit", &self.logit)
            .field("risk_band", &self.risk_band)
            .field("decision", &self.decision)
            .field("base_logit", &self.base_logit)
            .field("base_probability", &self.base_probability)
            .field("contributions", &self.contributions)
            .field("warnings", &self.warnings)
            .end();
    }
}

impl ToJson for ChangeOut {
    fn to_json(&self, out: &mut String) {
        Object::new(out)
            .field("column", &self.column)
            .field("before", &self.before)
            .field("after", &self.after)
            .field("delta", &self.delta)
            .end();
    }
}

impl ToJson for WhatIf {
    fn to_json(&self, out: &mut String) {
        Object::new(out)
            .field("before", &self.before)
            .field("after", &self.after)
            .field("delta_probability", &self.delta_probability)
            .field("delta_logit", &self.delta_logit)
            .field("contributions", &self.contributions)
            .end();
    }
}

impl ToJson for ColumnOut {
    fn to_json(&self, out: &mut String) {
        Object::new(out)
            .field("name", &self.name)
            .field("role", &self.role)
            .field("missing_in_training", &self.missing_in_training)
            .field("typical", &self.typical)
            .field("min", &self.min)
            .field("max", &self.max)
            .field("integer", &self.integer)
            .field("categories", &self.categories)
            .field("reason", &self.reason)
            .end();
    }
}

impl ToJson for TargetOut {
    fn to_json(&self, out: &mut String) {
        Object::new(out)
            .field("name", &self.name)
            .field("positive", &self.positive)
            .field("negative", &self.negative)
            .end();
    }
}

impl ToJson for Schema {
    fn to_json(&self, out: &mut String) {
        Object::new(out).field("target", &self.target).field("columns", &self.columns).end();
    }
}

impl ToJson for ModelInfo {
    fn to_json(&self, out: &mut String) {
        let bands = |out: &mut String| {
            Object::new(out).field("medium", &self.bands.medium).field("high", &self.bands.high).end()
        };
        Object::new(out)
            .field("id", &self.id)
            .field("checksum", &self.checksum)
            .field("name", &self.name)
            .field("model", &self.model)
            .field("trainer", &self.trainer)
            .field("format_version", &self.format_version)
            .field("target", &self.target)
            .field("positive_label", &self.positive_label)
            .field("threshold", &self.threshold)
            .field("decision_rule", &self.decision_rule)
            .field("bands", &Raw(&bands))
            .field("features", &self.features)
            .end();
    }
}

impl ToJson for CsvRow {
    fn to_json(&self, out: &mut String) {
        Object::new(out)
            .field("row", &self.row)
            .field("line", &self.line)
            .field("id", &self.id)
            .field("probability", &self.probability)
            .field("logit", &self.logit)
            .field("risk_band", &self.risk_band)
            .field("decision", &self.decision)
            .field("drivers", &self.drivers)
            .field("warnings", &self.warnings)
            .end();
    }
}

impl ToJson for CsvRowError {
    fn to_json(&self, out: &mut String) {
        Object::new(out)
            .field("row", &self.row)
            .field("line", &self.line)
            .field("field", &self.field)
            .field("code", &self.code)
            .field("message", &self.message)
            .end();
    }
}

impl ToJson for BatchSummary {
    fn to_json(&self, out: &mut String) {
        Object::new(out)
            .field("rows", &self.rows)
            .field("scored", &self.scored)
            .field("failed", &self.failed)
            .field("expected_churners", &self.expected_churners)
            .field("contact", &self.contact)
            .end();
    }
}

impl ToJson for CsvAnswer {
    fn to_json(&self, out: &mut String) {
        Object::new(out)
            .field("rows", &self.rows)
            .field("errors", &self.errors)
            .field("summary", &self.summary)
            .end();
    }
}

/// A nested object written by a closure.
struct Raw<'a>(&'a dyn Fn(&mut String));

impl ToJson for Raw<'_> {
    fn to_json(&self, out: &mut String) {
        (self.0)(out)
    }
}
