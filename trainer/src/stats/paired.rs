//! Paired comparisons of two models scored on the same labelled rows.
//!
//! - ROC AUC by DeLong's test for correlated ROC curves (DeLong, DeLong & Clarke-Pearson,
//!   Biometrics 1988), computed from mid-ranks in O(N log N) as Sun & Xu show (IEEE Signal
//!   Processing Letters 2014). Each model's AUC is the mean of its structural components: for a
//!   churner, the share of non-churners it outscores (ties one half), and for a non-churner the
//!   share of churners that outscore it; their covariances across the two models give the
//!   variance of the difference.
//! - Any metric that is a mean of per-row values (log loss, campaign profit) by a paired,
//!   stratified bootstrap: rows are resampled within each class, the same rows for both models,
//!   so the class balance of every resample is that of the data, as DeLong's variance assumes.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};

use crate::stats::metrics::midranks;

/// The difference `b − a` of one metric between two models on the same rows.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Difference {
    pub a: f64,
    pub b: f64,
    /// `b − a`.
    pub difference: f64,
    /// The two-sided `1 − α` confidence interval of the difference.
    pub ci_low: f64,
    pub ci_high: f64,
    /// Two-sided p-value of "no difference".
    pub p_value: f64,
}

/// The standard normal distribution.
fn standard_normal() -> Normal {
    // Mean 0 and sd 1 are valid parameters; `new` refuses only non-finite or non-positive sd.
    Normal::standard()
}

/// The `1 − α/2` quantile of the standard normal: 1.959964 for α = 0.05.
pub fn normal_quantile(alpha: f64) -> f64 {
    standard_normal().inverse_cdf(1.0 - alpha / 2.0)
}

/// One model's AUC and its structural components: `v10[i]` for the i-th churner, `v01[j]` for
/// the j-th non-churner.
struct Components {
    auc: f64,
    v10: Vec<f64>,
    v01: Vec<f64>,
}

fn components(positives: &[f64], negatives: &[f64]) -> Components {
    let (m, n) = (positives.len(), negatives.len());
    let all: Vec<f64> = positives.iter().chain(negatives).copied().collect();
    let ranks = midranks(&all);
    let within_pos = midranks(positives);
    let within_neg = midranks(negatives);
    let v10: Vec<f64> = (0..m).map(|i| (ranks[i] - within_pos[i]) / n as f64).collect();
    let v01: Vec<f64> = (0..n).map(|j| 1.0 - (ranks[m + j] - within_neg[j]) / m as f64).collect();
    let auc = v10.iter().sum::<f64>() / m as f64;
    Components { auc, v10, v01 }
}

/// Sample covariance (divisor k − 1) of two equally long series.
fn covariance(x: &[f64], y: &[f64]) -> f64 {
    let k = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / k, y.iter().sum::<f64>() / k);
    x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum::<f64>() / (k - 1.0)
}

/// DeLong's test of `AUC(b) − AUC(a)` on rows with labels `y` (1 = churned) scored `a` and `b`.
/// Needs at least two rows of each class (the caller checks and says so).
pub fn delong(y: &[f64], a: &[f64], b: &[f64], alpha: f64) -> Difference {
    let split = |s: &[f64]| -> (Vec<f64>, Vec<f64>) {
        let pos = y.iter().zip(s).filter(|(t, _)| **t == 1.0).map(|(_, v)| *v).collect();
        let neg = y.iter().zip(s).filter(|(t, _)| **t != 1.0).map(|(_, v)| *v).collect();
        (pos, neg)
    };
    let (pa, na) = split(a);
    let (pb, nb) = split(b);
    let (m, n) = (pa.len() as f64, na.len() as f64);
    let ca = components(&pa, &na);
    let cb = components(&pb, &nb);
    // Var(b − a) = Var(a) + Var(b) − 2·Cov(a, b), each term S10/m + S01/n.
    let var =
        |x: &Components, z: &Components| covariance(&x.v10, &z.v10) / m + covariance(&x.v01, &z.v01) / n;
    let variance = (var(&ca, &ca) + var(&cb, &cb) - 2.0 * var(&ca, &cb)).max(0.0);
    let difference = cb.auc - ca.auc;
    let se = variance.sqrt();
    let p_value = if se > 0.0 {
        2.0 * standard_normal().cdf(-(difference / se).abs())
    } else if difference == 0.0 {
        1.0
    } else {
        // No spread at all but a difference: every churner is ranked alike by both models
        // except by a constant margin, which no sample can make uncertain.
        0.0
    };
    let half = normal_quantile(alpha) * se;
    Difference {
        a: ca.auc,
        b: cb.auc,
        difference,
        ci_low: difference - half,
        ci_high: difference + half,
        p_value,
    }
}

