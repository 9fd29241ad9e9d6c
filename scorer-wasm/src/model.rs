//! A validated model: pipeline, predictor, calibration, decision rule and card, ready to score.

use serde::{Deserialize, Serialize};

use crate::card::ModelCard;
use crate::error::{ArtifactError, InputError, Problem};
use crate::math::sigmoid;
use crate::pipeline::{Column, Encoder, Role, Warning};
use crate::predictor::Predictor;
use crate::value::Value;

/// The column the model predicts and which of its two values means "churned".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub name: String,
    pub positive: String,
    pub negative: String,
}

/// Maps the predictor's logit to a calibrated logit: `slope · z + intercept` (Platt scaling).
/// The identity (`1, 0`) when no calibration was fitted.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub threshold: f64,
    /// How the threshold was chosen, e.g. `max_f1` or `max_profit`.
    pub rule: String,
}

/// Probability cut-offs of the risk bands: below `medium` is low risk, from `high` on is high.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
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
    pub fn as_str(&self) -> &'static str {
        match self {
            Band::Low => "low",
            Band::Medium => "medium",
            Band::High => "high",
        }
    }
}

/// Everything a model file holds: what the trainer builds and [`crate::artifact`] stores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    /// Every input column of the training data except the target, in file order.
    pub columns: Vec<Column>,
    pub target: Target,
    pub predictor: Predictor,
    pub calibration: Calibration,
    pub decision: Decision,
    pub bands: RiskBands,
    /// Mean encoded training row: the reference point of explanations.
    pub baseline: Vec<f64>,
    pub card: ModelCard,
}

/// A probability with the logit it came from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score {
    /// Calibrated logit.
    pub logit: f64,
    pub probability: f64,
}

/// A model that has passed validation: every shape agrees, every number is finite.
#[derive(Clone, Debug)]
pub struct Model {
    spec: ModelSpec,
    /// Feature range `(offset, width)` of each column; `None` for non-feature columns.
    layout: Vec<Option<(usize, usize)>>,
    width: usize,
    checksum: String,
}

impl Model {
    /// Validates a spec. `checksum` is the hex SHA-256 of its serialised payload.
    pub(crate) fn from_spec(spec: ModelSpec, checksum: String) -> Result<Model, ArtifactError> {
        let invalid = |m: String| ArtifactError::Invalid(m);
        let mut layout = Vec::with_capacity(spec.columns.len());
        let mut width = 0usize;
        for (i, c) in spec.columns.iter().enumerate() {
            if c.name.trim().is_empty() {
                return Err(invalid(format!("column {i} has no name")));
            }
            if spec.columns[..i].iter().any(|o| o.name == c.name) || c.name == spec.target.name {
                return Err(invalid(format!("column \"{}\" appears twice", c.name)));
            }
            match &c.role {
                Role::Feature(enc) => {
                    check_encoder(&c.name, enc).map_err(invalid)?;
                    let w = enc.width();
                    layout.push(Some((width, w)));
                    width += w;
                }
                Role::Identifier | Role::Ignored(_) => layout.push(None),
            }
        }
        if width == 0 {
            return Err(invalid("the model has no feature columns".into()));
        }
        spec.predictor.check_shapes().map_err(invalid)?;
        if spec.predictor.inputs() != width {
            return Err(invalid(format!(
                "the columns encode {width} features but the predictor reads {}",
                spec.predictor.inputs()
            )));
        }
        if spec.baseline.len() != width {
            return Err(invalid(format!("the baseline has {} values for {width} features", spec.baseline.len())));
        }
        let finite = spec.predictor.parameters().chain(spec.baseline.iter().copied()).all(f64::is_finite)
            && spec.calibration.slope.is_finite()
            && spec.calibration.intercept.is_finite();
        if !finite {
            return Err(invalid("a weight, bias or calibration value is not finite".into()));
        }
        let probability = |p: f64| (0.0..=1.0).contains(&p);
        if !probability(spec.decision.threshold) {
            return Err(invalid(format!("decision threshold {} is not a probability", spec.decision.threshold)));
        }
        let b = spec.bands;
        if !(probability(b.medium) && probability(b.high) && b.medium <= b.high) {
            return Err(invalid(format!("risk bands {} / {} are not increasing probabilities", b.medium, b.high)));
        }
        if spec.target.positive == spec.target.negative {
            return Err(invalid("the target's two labels are the same".into()));
        }
        Ok(Model { spec, layout, width, checksum })
    }

