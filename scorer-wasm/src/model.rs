//! A validated model: pipeline, predictor, calibration, decision rule and card, ready to score.

use bincode::{Decode, Encode};

use crate::error::{ArtifactError, InputError};
use crate::events::EventSpec;
use crate::math::sigmoid;
use crate::pipeline::{Column, Pipeline, Warning};
use crate::predictor::Predictor;
use crate::reference::DriftReference;
use crate::value::{Value, format_number};

/// The column the model predicts and which of its two values means "churned".
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
pub struct Target {
    pub name: String,
    pub positive: String,
    pub negative: String,
}

/// Maps the predictor's logit to a calibrated logit: `slope · z + intercept` (Platt scaling).
/// The identity (`1, 0`) when no calibration was fitted.
#[derive(Clone, Copy, Debug, PartialEq, Encode, Decode)]
pub struct Calibration {
    pub slope: f64,
    pub intercept: f64,
}

impl Calibration {
    pub const IDENTITY: Calibration = Calibration { slope: 1.0, intercept: 0.0 };

    pub fn apply(&self, z: f64) -> f64 {
        self.slope * z + self.intercept
    }
}

/// When a probability becomes a "contact this customer" decision, and why that threshold.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
pub struct Decision {
    pub threshold: f64,
    /// How the threshold was chosen, e.g. `max_f1` or `max_profit`.
    pub rule: String,
}

/// Probability cut-offs of the risk bands: below `medium` is low risk, from `high` on is high.
#[derive(Clone, Copy, Debug, PartialEq, Encode, Decode)]
pub struct RiskBands {
    pub medium: f64,
    pub high: f64,
}

/// A coarse label for a probability.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Band {
    Low,
    Medium,
    High,
}

impl Band {
    /// The stable text form answers carry in `risk_band`.
    pub fn as_str(self) -> &'static str {
        match self {
            Band::Low => "low",
            Band::Medium => "medium",
            Band::High => "high",
        }
    }
}

/// The two names a model goes by, in a registry and under the edge's traffic split: the
/// champion, which builds embed and which scores every customer by default, and the challenger,
/// which scores a share of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alias {
    Champion,
    Challenger,
}

impl Alias {
    pub const ALL: [Alias; 2] = [Alias::Champion, Alias::Challenger];

    /// The stable text form: registry files, flags, answers and headers carry it.
    pub fn as_str(self) -> &'static str {
        match self {
            Alias::Champion => "champion",
            Alias::Challenger => "challenger",
        }
    }

    /// The alias written `text`, if it is one.
    pub fn from_text(text: &str) -> Option<Alias> {
        Alias::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

/// What the model's decision rule says about one customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// At or above the decision threshold: worth a retention offer.
    Contact,
    NoContact,
}

impl Verdict {
    /// The stable text form answers carry in `decision`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Contact => "contact",
            Verdict::NoContact => "no_contact",
        }
    }
}

/// What a model is called and what made it.
#[derive(Clone, Debug, Default, PartialEq, Encode, Decode)]
pub struct Meta {
    /// A name for the model, by default the training file's stem.
    pub name: String,
    /// `logistic` or `mlp`.
    pub kind: String,
    /// The program that trained it, e.g. `churn 0.1.0`.
    pub trainer: String,
}

/// Everything a model file holds: what the trainer builds and [`crate::artifact`] stores (as
/// version 3's fields, [`ModelSpec::stored_fields`], then the event spec of an event model).
#[derive(Clone, Debug, PartialEq)]
pub struct ModelSpec {
    pub meta: Meta,
    /// Every input column of the training data except the target, in file order.
    pub pipeline: Pipeline,
    pub target: Target,
    pub predictor: Predictor,
    pub calibration: Calibration,
    pub decision: Decision,
    pub bands: RiskBands,
    /// Mean encoded training row: the reference point of explanations.
    pub baseline: Vec<f64>,
    /// Distributions of the inputs and the score in training, for drift monitoring.
    pub reference: DriftReference,
    /// The model card as JSON, written by the trainer; scorers pass it through as it is.
    pub card: String,
    /// An event model's feature definitions: its behaviour columns are computed from raw events
    /// by [`EventSpec::features`]. `None` for a model of a customer table.
    pub events: Option<EventSpec>,
}

impl ModelSpec {
    /// The format version that holds this model: 4 for an event model, else 3, so that a table
    /// model's file stays what it was (its bytes, checksum and id) and older scorers still read it.
    pub fn format_version(&self) -> u32 {
        if self.events.is_some() { 4 } else { 3 }
    }
}

/// Format version 3's fields in their stored order, borrowed: every field of [`ModelSpec`] but
/// `events`. bincode writes a tuple as its fields one after the other, as it writes a struct.
pub(crate) type StoredFields<'a> = (
    &'a Meta,
    &'a Pipeline,
    &'a Target,
    &'a Predictor,
    &'a Calibration,
    &'a Decision,
    &'a RiskBands,
    &'a Vec<f64>,
    &'a DriftReference,
    &'a String,
);

