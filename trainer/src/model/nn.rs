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
//! no learning-rate schedule. A logistic regression on a design of up to a few hundred columns
//! is fitted by Newton's method instead ([`crate::model::newton`]): the same optimum in a few
//! steps. The log-loss is computed from logits in the stable form
//! `relu(z) − z·y + log(1 + e^−|z|)`, which stays finite when logits saturate.
//!
//! The models live in candle, whose autograd computes the gradient for streaming training's
//! mini-batch Adam ([`objective`]), where a graph per step of a thousand rows pays. The full-batch
//! fit evaluates the same objective hundreds of times on the whole design matrix; there
//! [`crate::model::objective`] computes it with its gradient written out (a test holds the two to
//! the same values), reading the matrix as the sparse matrix it mostly is.

use std::cell::RefCell;

use argmin::core::{CostFunction, Executor, Gradient};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use candle_core::{DType, Device, Tensor, Var};
use rand::RngExt;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use scorer_wasm::{Dense, Linear, Predictor};

use crate::error::{Error, Result};
use crate::model::newton;
use crate::model::objective::{Layers, Objective};
use crate::prepare::design::Design;

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

    /// The net of fitted parameters `mlp` (as [`Net::predictor`] gives them).
    pub fn from_predictor(mlp: &scorer_wasm::Mlp) -> candle_core::Result<Self> {
        let dev = Device::Cpu;
        let mut vars = Vec::new();
        for d in &mlp.hidden {
            vars.push(Var::from_slice(&d.weights, (d.outputs as usize, d.inputs as usize), &dev)?);
            vars.push(Var::from_slice(&d.bias, d.outputs as usize, &dev)?);
        }
        vars.push(Var::from_slice(&mlp.output.weights, (1, mlp.output.weights.len()), &dev)?);
        vars.push(Var::from_slice(&[mlp.output.bias], 1, &dev)?);
        let penalized = (0..vars.len()).map(|i| i % 2 == 0).collect();
        Ok(Mlp { vars, penalized })
    }
}

/// One network whose logit is the mean of `members`' logits, exactly: the members side by side.
/// Their first layers stack (all read the same inputs), each deeper layer is block-diagonal (a
/// member's units read only that member's units), and the output weighs every member by `1/K`.
/// The scorer then runs an ensemble as the plain MLP it is, in every runtime.
///
/// Errors when the members' layer shapes differ.
pub fn average(members: &[scorer_wasm::Mlp]) -> Result<scorer_wasm::Mlp> {
    let shape = |m: &scorer_wasm::Mlp| -> Vec<(u32, u32)> {
        m.hidden.iter().map(|d| (d.outputs, d.inputs)).collect()
    };
    let Some(first) = members.first() else {
        return Err(Error::Training("an ensemble needs at least one member".into()));
    };
    if members.iter().any(|m| shape(m) != shape(first)) {
        return Err(Error::Training("the members of an ensemble have different layer shapes".into()));
    }
    let k = members.len();
    let mut hidden = Vec::with_capacity(first.hidden.len());
    for (l, d) in first.hidden.iter().enumerate() {
        let (outputs, inputs) = (d.outputs as usize, d.inputs as usize);
        let (rows, cols) = (outputs * k, if l == 0 { inputs } else { inputs * k });
        let mut weights = vec![0.0; rows * cols];
        let mut bias = Vec::with_capacity(rows);
        for (m, member) in members.iter().enumerate() {
            let layer = &member.hidden[l];
            let offset = if l == 0 { 0 } else { m * inputs };
            for r in 0..outputs {
                let row = (m * outputs + r) * cols + offset;
                weights[row..row + inputs].copy_from_slice(&layer.weights[r * inputs..(r + 1) * inputs]);
            }
            bias.extend_from_slice(&layer.bias);
        }
        hidden.push(Dense { inputs: cols as u32, outputs: rows as u32, weights, bias });
    }
    let weights = members.iter().flat_map(|m| m.output.weights.iter().map(|w| w / k as f64)).collect();
    let bias = members.iter().map(|m| m.output.bias).sum::<f64>() / k as f64;
    Ok(scorer_wasm::Mlp { hidden, output: Linear { weights, bias } })
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

/// The objective as argmin asks for it: cost and gradient at a point, each computed once.
struct Lbfgs<'a> {
    objective: RefCell<Objective<'a>>,
    /// The last point evaluated: the line search asks for cost, then gradient, at the same point.
    last: RefCell<Option<Evaluation>>,
    /// The lowest-cost point seen. Outside the objective, which the optimiser consumes, so that
    /// it survives a line search that gives up.
    best: &'a RefCell<Option<(f64, Vec<f64>)>>,
}

