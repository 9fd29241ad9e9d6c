//! The full-batch training objective with its gradient written out by hand, for L-BFGS and
//! Newton's method.
//!
//! The objective is the one [`crate::model::nn`] defines (mean log-loss + α/(2n)·Σ‖W‖², weights
//! only), for a stack of layers `(outputs, inputs)`: ReLU hidden layers and one linear output
//! unit; logistic regression is the stack with no hidden layer. Each evaluation is one forward
//! and one backward pass over the rows into buffers allocated once, with no autograd graph and
//! no tensors: at these sizes (thousands of rows, tens to hundreds of features) building the
//! graph and zeroing fresh buffers cost more than the arithmetic.
//!
//! The design matrix is read as the sparse matrix it mostly is ([`Design`]), so the first layer
//! costs what the non-zero cells cost. Every sum runs in a fixed order, so a fit is deterministic.

use scorer_wasm::math::exp;

use crate::prepare::design::Design;

/// The shapes of a stack of layers, `(outputs, inputs)` each, first to last; the last has one
/// output. Parameters are laid out flat in this order: each layer's weights (row-major, one row
/// per output), then its biases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layers(pub Vec<(usize, usize)>);

impl Layers {
    pub fn parameters(&self) -> usize {
        self.0.iter().map(|&(o, i)| o * i + o).sum()
    }

    /// Where each layer's weights and biases start in the flat parameters.
    fn offsets(&self) -> Vec<(usize, usize)> {
        let mut at = 0;
        self.0
            .iter()
            .map(|&(o, i)| {
                let w = at;
                at += o * i + o;
                (w, w + o * i)
            })
            .collect()
    }
}

/// The objective of one fit: the rows, their labels and the penalty, with buffers for the
/// passes, allocated once.
pub struct Objective<'a> {
    design: &'a Design,
    y: &'a [f64],
    layers: Layers,
    /// Where each layer's weights and biases start in the flat parameters.
    offsets: Vec<(usize, usize)>,
    /// α / (2n).
    penalty: f64,
    /// Each layer's outputs, `rows × outputs` (ReLU applied on hidden layers; logits last).
    outputs: Vec<Vec<f64>>,
    /// The gradient of the loss with respect to each layer's outputs, same shapes.
    deltas: Vec<Vec<f64>>,
    /// The first layer's weights transposed, `inputs × outputs`, and their gradient: a sparse
    /// row then touches one contiguous run of each.
    first_t: Vec<f64>,
    first_grad_t: Vec<f64>,
}