impl ModelSpec {
    /// What a file stores before the event spec, for writing.
    pub(crate) fn stored_fields(&self) -> StoredFields<'_> {
        let s = self;
        (
            &s.meta,
            &s.pipeline,
            &s.target,
            &s.predictor,
            &s.calibration,
            &s.decision,
            &s.bands,
            &s.baseline,
            &s.reference,
            &s.card,
        )
    }
}

/// A stored model without `events`, as format versions 2 and 3 hold it and a version 4 file
/// starts; `P` is how the pipeline is stored ([`Pipeline`]; version 2: its columns only,
/// [`crate::pipeline::PipelineV2`]).
#[derive(Decode)]
pub(crate) struct Stored<P> {
    meta: Meta,
    pipeline: P,
    target: Target,
    predictor: Predictor,
    calibration: Calibration,
    decision: Decision,
    bands: RiskBands,
    baseline: Vec<f64>,
    reference: DriftReference,
    card: String,
}

impl<P: Into<Pipeline>> From<Stored<P>> for ModelSpec {
    fn from(s: Stored<P>) -> ModelSpec {
        ModelSpec {
            meta: s.meta,
            pipeline: s.pipeline.into(),
            target: s.target,
            predictor: s.predictor,
            calibration: s.calibration,
            decision: s.decision,
            bands: s.bands,
            baseline: s.baseline,
            reference: s.reference,
            card: s.card,
            events: None,
        }
    }
}

/// A probability with the logit it came from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score {
    /// Calibrated logit.
    pub logit: f64,
    pub probability: f64,
}

/// The largest magnitude a weight, bias, baseline value or calibration parameter may have.
/// Encoded features are standardised or lie in [0, 1] and weights are penalised, so fitted
/// models stay orders of magnitude below it (the golden models: under 1.4); a larger value comes
/// from a damaged file, and would make explanations meaningless, contributions of ±1e232
/// cancelling to nothing in floating point.
pub const MAX_PARAMETER: f64 = 1e6;

/// A model that has passed validation: every shape agrees, every number is finite and bounded.
#[derive(Clone, Debug)]
pub struct Model {
    spec: ModelSpec,
    checksum: String,
    /// The file format version it was read from (the current one when trained here).
    format_version: u32,
}

impl Model {
    /// Validates a spec. `checksum` is the hex SHA-256 of its serialised payload.
    pub(crate) fn from_spec(
        spec: ModelSpec,
        checksum: String,
        format_version: u32,
    ) -> Result<Model, ArtifactError> {
        let invalid = ArtifactError::Invalid;
        let width = spec.pipeline.width();
        if spec.pipeline.columns().iter().any(|c| c.name == spec.target.name) {
            return Err(invalid(format!("the target \"{}\" is also an input column", spec.target.name)));
        }
        spec.predictor.check_shapes().map_err(invalid)?;
        if spec.predictor.inputs() != width {
            return Err(invalid(format!(
                "the columns encode {width} features but the predictor reads {}",
                spec.predictor.inputs()
            )));
        }
        if spec.baseline.len() != width {
            return Err(invalid(format!(
                "the baseline has {} values for {width} features",
                spec.baseline.len()
            )));
        }
        let within = |x: f64| x.abs() <= MAX_PARAMETER;
        let bounded = spec.predictor.is_within(MAX_PARAMETER)
            && spec.baseline.iter().all(|&x| within(x))
            && within(spec.calibration.slope)
            && within(spec.calibration.intercept);
        if !bounded {
            return Err(invalid(format!(
                "a weight, bias, baseline or calibration value is not a number within ±{}: the file is damaged, or the fit diverged",
                format_number(MAX_PARAMETER)
            )));
        }
        let probability = |p: f64| (0.0..=1.0).contains(&p);
        if !probability(spec.decision.threshold) {
            return Err(invalid(format!(
                "decision threshold {} is not a probability",
                format_number(spec.decision.threshold)
            )));
        }
        let b = spec.bands;
        if !(probability(b.medium) && probability(b.high) && b.medium <= b.high) {
            return Err(invalid(format!(
                "risk bands {} / {} are not increasing probabilities",
                format_number(b.medium),
                format_number(b.high)
            )));
        }
        // A model built by hand may carry no reference (`rows` 0); a trained one always does.
        if spec.reference.rows > 0 {
            for d in spec.reference.columns.iter().chain([&spec.reference.score]) {
                d.check().map_err(invalid)?;
            }
        }
        if spec.target.positive == spec.target.negative {
            return Err(invalid("the target's two labels are the same".into()));
        }
        if let Some(events) = &spec.events {
            events.check(&spec.pipeline).map_err(invalid)?;
        }
        Ok(Model { spec, checksum, format_version })
    }

    /// The full spec, as trained.
    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    pub fn pipeline(&self) -> &Pipeline {
        &self.spec.pipeline
    }

    /// Input columns in training-file order (identifiers and ignored columns included).
    pub fn columns(&self) -> &[Column] {
        self.spec.pipeline.columns()
    }