impl Lbfgs<'_> {
    fn evaluate(&self, params: &[f64]) -> (f64, Vec<f64>) {
        if let Some((p, c, g)) = &*self.last.borrow()
            && p.as_slice() == params
        {
            return (*c, g.clone());
        }
        let mut gradient = vec![0.0; params.len()];
        let cost = self.objective.borrow_mut().evaluate(params, &mut gradient);
        if cost.is_finite() && self.best.borrow().as_ref().is_none_or(|(c, _)| cost < *c) {
            *self.best.borrow_mut() = Some((cost, params.to_vec()));
        }
        *self.last.borrow_mut() = Some((params.to_vec(), cost, gradient.clone()));
        (cost, gradient)
    }
}

impl CostFunction for Lbfgs<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, p: &Vec<f64>) -> std::result::Result<f64, argmin::core::Error> {
        Ok(self.evaluate(p).0)
    }
}

impl Gradient for Lbfgs<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    fn gradient(&self, p: &Vec<f64>) -> std::result::Result<Vec<f64>, argmin::core::Error> {
        Ok(self.evaluate(p).1)
    }
}

/// The layer shapes of a net, `(outputs, inputs)` per (weights, biases) pair of its parameters.
fn layers_of<N: Net + ?Sized>(net: &N) -> Result<Layers> {
    let vars = net.vars();
    let shapes: Vec<(usize, usize)> = vars
        .chunks_exact(2)
        .map(|pair| {
            let outputs = pair[1].elem_count();
            (outputs, pair[0].elem_count() / outputs.max(1))
        })
        .collect();
    let chained = shapes.windows(2).all(|w| w[1].1 == w[0].0);
    if !vars.len().is_multiple_of(2) || shapes.is_empty() || !chained || shapes[shapes.len() - 1].0 != 1 {
        return Err(Error::Training(format!("not a stack of layers with one output: {shapes:?}")));
    }
    Ok(Layers(shapes))
}

/// How hard to fit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FitOptions {
    /// L2 penalty α.
    pub l2: f64,
    pub max_iter: u64,
    /// L-BFGS stops when the gradient's norm falls below this...
    pub tolerance_grad: f64,
    /// ...or an iteration lowers the cost by less than this.
    pub tolerance_cost: f64,
    /// Newton's method stops when the gradient's norm falls below this.
    pub tolerance_newton: f64,
}

impl FitOptions {
    /// L-BFGS's stopping tolerances: the gradient's norm, and the change of the cost in one
    /// iteration. Measured on Telco (logistic, 5 folds + final fit): from (1e-7, 1e-12) to
    /// (1e-5, 1e-9) the evaluations per fit fall from 362–474 to 165–275, and the CV ROC AUC moves
    /// from 0.849911 to 0.849915, log loss from 0.410388 to 0.410386 (at (1e-4, 1e-9), 103–121
    /// evaluations, the AUC moves by 3e-5, the fold AUCs by up to 8e-5).
    pub const TOLERANCE: (f64, f64) = (1e-5, 1e-9);

    pub fn new(l2: f64, max_iter: u64) -> FitOptions {
        let (tolerance_grad, tolerance_cost) = FitOptions::TOLERANCE;
        FitOptions { l2, max_iter, tolerance_grad, tolerance_cost, tolerance_newton: newton::TOLERANCE_GRAD }
    }
}

