//! The models in candle, and how they are fitted.
//!
//! [`Net`] is what the fitting loop needs from a model: a forward pass to logits, its parameters,
//! which of them the L2 penalty applies to, and the conversion to the scorer's [`Predictor`].
//! [`Logistic`] and [`Mlp`] implement it; [`fit`] minimises
//!
//! ```text
//! mean log-loss + α / (2n) · Σ ‖W‖²      (weights only, not biases)
//! ```
//!
//! — scikit-learn's objective for both `LogisticRegression(C = 1/α)` and `MLPClassifier(alpha = α)`
//! — with full-batch L-BFGS (argmin's, with a More–Thuente line search). On tables of thousands to
//! a few hundred thousand rows this converges in a few hundred steps, is deterministic, and needs
//! no learning-rate schedule. The log-loss is computed from logits in the stable form
//! `relu(z) − z·y + log(1 + e^−|z|)`, which stays finite when logits saturate.

use std::cell::RefCell;

use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use candle_core::{DType, Device, Tensor, Var};
use rand::RngExt;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use scorer_wasm::{Dense, Linear, Predictor};

use crate::error::{Error, Result};

/// A model the fitting loop can train.
pub trait Net {
    /// Logits, shape `(n)`, for inputs of shape `(n, d)`.
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor>;
    /// Parameters, in a fixed order.
    fn vars(&self) -> &[Var];
    /// Whether the L2 penalty applies to each parameter of [`Net::vars`].
    fn penalized(&self) -> &[bool];
    /// The trained parameters as the scorer's predictor.
    fn predictor(&self) -> candle_core::Result<Predictor>;
}

/// Logistic regression: `z = x·w + b`.
pub struct Logistic {
    vars: [Var; 2],
}

impl Logistic {
    /// Starts from all-zero weights (the objective is convex).
    pub fn new(inputs: usize) -> candle_core::Result<Self> {
        let dev = Device::Cpu;
        Ok(Logistic { vars: [Var::zeros((inputs, 1), DType::F64, &dev)?, Var::zeros(1, DType::F64, &dev)?] })
    }
}

impl Net for Logistic {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let [w, b] = &self.vars;
        x.matmul(w.as_tensor())?.squeeze(1)?.broadcast_add(b.as_tensor())
    }

    fn vars(&self) -> &[Var] {
        &self.vars
    }

    fn penalized(&self) -> &[bool] {
        &[true, false]
    }

    fn predictor(&self) -> candle_core::Result<Predictor> {
        let [w, b] = &self.vars;
        Ok(Predictor::Logistic(Linear {
            weights: w.as_tensor().flatten_all()?.to_vec1()?,
            bias: b.as_tensor().to_vec1::<f64>()?[0],
        }))
    }
}

/// ReLU hidden layers and a linear output unit. Weights are stored `(outputs, inputs)`, the
/// scorer's row-major layout.
pub struct Mlp {
    vars: Vec<Var>,
    penalized: Vec<bool>,
}

impl Mlp {
    /// Glorot-uniform initialisation of weights and biases (as scikit-learn), from `seed`.
    pub fn new(inputs: usize, hidden: &[usize], seed: u64) -> candle_core::Result<Self> {
        let dev = Device::Cpu;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut vars = Vec::new();
        let mut penalized = Vec::new();
        let mut fan_in = inputs;
        for &fan_out in hidden.iter().chain([1].iter()) {
            let bound = (6.0 / (fan_in + fan_out) as f64).sqrt();
            let mut uniform =
                |n: usize| -> Vec<f64> { (0..n).map(|_| rng.random_range(-bound..bound)).collect() };
            let w = uniform(fan_out * fan_in);
            let b = uniform(fan_out);
            vars.push(Var::from_slice(&w, (fan_out, fan_in), &dev)?);
            vars.push(Var::from_slice(&b, fan_out, &dev)?);
            penalized.extend([true, false]);
            fan_in = fan_out;
        }
        Ok(Mlp { vars, penalized })
    }
}

