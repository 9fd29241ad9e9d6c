//! Probability calibration: Platt scaling fitted on out-of-fold logits, and the measures of how
//! well probabilities match outcomes (Brier score, expected calibration error, reliability curve).

use scorer_wasm::Calibration;
use scorer_wasm::math::sigmoid;

/// Fits `p = σ(a·z + b)` to outcomes by Newton's method on the log-loss, with Platt's smoothed
/// targets (`(n₊ + 1)/(n₊ + 2)` and `1/(n₋ + 2)` instead of 1 and 0), which keep the fit finite
/// when the logits separate the classes.
pub fn fit_platt(z: &[f64], y: &[f64]) -> Calibration {
    let positives = y.iter().filter(|&&t| t == 1.0).count() as f64;
    let negatives = y.len() as f64 - positives;
    let (hi, lo) = ((positives + 1.0) / (positives + 2.0), 1.0 / (negatives + 2.0));
    let targets: Vec<f64> = y.iter().map(|&t| if t == 1.0 { hi } else { lo }).collect();
    let (mut a, mut b) = (1.0, 0.0);
    for _ in 0..100 {
        // Gradient and Hessian of the mean log-loss in (a, b).
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (&zi, &ti) in z.iter().zip(&targets) {
            let p = sigmoid(a * zi + b);
            let w = p * (1.0 - p);
            ga += (p - ti) * zi;
            gb += p - ti;
            haa += w * zi * zi;
            hab += w * zi;
            hbb += w;
        }
        let det = haa * hbb - hab * hab;
        if !(det.is_finite() && det > 1e-12) {
            break;
        }
        let (da, db) = ((hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det);
        a -= da;
        b -= db;
        if da.abs() < 1e-12 && db.abs() < 1e-12 {
            break;
        }
    }
    if a.is_finite() && b.is_finite() && a > 0.0 {
        Calibration { slope: a, intercept: b }
    } else {
        Calibration::IDENTITY
    }
}

/// One bin of a reliability curve.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReliabilityBin {
    pub lower: f64,
    pub upper: f64,
    pub count: u64,
    /// Mean predicted probability and observed churn rate of the rows in the bin.
    pub predicted: f64,
    pub observed: f64,
}

/// Rows binned by predicted probability into `bins` equal-width bins.
pub fn reliability(y: &[f64], p: &[f64], bins: usize) -> Vec<ReliabilityBin> {
    let mut sums = vec![(0u64, 0.0, 0.0); bins];
    for (&t, &q) in y.iter().zip(p) {
        let i = ((q * bins as f64) as usize).min(bins - 1);
        sums[i].0 += 1;
        sums[i].1 += q;
        sums[i].2 += t;
    }
    sums.iter()
        .enumerate()
        .filter(|(_, s)| s.0 > 0)
        .map(|(i, &(n, sp, sy))| ReliabilityBin {
            lower: i as f64 / bins as f64,
            upper: (i + 1) as f64 / bins as f64,
            count: n,
            predicted: sp / n as f64,
            observed: sy / n as f64,
        })
        .collect()
}

/// Expected calibration error: the row-weighted mean gap between predicted and observed rates
/// over `bins` equal-width bins.
pub fn ece(y: &[f64], p: &[f64], bins: usize) -> f64 {
    let n = y.len() as f64;
    reliability(y, p, bins).iter().map(|b| b.count as f64 / n * (b.predicted - b.observed).abs()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platt_recovers_a_known_map() {
        // Logits twice too confident and shifted: the fit undoes both.
        let z: Vec<f64> = (0..4000).map(|i| -4.0 + 8.0 * f64::from(i) / 4000.0).collect();
        let y: Vec<f64> = z
            .iter()
            .enumerate()
            .map(|(i, &zi)| {
                let p = sigmoid(0.5 * zi - 0.3);
                // A deterministic, evenly spread sequence instead of random draws.
                if ((i as f64 * 0.618_033_988_75) % 1.0) < p { 1.0 } else { 0.0 }
            })
            .collect();
        let c = fit_platt(&z, &y);
        assert!((c.slope - 0.5).abs() < 0.05, "{c:?}");
        assert!((c.intercept + 0.3).abs() < 0.08, "{c:?}");
    }

    #[test]
    fn calibration_error_of_perfect_and_biased_forecasts() {
        let y = [0.0, 1.0, 0.0, 1.0];
        assert_eq!(ece(&y, &[0.5, 0.5, 0.5, 0.5], 10), 0.0);
        assert!((ece(&y, &[0.9, 0.9, 0.9, 0.9], 10) - 0.4).abs() < 1e-12);
        let bins = reliability(&y, &[0.1, 0.95, 0.15, 0.9], 10);
        assert_eq!(bins.len(), 2);
        assert_eq!((bins[0].count, bins[0].observed), (2, 0.0));
    }
}