/// Which method fitted a net.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Solver {
    /// Newton's method: logistic regression on a design narrow enough ([`newton::suits`]).
    Newton,
    Lbfgs,
}

/// What fitting reports.
#[derive(Clone, Copy, Debug)]
pub struct FitReport {
    pub solver: Solver,
    /// The objective at the returned parameters.
    pub loss: f64,
}

/// Fits `net` to the rows of `design` and labels `y`, leaving the best parameters found in the
/// net: by Newton's method for a logistic regression whose Hessian is cheap (the same optimum in
/// a few steps; see [`newton`]), else by L-BFGS.
pub fn fit<N: Net + ?Sized>(net: &N, design: &Design, y: &[f64], opts: FitOptions) -> Result<FitReport> {
    let layers = layers_of(net)?;
    if layers.0.len() == 1
        && newton::suits(design)
        && let Some((params, loss)) =
            newton::fit(design, y, opts.l2, &params_of(net)?, opts.max_iter, opts.tolerance_newton)
    {
        set_params(net, &params)?;
        return Ok(FitReport { solver: Solver::Newton, loss });
    }
    fit_lbfgs(net, design, y, opts)
}

/// [`fit`] by L-BFGS, whatever the net.
pub fn fit_lbfgs<N: Net + ?Sized>(
    net: &N,
    design: &Design,
    y: &[f64],
    opts: FitOptions,
) -> Result<FitReport> {
    let layers = layers_of(net)?;
    let init = params_of(net)?;
    let best = RefCell::new(None);
    let objective = Lbfgs {
        objective: RefCell::new(Objective::new(design, y, layers, opts.l2)),
        last: RefCell::new(None),
        best: &best,
    };
    let optimiser = |e: argmin::core::Error| Error::Training(format!("L-BFGS: {e}"));
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
        .with_tolerance_grad(opts.tolerance_grad)
        .map_err(optimiser)?
        .with_tolerance_cost(opts.tolerance_cost)
        .map_err(optimiser)?;
    let result = Executor::new(objective, solver).configure(|s| s.param(init).max_iters(opts.max_iter)).run();
    // Whether it converged, hit the iteration limit, or the line search stopped where no further
    // decrease is representable, the lowest-cost parameters seen are the answer.
    let failure = result.err().map(|e| e.to_string());
    let Some((loss, params)) = best.into_inner() else {
        return Err(Error::Training(failure.unwrap_or_else(|| "the optimiser found no finite loss".into())));
    };
    set_params(net, &params)?;
    Ok(FitReport { solver: Solver::Lbfgs, loss })
}

/// A net's parameters, flat, in [`Net::vars`] order.
fn params_of<N: Net + ?Sized>(net: &N) -> Result<Vec<f64>> {
    let mut params = Vec::new();
    for v in net.vars() {
        params.extend(v.as_tensor().flatten_all()?.to_vec1::<f64>()?);
    }
    Ok(params)
}

/// Sets a net's parameters from flat ones in [`Net::vars`] order.
fn set_params<N: Net + ?Sized>(net: &N, params: &[f64]) -> Result<()> {
    let mut offset = 0;
    for var in net.vars() {
        let size = var.elem_count();
        var.set(&Tensor::from_slice(&params[offset..offset + size], var.shape(), &Device::Cpu)?)?;
        offset += size;
    }
    Ok(())
}

/// Starts `net` from the parameters of `from`, a net of the same shape: a warm start, for a fit
/// of the same design under a nearby penalty.
pub fn start_from<N: Net + ?Sized, M: Net + ?Sized>(net: &N, from: &M) -> Result<()> {
    if layers_of(net)?.0 != layers_of(from)?.0 {
        return Err(Error::Training("a warm start needs a net of the same shape".into()));
    }
    set_params(net, &params_of(from)?)
}

