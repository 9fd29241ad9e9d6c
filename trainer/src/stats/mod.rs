//! Numbers the layers above compute with: ranking metrics and threshold sweeps, stratified folds,
//! Platt calibration, the economics of a retention campaign, and paired tests of two models.

pub mod calibrate;
pub mod economics;
pub mod folds;
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
