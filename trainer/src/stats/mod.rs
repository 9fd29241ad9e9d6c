//! Numbers the layers above compute with: ranking metrics and threshold sweeps, stratified folds,
//! Platt calibration, a Cholesky solve, the economics of a retention campaign, and paired tests
//! of two models.

pub mod calibrate;
pub mod economics;
pub mod folds;
pub mod linalg;
pub mod metrics;
pub mod paired;

/// `x` rounded to `digits` significant digits.
pub fn round_to(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(digits - 1 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// The quantile of χ² with `k` degrees of freedom at the standard normal quantile `z`
/// (Wilson–Hilferty).
pub fn chi2_quantile(k: f64, z: f64) -> f64 {
    let h = 2.0 / (9.0 * k);
    k * (1.0 - h + z * h.sqrt()).powi(3)
}

/// Where `x` lies in χ² with `k` degrees of freedom, as a standard normal value (the inverse of
/// [`chi2_quantile`]): about 0 for a typical draw, above 3 for a rare one.
pub fn chi2_z(x: f64, k: f64) -> f64 {
    let h = 2.0 / (9.0 * k);
    ((x.max(0.0) / k).cbrt() - (1.0 - h)) / h.sqrt()
}
