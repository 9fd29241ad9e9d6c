//! The summaries of repeated measurements the table reports.

pub(super) fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The width of the 95 % confidence interval of the mean of repeated measurements (Student's t),
/// over their median: a few rounds pin a ratio down only loosely, and this says how loosely.
/// 0 for one measurement.
pub(super) fn confidence(values: &[f64]) -> f64 {
    // t quantiles at 0.975 for 1 to 10 degrees of freedom.
    const T975: [f64; 10] = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];
    let n = values.len();
    if n < 2 {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    let t = T975.get(n - 2).copied().unwrap_or(1.96);
    2.0 * t * sd / (n as f64).sqrt() / median(values)
}

/// The spread of repeated measurements, (max − min) / median; 0 for one.
pub(super) fn spread(values: &[f64]) -> f64 {
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    if values.len() < 2 { 0.0 } else { (max - min) / median(values) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_of_known_series() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
        assert_eq!(spread(&[1.0, 2.0, 3.0]), 1.0);
        assert_eq!(spread(&[5.0]), 0.0);
        assert_eq!(confidence(&[7.0]), 0.0);
        // Two values 2 apart: mean 2, sd √2, t = 12.706 for one degree of freedom.
        let expected = 2.0 * 12.706 * 2f64.sqrt() / 2f64.sqrt() / 2.0;
        assert!((confidence(&[1.0, 3.0]) - expected).abs() < 1e-12);
    }
}