/// Starts a logistic regression `net` from `from`, one fitted on the first of its features (the
/// columns' own, before any interaction terms): their weights and the bias carried over, the
/// new features' weights zero. The warm start of a refit with interaction terms.
pub fn start_from_prefix<N: Net + ?Sized, M: Net + ?Sized>(net: &N, from: &M) -> Result<()> {
    let (wide, narrow) = (layers_of(net)?.0, layers_of(from)?.0);
    let (&[(1, d)], &[(1, prefix)]) = (wide.as_slice(), narrow.as_slice()) else {
        return Err(Error::Training(
            "a warm start from fewer features needs two logistic regressions".into(),
        ));
    };
    if prefix > d {
        return Err(Error::Training("a warm start from fewer features needs fewer features".into()));
    }
    // Laid out as `d` weights, then the bias.
    let old = params_of(from)?;
    let mut params = vec![0.0; d + 1];
    params[..prefix].copy_from_slice(&old[..prefix]);
    params[d] = old[prefix];
    set_params(net, &params)
}

/// Sets a logistic regression's bias to the log-odds of the churn rate of `y`, its weights zero:
/// the optimum of the model without features.
pub fn start_at_base_rate<N: Net + ?Sized>(net: &N, y: &[f64]) -> Result<()> {
    let [(1, d)] = layers_of(net)?.0[..] else {
        return Err(Error::Training("the base rate starts a logistic regression only".into()));
    };
    let rate = y.iter().sum::<f64>() / y.len().max(1) as f64;
    let mut params = vec![0.0; d + 1];
    if rate > 0.0 && rate < 1.0 {
        params[d] = (rate / (1.0 - rate)).ln();
    }
    set_params(net, &params)
}

/// Logits of a fitted net on the rows of `design`, by the forward pass fits use.
pub fn design_logits<N: Net + ?Sized>(net: &N, design: &Design) -> Result<Vec<f64>> {
    let params = params_of(net)?;
    Ok(Objective::new(design, &[], layers_of(net)?, 0.0).logits(&params).to_vec())
}