    /// Index of an input column by name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns().iter().position(|c| c.name == name)
    }

    /// Feature range `(offset, width)` of column `i`, if it is a feature.
    pub fn feature_range(&self, i: usize) -> Option<(usize, usize)> {
        self.spec.pipeline.feature_range(i)
    }

    pub fn target(&self) -> &Target {
        &self.spec.target
    }

    pub fn meta(&self) -> &Meta {
        &self.spec.meta
    }

    /// The model card, as JSON text.
    pub fn card_json(&self) -> &str {
        &self.spec.card
    }

    /// Number of encoded features.
    pub fn width(&self) -> usize {
        self.spec.pipeline.width()
    }

    /// Hex SHA-256 of the payload: identifies the model's content.
    pub fn checksum(&self) -> &str {
        &self.checksum
    }

    /// The model file format version the model was read from.
    pub fn format_version(&self) -> u32 {
        self.format_version
    }

    /// Short model id: the first 12 hex digits of the checksum.
    pub fn id(&self) -> &str {
        // `get` rather than indexing: a checksum is ASCII hex, and the indexing path would link
        // panic formatting (with Unicode tables) into the browser module.
        self.checksum.get(..12).unwrap_or(&self.checksum)
    }

    pub fn threshold(&self) -> f64 {
        self.spec.decision.threshold
    }

    /// Whether a probability means "contact this customer": at or above the threshold.
    pub fn decide(&self, probability: f64) -> Verdict {
        if probability >= self.spec.decision.threshold { Verdict::Contact } else { Verdict::NoContact }
    }

    pub fn band(&self, probability: f64) -> Band {
        let b = self.spec.bands;
        if probability >= b.high {
            Band::High
        } else if probability >= b.medium {
            Band::Medium
        } else {
            Band::Low
        }
    }

    /// Suggests the closest column name for an unknown field (edit distance ≤ 3, or same name
    /// ignoring case), for "did you mean" messages.
    pub fn suggest(&self, field: &str) -> Option<String> {
        closest_name(self.columns().iter().map(|c| c.name.as_str()), field).map(str::to_string)
    }

    /// A scorer with its own scratch space, for scoring many rows without allocating.
    pub fn scorer(&self) -> Scorer<'_> {
        Scorer {
            model: self,
            features: vec![0.0; self.width()],
            scratch: vec![0.0; 2 * self.spec.predictor.max_width()],
            warnings: Vec::new(),
        }
    }

    /// The calibrated logit of an encoded row.
    pub fn logit_encoded(&self, x: &[f64], scratch: &mut [f64]) -> f64 {
        self.spec.calibration.apply(self.spec.predictor.logit(x, scratch))
    }
}

/// Scores rows given as values aligned with [`Model::columns`], reusing its buffers.
pub struct Scorer<'m> {
    model: &'m Model,
    features: Vec<f64>,
    scratch: Vec<f64>,
    warnings: Vec<Warning>,
}

impl<'m> Scorer<'m> {
    pub fn model(&self) -> &'m Model {
        self.model
    }

    /// Encodes a row (one value per input column, in [`Model::columns`] order) into the
    /// scorer's feature buffer and returns it. Warnings are collected in [`Scorer::warnings`].
    pub fn encode(&mut self, values: &[Value<'_>]) -> Result<&[f64], InputError> {
        self.warnings.clear();
        self.model.spec.pipeline.encode(values, &mut self.features, &mut self.warnings)?;
        Ok(&self.features)
    }

    /// Scores a row: encode, forward pass, calibration, sigmoid.
    pub fn score(&mut self, values: &[Value<'_>]) -> Result<Score, InputError> {
        self.encode(values)?;
        let logit = self.model.logit_encoded(&self.features, &mut self.scratch);
        Ok(Score { logit, probability: sigmoid(logit) })
    }

    /// Scores an already encoded row.
    pub fn score_encoded(&mut self, x: &[f64]) -> Score {
        let logit = self.model.logit_encoded(x, &mut self.scratch);
        Score { logit, probability: sigmoid(logit) }
    }

    /// Warnings from the last [`Scorer::encode`] or [`Scorer::score`].
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The encoded features of the last row.
    pub fn features(&self) -> &[f64] {
        &self.features
    }
}

/// The name among `names` closest to `field` (same ignoring case, or at most 3 edits away), for
/// "did you mean" messages.
pub fn closest_name<'a>(names: impl Iterator<Item = &'a str>, field: &str) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for name in names {
        let d = if name.eq_ignore_ascii_case(field) { 0 } else { edit_distance(name, field) };
        if d <= 3 && d < field.len() && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, name));
        }
    }
    best.map(|(_, n)| n)
}

/// Levenshtein distance, for "did you mean" suggestions on short names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(!ca.eq_ignore_ascii_case(&cb));
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        core::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::edit_distance;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("tenure", "tenur"), 1);
        assert_eq!(edit_distance("Contract", "contract"), 0);
        assert_eq!(edit_distance("abc", "xyz"), 3);
    }
}