impl<'a> Objective<'a> {
    pub fn new(design: &'a Design, y: &'a [f64], layers: Layers, l2: f64) -> Objective<'a> {
        let n = design.rows();
        let outputs: Vec<Vec<f64>> = layers.0.iter().map(|&(o, _)| vec![0.0; n * o]).collect();
        let (o0, i0) = layers.0[0];
        Objective {
            design,
            y,
            penalty: l2 / (2.0 * n.max(1) as f64),
            deltas: outputs.clone(),
            outputs,
            first_t: vec![0.0; o0 * i0],
            first_grad_t: vec![0.0; o0 * i0],
            offsets: layers.offsets(),
            layers,
        }
    }

    /// The objective at `params`, with its gradient written to `grad`.
    pub fn evaluate(&mut self, params: &[f64], grad: &mut [f64]) -> f64 {
        self.forward(params);
        let loss = self.loss_and_output_delta();
        grad.fill(0.0);
        self.backward(params, grad);
        let mut penalty = 0.0;
        for (&(o, i), &(w, _)) in self.layers.0.iter().zip(&self.offsets) {
            for k in w..w + o * i {
                penalty += params[k] * params[k];
                grad[k] += 2.0 * self.penalty * params[k];
            }
        }
        loss + self.penalty * penalty
    }

    /// The logits of the rows at `params`.
    pub fn logits(&mut self, params: &[f64]) -> &[f64] {
        self.forward(params);
        &self.outputs[self.outputs.len() - 1]
    }

    fn forward(&mut self, params: &[f64]) {
        let offsets = &self.offsets;
        let last = self.layers.0.len() - 1;
        let (o0, i0) = self.layers.0[0];
        let (w0, b0) = offsets[0];
        transpose(&params[w0..w0 + o0 * i0], o0, i0, &mut self.first_t);
        sparse_forward(self.design, &self.first_t, &params[b0..b0 + o0], last > 0, &mut self.outputs[0]);
        for l in 1..=last {
            let (o, i) = self.layers.0[l];
            let (w, b) = offsets[l];
            let (before, after) = self.outputs.split_at_mut(l);
            let layer = Dense { weights: &params[w..w + o * i], bias: &params[b..b + o], inputs: i };
            dense_forward(&layer, &before[l - 1], l < last, &mut after[0]);
        }
    }

    /// Mean log-loss of the logits, in the stable form; leaves `(σ(z) − y) / n` in the last
    /// layer's deltas.
    fn loss_and_output_delta(&mut self) -> f64 {
        let n = self.y.len().max(1) as f64;
        let last = self.outputs.len() - 1;
        let mut loss = 0.0;
        for ((&z, &y), delta) in self.outputs[last].iter().zip(self.y).zip(self.deltas[last].iter_mut()) {
            // One exponential serves both: e^−|z| is the loss's and the sigmoid's, so σ(z) has
            // the scorer's bits.
            let e = exp(-z.abs());
            loss += z.max(0.0) - z * y + e.ln_1p();
            let p = if z >= 0.0 { 1.0 / (1.0 + e) } else { e / (1.0 + e) };
            *delta = (p - y) / n;
        }
        loss / n
    }

    fn backward(&mut self, params: &[f64], grad: &mut [f64]) {
        let offsets = &self.offsets;
        let last = self.layers.0.len() - 1;
        for l in (1..=last).rev() {
            let (o, i) = self.layers.0[l];
            let (w, b) = offsets[l];
            let (lower, upper) = self.deltas.split_at_mut(l);
            let layer = Dense { weights: &params[w..w + o * i], bias: &params[b..b + o], inputs: i };
            let (gw, gb) = grad[w..b + o].split_at_mut(o * i);
            dense_backward(&layer, &self.outputs[l - 1], &upper[0], gw, gb, &mut lower[l - 1]);
        }
        let (o0, i0) = self.layers.0[0];
        let (w0, b0) = offsets[0];
        self.first_grad_t.fill(0.0);
        sparse_backward(self.design, &self.deltas[0], o0, &mut self.first_grad_t, &mut grad[b0..b0 + o0]);
        transpose(&self.first_grad_t, i0, o0, &mut grad[w0..w0 + o0 * i0]);
    }
}

/// A dense layer's parameters: `weights` one row of `inputs` per output.
struct Dense<'p> {
    weights: &'p [f64],
    bias: &'p [f64],
    inputs: usize,
}

/// The first layer on the sparse rows: `out[r] = bias + Σ v · w_t[c]` over row `r`'s cells
/// (`w_t` the weights transposed, one row of outputs per input), then the ReLU if `relu`.
/// Compiled for several instruction sets, chosen when it runs; no sum is reordered, so every
/// one gives the same bits.
#[multiversion::multiversion(targets = "simd")]
fn sparse_forward(design: &Design, w_t: &[f64], bias: &[f64], relu_after: bool, out: &mut [f64]) {
    let width = bias.len();
    if width == 1 {
        // Logistic regression's one unit: a sparse dot product per row.
        for (r, z) in out.iter_mut().enumerate() {
            let mut s = bias[0];
            for (c, v) in design.row(r) {
                s += v * w_t[c];
            }
            *z = if relu_after { s.max(0.0) } else { s };
        }
        return;
    }
    match width {
        8 => sparse_forward_fixed::<8>(design, w_t, bias, relu_after, out),
        16 => sparse_forward_fixed::<16>(design, w_t, bias, relu_after, out),
        32 => sparse_forward_fixed::<32>(design, w_t, bias, relu_after, out),
        _ => {
            for (r, row_out) in out.chunks_exact_mut(width).enumerate() {
                row_out.copy_from_slice(bias);
                for (c, v) in design.row(r) {
                    axpy(v, &w_t[c * width..(c + 1) * width], row_out);
                }
                if relu_after {
                    relu(row_out);
                }
            }
        }
    }
}

