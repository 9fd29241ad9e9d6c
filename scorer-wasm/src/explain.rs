//! Explanations: how much each input column moved this customer's logit away from a typical one.
//!
//! The reference point is the model's baseline, the mean encoded training row, whose logit is
//! the base value. Contributions are computed per encoded feature and summed per input column, so
//! a number's standardised value, its missing indicator and its piecewise-linear parts count as
//! one driver. They add up to `logit − base` exactly, up to floating-point rounding:
//!
//! - **Logistic regression**: `φⱼ = Σ_{f∈j} w_f (x_f − r_f)`, the exact Shapley values of a
//!   linear model with the baseline as background.
//! - **MLP**: DeepLIFT with the Rescale rule (Shrikumar et al., ICML 2017). Each hidden unit
//!   passes on its inputs' contributions scaled by `Δh/Δz`, the ratio of its activation change to
//!   its pre-activation change between the baseline and this customer (or its gradient when
//!   `Δz = 0`). Because every step is linear in the contributions, they sum to the change of the
//!   logit exactly (the "summation-to-delta" property), in one forward pass per layer.
//!
//! An interaction term (see [`crate::Interaction`]) is a third kind of driver: its features are
//! attributed as a group like a column's, and the term's contribution is then split equally
//! between its two columns. Halves are the Shapley split of a two-player term whose players are
//! symmetric, which is all an explanation can say without a model of how the columns co-vary; the
//! term's whole contribution is reported beside ([`Explanation::interactions`]), so that a reader
//! sees the pair and not only its halves. Per-column contributions still add up to `logit − base`.
//!
//! Calibration scales all contributions by its slope, so they explain the calibrated logit.

use crate::error::InputError;
use crate::math::sigmoid;
use crate::model::Scorer;
use crate::predictor::{Mlp, Predictor};
use crate::value::Value;

/// A customer's logit decomposed into a base value and one contribution per feature column.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// Calibrated logit of the baseline (the mean training row).
    pub base_logit: f64,
    /// Calibrated logit of this customer: `base_logit + Σ contributions` up to rounding.
    pub logit: f64,
    pub probability: f64,
    /// One entry per feature column, in [`crate::Model::columns`] order; a column's value
    /// includes half of each interaction term it is part of.
    pub contributions: Vec<Contribution>,
    /// One entry per interaction term, in the pipeline's order: the term's whole contribution.
    pub interactions: Vec<PairContribution>,
}

/// An interaction term's share of the logit.
#[derive(Clone, Debug, PartialEq)]
pub struct PairContribution {
    /// The two columns, as indices into [`crate::Model::columns`].
    pub columns: [usize; 2],
    pub value: f64,
}

/// One column's share of the logit.
#[derive(Clone, Debug, PartialEq)]
pub struct Contribution {
    /// Index into [`crate::Model::columns`].
    pub column: usize,
    pub value: f64,
}

impl Scorer<'_> {
    /// Scores a row and decomposes its logit.
    pub fn explain(&mut self, values: &[Value<'_>]) -> Result<Explanation, InputError> {
        let model = self.model();
        let score = self.score(values)?;
        let spec = model.spec();
        let x = self.features();
        let r = &spec.baseline;
        let dx: Vec<f64> = x.iter().zip(r).map(|(a, b)| a - b).collect();
        let columns: Vec<(usize, usize, usize)> = (0..model.columns().len())
            .filter_map(|i| model.feature_range(i).map(|(off, w)| (i, off, w)))
            .collect();
        let pipeline = &spec.pipeline;
        // Every group of features that is attributed as one: the columns', then the terms'.
        let ranges: Vec<(usize, usize)> = columns
            .iter()
            .map(|&(_, off, w)| (off, w))
            .chain((0..pipeline.interactions().len()).filter_map(|k| pipeline.interaction_range(k)))
            .collect();
        let mut phi = match &spec.predictor {
            Predictor::Logistic(l) => {
                ranges.iter().map(|&(off, w)| (off..off + w).map(|f| l.weights[f] * dx[f]).sum()).collect()
            }
            Predictor::Mlp(mlp) => rescale_shares(mlp, &ranges, x, r, &dx),
        };
        let slope = spec.calibration.slope;
        for p in &mut phi {
            *p *= slope;
        }
        let mut scratch = vec![0.0; 2 * spec.predictor.max_width()];
        let base_logit = model.logit_encoded(r, &mut scratch);
        let terms = phi.split_off(columns.len());
        let mut contributions: Vec<Contribution> =
            columns.iter().zip(phi).map(|(&(column, _, _), value)| Contribution { column, value }).collect();
        let interactions: Vec<PairContribution> = pipeline
            .interactions()
            .iter()
            .zip(terms)
            .map(|(term, value)| PairContribution { columns: term.columns(), value })
            .collect();
        for pair in &interactions {
            for column in pair.columns {
                if let Some(c) = contributions.iter_mut().find(|c| c.column == column) {
                    c.value += 0.5 * pair.value;
                }
            }
        }
        let (logit, probability) = (score.logit, sigmoid(score.logit));
        Ok(Explanation { base_logit, logit, probability, contributions, interactions })
    }
}

/// DeepLIFT's Rescale rule through the MLP's hidden layers: each group of features (`ranges`,
/// as offset and width) gets its share of the output's change from the baseline `r` to `x`,
/// passed through every unit in proportion to that unit's change.
fn rescale_shares(mlp: &Mlp, ranges: &[(usize, usize)], x: &[f64], r: &[f64], dx: &[f64]) -> Vec<f64> {
    // `contrib[j * units + k]`: group j's share of the change of unit k.
    let m = ranges.len();
    let (mut act_x, mut act_r) = (x.to_vec(), r.to_vec());
    let mut contrib: Vec<f64> = Vec::new();
    let mut units_in = 0;
    for (layer_no, layer) in mlp.hidden.iter().enumerate() {
        let (n_in, units) = (layer.inputs as usize, layer.outputs as usize);
        let mut zx = vec![0.0; units];
        let mut zr = vec![0.0; units];
        layer.forward(&act_x, &mut zx);
        layer.forward(&act_r, &mut zr);
        let mut next = vec![0.0; m * units];
        for k in 0..units {
            let row = &layer.weights[k * n_in..(k + 1) * n_in];
            for (j, &(off, w)) in ranges.iter().enumerate() {
                next[j * units + k] = if layer_no == 0 {
                    (off..off + w).map(|f| row[f] * dx[f]).sum()
                } else {
                    (0..units_in).map(|i| row[i] * contrib[j * units_in + i]).sum()
                };
            }
            let rescale = rescale(zx[k], zr[k]);
            for j in 0..m {
                next[j * units + k] *= rescale;
            }
        }
        act_x = zx.iter().map(|z| z.max(0.0)).collect();
        act_r = zr.iter().map(|z| z.max(0.0)).collect();
        contrib = next;
        units_in = units;
    }
    (0..m).map(|j| (0..units_in).map(|k| mlp.output.weights[k] * contrib[j * units_in + k]).sum()).collect()
}

/// A ReLU unit's multiplier from its pre-activation at the baseline (`zr`) to the row (`zx`):
/// the change of its output over the change of its input, or its slope when the input does not
/// change.
fn rescale(zx: f64, zr: f64) -> f64 {
    let dz = zx - zr;
    let dh = zx.max(0.0) - zr.max(0.0);
    if dz != 0.0 {
        dh / dz
    } else if zr > 0.0 {
        1.0
    } else {
        0.0
    }
}