/// Logits of a fitted net on `x` (`n × d`, row-major), by candle's forward pass.
pub fn predict_logits<N: Net + ?Sized>(net: &N, x: &[f64], d: usize) -> Result<Vec<f64>> {
    let n = x.len() / d.max(1);
    let xt = Tensor::from_slice(x, (n, d), &Device::Cpu)?;
    Ok(net.forward(&xt)?.to_vec1()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Newton's optimum is the one L-BFGS approaches: the same objective, a smaller gradient; and
    /// `fit` takes Newton for a narrow logistic regression.
    #[test]
    fn newton_reaches_the_optimum_lbfgs_approaches() {
        let (design, y) = newton::tests::data(400, 8);
        let net = Logistic::new(8).unwrap();
        let report = fit(&net, &design, &y, FitOptions::new(1.0, 1000)).unwrap();
        assert_eq!(report.solver, Solver::Newton);
        let params = params_of(&net).unwrap();
        let mut gradient = vec![0.0; 9];
        let cost = Objective::new(&design, &y, Layers(vec![(1, 8)]), 1.0).evaluate(&params, &mut gradient);
        assert_eq!(cost, report.loss);
        assert!(newton::norm(&gradient) <= 1e-7, "gradient {gradient:?}");
        let lbfgs = fit_lbfgs(&Logistic::new(8).unwrap(), &design, &y, FitOptions::new(1.0, 1000)).unwrap();
        assert_eq!(lbfgs.solver, Solver::Lbfgs);
        assert!(cost <= lbfgs.loss && lbfgs.loss - cost < 1e-9, "Newton {cost}, L-BFGS {}", lbfgs.loss);
    }

    /// The merged network's logit is the mean of its members' logits, for one and two hidden
    /// layers, and it survives the round trip through a candle net.
    #[test]
    fn an_averaged_network_scores_the_mean_of_its_members() {
        let x = [0.5, -1.25, 2.0, 0.0, 1.0];
        for hidden in [vec![4], vec![3, 2]] {
            let members: Vec<scorer_wasm::Mlp> = (0..3)
                .map(|seed| match Mlp::new(5, &hidden, seed).unwrap().predictor().unwrap() {
                    Predictor::Mlp(m) => m,
                    other => panic!("an MLP gave {other:?}"),
                })
                .collect();
            let logit = |p: &Predictor| p.logit(&x, &mut vec![0.0; 2 * p.max_width()]);
            let mean = members.iter().map(|m| logit(&Predictor::Mlp(m.clone()))).sum::<f64>() / 3.0;
            let merged = average(&members).unwrap();
            assert_eq!(merged.hidden[0].outputs as usize, 3 * hidden[0]);
            let got = logit(&Predictor::Mlp(merged.clone()));
            assert!((got - mean).abs() < 1e-12, "{hidden:?}: merged {got}, mean {mean}");
            let back = Mlp::from_predictor(&merged).unwrap().predictor().unwrap();
            assert_eq!(back, Predictor::Mlp(merged));
        }
        let (one, two) = (Mlp::new(5, &[4], 0).unwrap(), Mlp::new(5, &[3], 0).unwrap());
        let [Predictor::Mlp(one), Predictor::Mlp(two)] = [one.predictor().unwrap(), two.predictor().unwrap()]
        else {
            panic!("an MLP gave another predictor");
        };
        assert_eq!(
            average(&[one, two]).unwrap_err().to_string(),
            "training failed: the members of an ensemble have different layer shapes"
        );
    }

    /// The objective full-batch fits minimise (written out) and the one streaming training
    /// minimises (candle's autograd) agree in value and gradient, for both families.
    #[test]
    fn the_written_out_objective_is_candles() {
        let (n, d) = (30, 6);
        let x: Vec<f64> =
            (0..n * d).map(|k| if k % 4 == 0 { 0.0 } else { ((k * 37 % 19) as f64 - 9.0) / 7.0 }).collect();
        let y: Vec<f64> = (0..n).map(|i| f64::from(u8::from(i % 4 == 1))).collect();
        let nets: [Box<dyn Net>; 2] =
            [Box::new(Logistic::new(d).unwrap()), Box::new(Mlp::new(d, &[5, 3], 9).unwrap())];
        let l2 = 2.5;
        for net in nets {
            if let [w, _] = net.vars() {
                // Logistic regression starts at zero; move it somewhere less special.
                let values: Vec<f64> = (0..d).map(|k| k as f64 / 10.0 - 0.2).collect();
                w.set(&Tensor::from_slice(&values, (d, 1), &Device::Cpu).unwrap()).unwrap();
            }
            let xt = Tensor::from_slice(&x, (n, d), &Device::Cpu).unwrap();
            let yt = Tensor::from_slice(&y, n, &Device::Cpu).unwrap();
            let loss = objective(net.as_ref(), &xt, &yt, l2 / (2.0 * n as f64)).unwrap();
            let grads = loss.backward().unwrap();
            let mut params = Vec::new();
            let mut autograd = Vec::new();
            for v in net.vars() {
                params.extend(v.as_tensor().flatten_all().unwrap().to_vec1::<f64>().unwrap());
                autograd.extend(
                    grads.get(v.as_tensor()).unwrap().flatten_all().unwrap().to_vec1::<f64>().unwrap(),
                );
            }
            let design = Design::from_dense(&x, d);
            let mut written = Objective::new(&design, &y, layers_of(net.as_ref()).unwrap(), l2);
            let mut gradient = vec![0.0; params.len()];
            let cost = written.evaluate(&params, &mut gradient);
            assert!((cost - loss.to_scalar::<f64>().unwrap()).abs() < 1e-14, "cost {cost}");
            for (k, (a, b)) in gradient.iter().zip(&autograd).enumerate() {
                assert!((a - b).abs() < 1e-14, "parameter {k}: written {a}, autograd {b}");
            }
            let logits = predict_logits(net.as_ref(), &x, d).unwrap();
            for (a, b) in written.logits(&params).iter().zip(&logits) {
                assert!((a - b).abs() < 1e-14);
            }
        }
    }
}