/// [`sparse_forward`] for a layer `W` wide: the row's outputs stay in registers while its cells
/// are added in.
#[inline(always)]
fn sparse_forward_fixed<const W: usize>(
    design: &Design,
    w_t: &[f64],
    bias: &[f64],
    relu_after: bool,
    out: &mut [f64],
) {
    let (w_rows, _) = w_t.as_chunks::<W>();
    let Some(&bias) = bias.first_chunk::<W>() else { return };
    for (r, row_out) in out.as_chunks_mut::<W>().0.iter_mut().enumerate() {
        let mut acc = bias;
        for (c, v) in design.row(r) {
            let w = &w_rows[c];
            for k in 0..W {
                acc[k] += v * w[k];
            }
        }
        if relu_after {
            relu(&mut acc);
        }
        *row_out = acc;
    }
}

/// The first layer's gradient from the deltas of its outputs: `grad_t[c] += v · delta[r]` (the
/// weights' gradient transposed, like `w_t`) and the biases' `grad_b += Σ delta[r]`.
#[multiversion::multiversion(targets = "simd")]
fn sparse_backward(design: &Design, deltas: &[f64], width: usize, grad_t: &mut [f64], grad_b: &mut [f64]) {
    if width == 1 {
        for (r, &d) in deltas.iter().enumerate() {
            grad_b[0] += d;
            for (c, v) in design.row(r) {
                grad_t[c] += v * d;
            }
        }
        return;
    }
    match width {
        8 => sparse_backward_fixed::<8>(design, deltas, grad_t, grad_b),
        16 => sparse_backward_fixed::<16>(design, deltas, grad_t, grad_b),
        32 => sparse_backward_fixed::<32>(design, deltas, grad_t, grad_b),
        _ => {
            for (r, d) in deltas.chunks_exact(width).enumerate() {
                for (g, &dk) in grad_b.iter_mut().zip(d) {
                    *g += dk;
                }
                for (c, v) in design.row(r) {
                    axpy(v, d, &mut grad_t[c * width..(c + 1) * width]);
                }
            }
        }
    }
}

/// [`sparse_backward`] for a layer `W` wide: the row's deltas stay in registers.
#[inline(always)]
fn sparse_backward_fixed<const W: usize>(
    design: &Design,
    deltas: &[f64],
    grad_t: &mut [f64],
    grad_b: &mut [f64],
) {
    let (g_rows, _) = grad_t.as_chunks_mut::<W>();
    let Some(grad_b) = grad_b.first_chunk_mut::<W>() else { return };
    for (r, d) in deltas.as_chunks::<W>().0.iter().enumerate() {
        for k in 0..W {
            grad_b[k] += d[k];
        }
        for (c, v) in design.row(r) {
            let g = &mut g_rows[c];
            for k in 0..W {
                g[k] += v * d[k];
            }
        }
    }
}

/// A dense layer on the rows of `input`, into `out` (one row of outputs per input row).
#[multiversion::multiversion(targets = "simd")]
fn dense_forward(layer: &Dense<'_>, input: &[f64], relu_after: bool, out: &mut [f64]) {
    let (i, o) = (layer.inputs, layer.bias.len());
    for (row_out, h) in out.chunks_exact_mut(o).zip(input.chunks_exact(i)) {
        for (k, slot) in row_out.iter_mut().enumerate() {
            *slot = layer.bias[k] + dot(&layer.weights[k * i..(k + 1) * i], h);
        }
        if relu_after {
            relu(row_out);
        }
    }
}