impl Net for Mlp {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let layers = self.vars.len() / 2;
        let mut h = x.clone();
        for l in 0..layers {
            let (w, b) = (self.vars[2 * l].as_tensor(), self.vars[2 * l + 1].as_tensor());
            h = h.matmul(&w.t()?)?.broadcast_add(b)?;
            if l + 1 < layers {
                h = h.relu()?;
            }
        }
        h.squeeze(1)
    }

    fn vars(&self) -> &[Var] {
        &self.vars
    }

    fn penalized(&self) -> &[bool] {
        &self.penalized
    }

    fn predictor(&self) -> candle_core::Result<Predictor> {
        let layers = self.vars.len() / 2;
        let mut hidden = Vec::with_capacity(layers - 1);
        for l in 0..layers - 1 {
            let (w, b) = (self.vars[2 * l].as_tensor(), self.vars[2 * l + 1].as_tensor());
            let (outputs, inputs) = w.dims2()?;
            hidden.push(Dense {
                inputs: inputs as u32,
                outputs: outputs as u32,
                weights: w.flatten_all()?.to_vec1()?,
                bias: b.to_vec1()?,
            });
        }
        let (w, b) = (self.vars[2 * layers - 2].as_tensor(), self.vars[2 * layers - 1].as_tensor());
        let output = Linear { weights: w.flatten_all()?.to_vec1()?, bias: b.to_vec1::<f64>()?[0] };
        Ok(Predictor::Mlp(scorer_wasm::Mlp { hidden, output }))
    }
}

/// Mean binary cross-entropy of logits `z` against 0/1 labels `y`, in the stable form.
pub fn bce_with_logits(z: &Tensor, y: &Tensor) -> candle_core::Result<Tensor> {
    let softplus_neg_abs = (z.abs()?.neg()?.exp()? + 1.0)?.log()?;
    ((z.relu()? - (z * y)?)? + softplus_neg_abs)?.mean_all()
}

/// The training objective of `net` on `x`, `y`: mean log-loss + `penalty`·Σ‖W‖² over the
/// penalised parameters (`penalty` = α/(2n), n the training rows).
pub fn objective<N: Net + ?Sized>(
    net: &N,
    x: &Tensor,
    y: &Tensor,
    penalty: f64,
) -> candle_core::Result<Tensor> {
    let mut loss = bce_with_logits(&net.forward(x)?, y)?;
    for (var, &penalized) in net.vars().iter().zip(net.penalized()) {
        if penalized && penalty > 0.0 {
            loss = (loss + (var.as_tensor().sqr()?.sum_all()? * penalty)?)?;
        }
    }
    Ok(loss)
}

/// A point the objective was evaluated at, with its cost and gradient.
type Evaluation = (Vec<f64>, f64, Vec<f64>);

/// The training objective of a net on a design matrix.
struct Objective<'a, N: Net + ?Sized> {
    net: &'a N,
    x: &'a Tensor,
    y: &'a Tensor,
    /// α / (2n).
    penalty: f64,
    /// Sizes of the parameters, in [`Net::vars`] order.
    sizes: Vec<usize>,
    /// The last point evaluated: the line search asks for cost, then gradient, at the same point.
    last: RefCell<Option<Evaluation>>,
    /// The lowest-cost point seen. Outside the objective, which the optimiser consumes, so that
    /// it survives a line search that gives up.
    best: &'a RefCell<Option<(f64, Vec<f64>)>>,
}

impl<N: Net + ?Sized> Objective<'_, N> {
    fn evaluate(&self, params: &[f64]) -> candle_core::Result<(f64, Vec<f64>)> {
        if let Some((p, c, g)) = &*self.last.borrow()
            && p.as_slice() == params
        {
            return Ok((*c, g.clone()));
        }
        let mut offset = 0;
        for (var, &size) in self.net.vars().iter().zip(&self.sizes) {
            let t = Tensor::from_slice(&params[offset..offset + size], var.shape(), var.device())?;
            var.set(&t)?;
            offset += size;
        }
        let loss = objective(self.net, self.x, self.y, self.penalty)?;
        let cost = loss.to_scalar::<f64>()?;
        let grads = loss.backward()?;
        let mut gradient = Vec::with_capacity(params.len());
        for (var, &size) in self.net.vars().iter().zip(&self.sizes) {
            match grads.get(var.as_tensor()) {
                Some(g) => gradient.extend(g.flatten_all()?.to_vec1::<f64>()?),
                None => gradient.extend(std::iter::repeat_n(0.0, size)),
            }
        }
        if cost.is_finite() && self.best.borrow().as_ref().is_none_or(|(c, _)| cost < *c) {
            *self.best.borrow_mut() = Some((cost, params.to_vec()));
        }
        *self.last.borrow_mut() = Some((params.to_vec(), cost, gradient.clone()));
        Ok((cost, gradient))
    }
}