    /// The full spec, as trained.
    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    /// Input columns in training-file order (identifiers and ignored columns included).
    pub fn columns(&self) -> &[Column] {
        &self.spec.columns
    }

    /// Index of an input column by name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.spec.columns.iter().position(|c| c.name == name)
    }

    /// Feature range `(offset, width)` of column `i`, if it is a feature.
    pub fn feature_range(&self, i: usize) -> Option<(usize, usize)> {
        self.layout.get(i).copied().flatten()
    }

    pub fn target(&self) -> &Target {
        &self.spec.target
    }

    pub fn card(&self) -> &ModelCard {
        &self.spec.card
    }

    /// Number of encoded features.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Hex SHA-256 of the payload: identifies the model's content.
    pub fn checksum(&self) -> &str {
        &self.checksum
    }

    /// Short model id: the first 12 hex digits of the checksum.
    pub fn id(&self) -> &str {
        &self.checksum[..12]
    }

    pub fn threshold(&self) -> f64 {
        self.spec.decision.threshold
    }

    /// Whether a probability means "contact this customer".
    pub fn decide(&self, probability: f64) -> bool {
        probability >= self.spec.decision.threshold
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
        let mut best: Option<(usize, &str)> = None;
        for c in &self.spec.columns {
            let d = if c.name.eq_ignore_ascii_case(field) { 0 } else { edit_distance(&c.name, field) };
            if d <= 3 && best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, &c.name));
            }
        }
        best.map(|(_, n)| n.to_string())
    }

    /// A scorer with its own scratch space, for scoring many rows without allocating.
    pub fn scorer(&self) -> Scorer<'_> {
        Scorer {
            model: self,
            features: vec![0.0; self.width],
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
        self.features.fill(0.0);
        let model = self.model;
        if values.len() != model.spec.columns.len() {
            // Callers build rows from the model's own column list; a mismatch is a caller bug,
            // reported rather than indexed out of bounds.
            return Err(InputError::new(
                "",
                Problem::NotScalar { got: format!("{} values for {} columns", values.len(), model.spec.columns.len()) },
            ));
        }
        for ((col, range), &value) in model.spec.columns.iter().zip(&model.layout).zip(values) {
            match (&col.role, range) {
                (Role::Feature(enc), Some((off, w))) => {
                    enc.encode(&col.name, value, &mut self.features[*off..off + w], &mut self.warnings)?;
                }
                _ => check_scalar(&col.name, value)?,
            }
        }
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

/// Identifier and ignored columns are not interpreted, but must still be single values.
fn check_scalar(name: &str, value: Value<'_>) -> Result<(), InputError> {
    match value {
        Value::Number(x) if !x.is_finite() => Err(InputError::new(name, Problem::NotFinite { got: format!("{x}") })),
        _ => Ok(()),
    }
}

fn check_encoder(name: &str, enc: &Encoder) -> Result<(), String> {
    let numeric = |n: &crate::pipeline::NumericEncoder| -> Result<(), String> {
        let all_finite = [n.median, n.mean, n.sd, n.min, n.max].iter().chain(&n.knots).all(|x| x.is_finite());
        if !all_finite || n.sd <= 0.0 {
            return Err(format!("column \"{name}\": numeric parameters must be finite with a positive spread"));
        }
        if n.knots.len() > 1024 || n.knots.windows(2).any(|w| w[0] >= w[1]) {
            return Err(format!("column \"{name}\": knots must be strictly increasing (at most 1024)"));
        }
        Ok(())
    };
    match enc {
        Encoder::Numeric(n) => numeric(n),
        Encoder::Date(d) => numeric(&d.age),
        Encoder::Boolean(b) if b.true_label == b.false_label => {
            Err(format!("column \"{name}\": both boolean labels are \"{}\"", b.true_label))
        }
        Encoder::Boolean(_) => Ok(()),
        Encoder::Categorical(c) => {
            if c.levels.len() > 4096 || c.levels.windows(2).any(|w| w[0] >= w[1]) {
                return Err(format!("column \"{name}\": levels must be sorted and distinct (at most 4096)"));
            }
            Ok(())
        }
    }
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
