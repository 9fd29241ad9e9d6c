//! The models: logistic regression and a small ReLU network, evaluated in a fixed order.

use bincode::{Decode, Encode};

use crate::math::dot;

/// A trained predictor over encoded features, producing a logit.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
pub enum Predictor {
    /// `logit = w·x + b`.
    Logistic(Linear),
    /// ReLU hidden layers, then a linear output: `logit = v·relu(W₂ relu(W₁x + b₁) + b₂) + c`.
    Mlp(Mlp),
}

/// A single linear output unit.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
pub struct Linear {
    pub weights: Vec<f64>,
    pub bias: f64,
}

/// A fully connected layer, weights row-major `[outputs][inputs]`.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
pub struct Dense {
    pub inputs: u32,
    pub outputs: u32,
    pub weights: Vec<f64>,
    pub bias: Vec<f64>,
}

/// A multilayer perceptron with ReLU activations.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
pub struct Mlp {
    pub hidden: Vec<Dense>,
    pub output: Linear,
}

impl Dense {
    /// `out[k] = b[k] + Σᵢ W[k][i]·x[i]` (pre-activation), summed left to right.
    pub fn forward(&self, x: &[f64], out: &mut [f64]) {
        let n = self.inputs as usize;
        for (k, o) in out.iter_mut().enumerate().take(self.outputs as usize) {
            *o = self.bias[k] + dot(&self.weights[k * n..(k + 1) * n], x);
        }
    }
}

fn relu(v: &mut [f64]) {
    for x in v {
        *x = x.max(0.0);
    }
}

impl Predictor {
    /// Number of encoded features the predictor reads.
    pub fn inputs(&self) -> usize {
        match self {
            Predictor::Logistic(l) => l.weights.len(),
            Predictor::Mlp(m) => m.hidden.first().map_or(m.output.weights.len(), |d| d.inputs as usize),
        }
    }

    /// Widest layer, the scratch space a forward pass needs per buffer.
    pub fn max_width(&self) -> usize {
        match self {
            Predictor::Logistic(_) => 0,
            Predictor::Mlp(m) => m.hidden.iter().map(|d| d.outputs as usize).max().unwrap_or(0),
        }
    }

    /// The raw (uncalibrated) logit. `scratch` must hold `2 × max_width()` values.
    pub fn logit(&self, x: &[f64], scratch: &mut [f64]) -> f64 {
        match self {
            Predictor::Logistic(l) => l.bias + dot(&l.weights, x),
            Predictor::Mlp(m) => {
                let (mut cur, mut next) = scratch.split_at_mut(self.max_width());
                let mut input = x;
                let mut width = 0;
                for layer in &m.hidden {
                    width = layer.outputs as usize;
                    layer.forward(input, &mut next[..width]);
                    relu(&mut next[..width]);
                    core::mem::swap(&mut cur, &mut next);
                    input = &cur[..width];
                }
                m.output.bias + dot(&m.output.weights, &cur[..width])
            }
        }
    }

    /// Whether every weight and bias is finite.
    /// Whether every weight and bias is a number within `±limit` (NaN and infinities are not).
    pub(crate) fn is_within(&self, limit: f64) -> bool {
        let all = |v: &[f64]| v.iter().all(|x| x.abs() <= limit);
        match self {
            Predictor::Logistic(l) => all(&l.weights) && l.bias.abs() <= limit,
            Predictor::Mlp(m) => {
                m.hidden.iter().all(|d| all(&d.weights) && all(&d.bias))
                    && all(&m.output.weights)
                    && m.output.bias.abs() <= limit
            }
        }
    }

    /// Checks that the layer shapes chain together; returns a description of the first problem.
    pub(crate) fn check_shapes(&self) -> Result<(), String> {
        const MAX_LAYERS: usize = 8;
        const MAX_WIDTH: u32 = 4096;
        match self {
            Predictor::Logistic(_) => Ok(()),
            Predictor::Mlp(m) => {
                if m.hidden.is_empty() || m.hidden.len() > MAX_LAYERS {
                    return Err(format!(
                        "an MLP needs 1 to {MAX_LAYERS} hidden layers, found {}",
                        m.hidden.len()
                    ));
                }
                let mut inputs = m.hidden[0].inputs;
                for (i, d) in m.hidden.iter().enumerate() {
                    if d.inputs != inputs || d.outputs == 0 || d.outputs > MAX_WIDTH {
                        return Err(format!("hidden layer {i} has shape {}×{}", d.outputs, d.inputs));
                    }
                    let cells = d.inputs as usize * d.outputs as usize;
                    if d.weights.len() != cells || d.bias.len() != d.outputs as usize {
                        return Err(format!(
                            "hidden layer {i} has {} weights and {} biases",
                            d.weights.len(),
                            d.bias.len()
                        ));
                    }
                    inputs = d.outputs;
                }
                if m.output.weights.len() != inputs as usize {
                    return Err(format!(
                        "output layer reads {} values, last hidden layer has {inputs}",
                        m.output.weights.len()
                    ));
                }
                Ok(())
            }
        }
    }
}