/// A paired, stratified bootstrap of the mean of per-row values `a` and `b` (for example each
/// row's log loss under either model): `resamples` resamples of the rows drawn within each class
/// of `y` with `seed`; the percentile interval and the two-sided p-value
/// `(1 + #{δ* on the far side of 0}) / (B + 1)`, doubled and capped at 1.
pub fn bootstrap_mean(
    y: &[f64],
    a: &[f64],
    b: &[f64],
    alpha: f64,
    resamples: usize,
    seed: u64,
) -> Difference {
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let d: Vec<f64> = a.iter().zip(b).map(|(x, z)| z - x).collect();
    let classes: [Vec<usize>; 2] =
        [(0..y.len()).filter(|&i| y[i] == 1.0).collect(), (0..y.len()).filter(|&i| y[i] != 1.0).collect()];
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut deltas: Vec<f64> = (0..resamples)
        .map(|_| {
            let mut sum = 0.0;
            for class in &classes {
                for _ in 0..class.len() {
                    sum += d[class[rng.random_range(0..class.len())]];
                }
            }
            sum / y.len() as f64
        })
        .collect();
    deltas.sort_by(f64::total_cmp);
    let quantile = |q: f64| {
        // The type-7 quantile (linear between order statistics), as NumPy's default.
        let h = q * (deltas.len() - 1) as f64;
        let (lo, frac) = (h.floor() as usize, h - h.floor());
        let hi = (lo + 1).min(deltas.len() - 1);
        deltas[lo] + frac * (deltas[hi] - deltas[lo])
    };
    let below = deltas.iter().filter(|&&x| x <= 0.0).count();
    let above = deltas.iter().filter(|&&x| x >= 0.0).count();
    let tail = (1 + below.min(above)) as f64 / (resamples + 1) as f64;
    Difference {
        a: mean(a),
        b: mean(b),
        difference: mean(&d),
        ci_low: quantile(alpha / 2.0),
        ci_high: quantile(1.0 - alpha / 2.0),
        p_value: (2.0 * tail).min(1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::metrics::roc_auc;

    /// DeLong's variance written as the paper defines it, by the kernel over every pair of a
    /// churner and a non-churner (O(m·n)), to check the mid-rank computation against.
    fn delong_by_pairs(y: &[f64], a: &[f64], b: &[f64]) -> (f64, f64, f64) {
        let psi = |x: f64, z: f64| {
            if x > z {
                1.0
            } else if x == z {
                0.5
            } else {
                0.0
            }
        };
        let pos: Vec<usize> = (0..y.len()).filter(|&i| y[i] == 1.0).collect();
        let neg: Vec<usize> = (0..y.len()).filter(|&i| y[i] != 1.0).collect();
        let (m, n) = (pos.len() as f64, neg.len() as f64);
        let v10 = |s: &[f64]| -> Vec<f64> {
            pos.iter().map(|&i| neg.iter().map(|&j| psi(s[i], s[j])).sum::<f64>() / n).collect()
        };
        let v01 = |s: &[f64]| -> Vec<f64> {
            neg.iter().map(|&j| pos.iter().map(|&i| psi(s[i], s[j])).sum::<f64>() / m).collect()
        };
        let (a10, a01, b10, b01) = (v10(a), v01(a), v10(b), v01(b));
        let auc = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let var = covariance(&a10, &a10) / m
            + covariance(&a01, &a01) / n
            + covariance(&b10, &b10) / m
            + covariance(&b01, &b01) / n
            - 2.0 * (covariance(&a10, &b10) / m + covariance(&a01, &b01) / n);
        (auc(&a10), auc(&b10), var)
    }

    fn rows() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        // Two correlated scores with ties (rounded to 0.05), 60 rows.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut y, mut a, mut b) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..60 {
            let label = f64::from(u8::from(next() < 0.35));
            let signal = label * 0.3 + next() * 0.7;
            y.push(label);
            a.push((signal * 20.0).round() / 20.0);
            b.push(((0.6 * signal + 0.4 * next()) * 20.0).round() / 20.0);
        }
        (y, a, b)
    }

    #[test]
    fn delong_agrees_with_its_definition_by_pairs() {
        let (y, a, b) = rows();
        let test = delong(&y, &a, &b, 0.05);
        let (auc_a, auc_b, var) = delong_by_pairs(&y, &a, &b);
        assert!((test.a - auc_a).abs() < 1e-12 && (test.a - roc_auc(&y, &a)).abs() < 1e-12);
        assert!((test.b - auc_b).abs() < 1e-12 && (test.b - roc_auc(&y, &b)).abs() < 1e-12);
        let se = var.sqrt();
        assert!(((test.ci_high - test.ci_low) / 2.0 - 1.959_963_984_540_054 * se).abs() < 1e-12);
        let z = (auc_b - auc_a) / se;
        let p = two_sided_by_erfc(z);
        assert!((test.p_value - p).abs() < 1e-9, "{} vs {p}", test.p_value);
    }

    /// 2·(1 − Φ(|z|)) by the complementary error function's continued fraction, independent of
    /// statrs.
    fn two_sided_by_erfc(z: f64) -> f64 {
        // erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))) for x > 0.
        let x = z.abs() / std::f64::consts::SQRT_2;
        if x < 2.0 {
            // Series of erf for small x: erf(x) = 2/√π Σ (−1)ⁿ x^(2n+1) / (n! (2n+1)).
            let (mut term, mut sum) = (x, x);
            for k in 1..80 {
                term *= -x * x / k as f64;
                sum += term / (2 * k + 1) as f64;
            }
            return 1.0 - 2.0 / std::f64::consts::PI.sqrt() * sum;
        }
        let mut fraction = x;
        for k in (1..200).rev() {
            fraction = x + (k as f64 / 2.0) / fraction;
        }
        (-x * x).exp() / std::f64::consts::PI.sqrt() / fraction
    }

    #[test]
    fn a_model_compared_with_itself_differs_by_nothing() {
        let (y, a, _) = rows();
        let test = delong(&y, &a, &a, 0.05);
        assert_eq!((test.difference, test.p_value, test.ci_low, test.ci_high), (0.0, 1.0, 0.0, 0.0));
        let boot = bootstrap_mean(&y, &a, &a, 0.05, 200, 1);
        assert_eq!((boot.difference, boot.p_value, boot.ci_low, boot.ci_high), (0.0, 1.0, 0.0, 0.0));
    }

    #[test]
    fn the_normal_quantile_is_the_tables() {
        assert!((normal_quantile(0.05) - 1.959_963_984_540_054).abs() < 1e-9);
        assert!((normal_quantile(0.01) - 2.575_829_303_548_901).abs() < 1e-9);
    }

    #[test]
    fn a_bootstrap_of_a_clear_shift_is_significant_and_reproducible() {
        let (y, a, _) = rows();
        let b: Vec<f64> = a.iter().enumerate().map(|(i, x)| x + 0.01 + 0.001 * (i % 7) as f64).collect();
        let first = bootstrap_mean(&y, &a, &b, 0.05, 500, 7);
        assert_eq!(first, bootstrap_mean(&y, &a, &b, 0.05, 500, 7));
        // Every per-row difference is positive, so no resample reaches 0: p = 2/(B + 1).
        assert_eq!(first.p_value, 2.0 / 501.0);
        assert!(first.ci_low > 0.01 && first.ci_high < 0.017, "{first:?}");
        let mean_shift = (0..60).map(|i| 0.01 + 0.001 * (i % 7) as f64).sum::<f64>() / 60.0;
        assert!((first.difference - mean_shift).abs() < 1e-12);
    }
}