/// A dense layer's gradient: of its weights and biases from the deltas of its outputs, and the
/// deltas of its input (`below`, through the ReLU that made the input: none where it was off).
#[multiversion::multiversion(targets = "simd")]
fn dense_backward(
    layer: &Dense<'_>,
    input: &[f64],
    deltas: &[f64],
    grad_w: &mut [f64],
    grad_b: &mut [f64],
    below: &mut [f64],
) {
    let (i, o) = (layer.inputs, layer.bias.len());
    for ((d, h), back) in deltas.chunks_exact(o).zip(input.chunks_exact(i)).zip(below.chunks_exact_mut(i)) {
        back.fill(0.0);
        for (k, &dk) in d.iter().enumerate() {
            grad_b[k] += dk;
            axpy(dk, h, &mut grad_w[k * i..(k + 1) * i]);
            axpy(dk, &layer.weights[k * i..(k + 1) * i], back);
        }
        for (g, &a) in back.iter_mut().zip(h) {
            if a <= 0.0 {
                *g = 0.0;
            }
        }
    }
}

/// `out += a · x`.
#[inline(always)]
fn axpy(a: f64, x: &[f64], out: &mut [f64]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o += a * v;
    }
}

/// `Σ a_k b_k`, in four interleaved sums (a fixed order, so the same bits every time) so that it
/// pipelines.
#[inline(always)]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut s = [0.0; 4];
    let (ca, ra) = a.split_at(a.len() - a.len() % 4);
    let (cb, rb) = b.split_at(ca.len());
    for (x, y) in ca.chunks_exact(4).zip(cb.chunks_exact(4)) {
        for k in 0..4 {
            s[k] += x[k] * y[k];
        }
    }
    let mut tail = 0.0;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    (s[0] + s[1]) + (s[2] + s[3]) + tail
}

#[inline(always)]
fn relu(x: &mut [f64]) {
    for v in x {
        *v = v.max(0.0);
    }
}

/// `m` (`rows × cols`, row-major) into `out` (`cols × rows`).
fn transpose(m: &[f64], rows: usize, cols: usize, out: &mut [f64]) {
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = m[r * cols + c];
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A reproducible stream of numbers in [0, 1) (xorshift), for test rows.
    pub(crate) fn uniform(seed: u64) -> impl FnMut() -> f64 {
        let mut state = seed;
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 10_000) as f64 / 10_000.0
        }
    }

    /// The hand-written gradient against central differences of the objective, for logistic
    /// regression and for one and two hidden layers, on rows with zeros and ones like a design.
    #[test]
    fn the_gradient_is_the_derivative_of_the_objective() {
        let (n, d) = (40, 7);
        let mut next = uniform(7);
        let x: Vec<f64> = (0..n * d)
            .map(|k| match k % 3 {
                0 => 0.0,
                1 => 1.0,
                _ => next() * 2.0 - 1.0,
            })
            .collect();
        let y: Vec<f64> = (0..n).map(|i| f64::from(u8::from(i % 3 == 0))).collect();
        let design = Design::from_dense(&x, d);
        assert_eq!((design.rows(), design.width()), (n, d));
        for layers in [vec![(1, d)], vec![(5, d), (1, 5)], vec![(4, d), (3, 4), (1, 3)]] {
            let layers = Layers(layers);
            let params: Vec<f64> = (0..layers.parameters()).map(|_| next() - 0.5).collect();
            let mut objective = Objective::new(&design, &y, layers.clone(), 3.0);
            let mut grad = vec![0.0; params.len()];
            objective.evaluate(&params, &mut grad);
            let mut scratch = vec![0.0; params.len()];
            for k in 0..params.len() {
                let h = 1e-6;
                let mut p = params.clone();
                p[k] += h;
                let up = objective.evaluate(&p, &mut scratch);
                p[k] -= 2.0 * h;
                let down = objective.evaluate(&p, &mut scratch);
                let numeric = (up - down) / (2.0 * h);
                assert!(
                    (numeric - grad[k]).abs() <= 1e-7 * (1.0 + numeric.abs()),
                    "{layers:?} parameter {k}: analytic {} numeric {numeric}",
                    grad[k]
                );
            }
        }
    }
}