impl<N: Net + ?Sized> CostFunction for Objective<'_, N> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, p: &Vec<f64>) -> std::result::Result<f64, argmin::core::Error> {
        Ok(self.evaluate(p)?.0)
    }
}

impl<N: Net + ?Sized> Gradient for Objective<'_, N> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, p: &Vec<f64>) -> std::result::Result<Vec<f64>, argmin::core::Error> {
        Ok(self.evaluate(p)?.1)
    }
}

/// How hard to fit.
#[derive(Clone, Copy, Debug)]
pub struct FitOptions {
    /// L2 penalty α.
    pub l2: f64,
    pub max_iter: u64,
}

/// What fitting reports.
#[derive(Clone, Copy, Debug)]
pub struct FitReport {
    /// L-BFGS iterations; `None` when the line search stopped early at the best point found.
    pub iterations: Option<u64>,
    /// The objective at the returned parameters.
    pub loss: f64,
}

/// Fits `net` to `x` (`n × d`, row-major) and labels `y` with L-BFGS, leaving the best
/// parameters found in the net.
pub fn fit<N: Net + ?Sized>(net: &N, x: &[f64], y: &[f64], d: usize, opts: FitOptions) -> Result<FitReport> {
    let n = y.len();
    let dev = Device::Cpu;
    let xt = Tensor::from_slice(x, (n, d), &dev)?;
    let yt = Tensor::from_slice(y, n, &dev)?;
    let sizes: Vec<usize> = net.vars().iter().map(|v| v.elem_count()).collect();
    let mut init = Vec::with_capacity(sizes.iter().sum());
    for v in net.vars() {
        init.extend(v.as_tensor().flatten_all()?.to_vec1::<f64>()?);
    }
    let best = RefCell::new(None);
    let objective = Objective {
        net,
        x: &xt,
        y: &yt,
        penalty: opts.l2 / (2.0 * n as f64),
        sizes: sizes.clone(),
        last: RefCell::new(None),
        best: &best,
    };
    let optimiser = |e: argmin::core::Error| Error::Training(format!("L-BFGS: {e}"));
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
        .with_tolerance_grad(1e-7)
        .map_err(optimiser)?
        .with_tolerance_cost(1e-12)
        .map_err(optimiser)?;
    let result = Executor::new(objective, solver).configure(|s| s.param(init).max_iters(opts.max_iter)).run();
    // Whether it converged, hit the iteration limit, or the line search stopped where no further
    // decrease is representable, the lowest-cost parameters seen are the answer.
    let (iterations, failure) = match result {
        Ok(r) => (Some(r.state().get_iter()), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let Some((loss, params)) = best.into_inner() else {
        return Err(Error::Training(failure.unwrap_or_else(|| "the optimiser found no finite loss".into())));
    };
    let mut offset = 0;
    for (var, &size) in net.vars().iter().zip(&sizes) {
        var.set(&Tensor::from_slice(&params[offset..offset + size], var.shape(), &dev)?)?;
        offset += size;
    }
    Ok(FitReport { iterations, loss })
}

/// Logits of a fitted net on `x` (`n × d`, row-major).
pub fn predict_logits<N: Net + ?Sized>(net: &N, x: &[f64], d: usize) -> Result<Vec<f64>> {
    let n = x.len() / d.max(1);
    let xt = Tensor::from_slice(x, (n, d), &Device::Cpu)?;
    Ok(net.forward(&xt)?.to_vec1()?)
}
