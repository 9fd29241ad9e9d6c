//! Drift: how far new data has moved from what the model was trained on.
//!
//! The model file keeps the training data's distribution of every feature column (deciles for
//! numbers and dates, the frequent levels for categories and booleans, a bin for missing values)
//! and of the model's probability. `churn drift` bins new data the same way and measures each
//! variable's population stability index, `PSI = Σ (aᵢ − eᵢ) ln(aᵢ / eᵢ)`.
//!
//! PSI is noisy on small samples: with no drift at all, between a reference of `n` rows and a
//! sample of `m` rows over `B` bins it is close to `χ²(B − 1) · (1/n + 1/m)`, so a fixed 0.1
//! alarm fires on most 100-row batches. The alarms here are the larger of the usual rule of thumb
//! and what chance alone would reach: moderate above `max(0.1, χ²₀.₉₉(B − 1) · (1/n + 1/m))`,
//! significant above `max(0.25, χ²₀.₉₉₉(B − 1) · (1/n + 1/m))`. Retraining is recommended when the
//! score or any feature drifts significantly.

use scorer_wasm::reference::Distribution;
use scorer_wasm::{Model, Role};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::input::data::Table;
use crate::prepare::distribution::{Point, counts, point};

/// The drift of one variable.
#[derive(Clone, Debug, Serialize)]
pub struct VariableDrift {
    pub name: String,
    pub psi: f64,
    /// `none`, `moderate` or `significant`.
    pub verdict: &'static str,
    /// The PSI above which the verdict is moderate, and significant, for these sample sizes.
    pub moderate_above: f64,
    pub significant_above: f64,
    pub missing_share_reference: f64,
    pub missing_share_now: f64,
    /// Values that do not fit the column (and that scoring would reject).
    pub invalid: u64,
}

/// The drift of a table against a model's training data.
#[derive(Clone, Debug, Serialize)]
pub struct DriftReport {
    pub model_id: String,
    pub reference_rows: u64,
    pub rows: u64,
    /// Rows the model could score (the score's distribution is measured on them).
    pub scored: u64,
    pub score: VariableDrift,
    /// Feature columns, most drifted first.
    pub columns: Vec<VariableDrift>,
    pub retrain_recommended: bool,
    pub reasons: Vec<String>,
}

use crate::stats::chi2_quantile;

/// PSI between reference shares and new counts, with its alarm levels.
fn compare(reference: &Distribution, counts: &[u64], invalid: u64, n_ref: u64) -> VariableDrift {
    let m: u64 = counts.iter().sum();
    // Empty bins would make the logarithm infinite: half a row of smoothing on both sides.
    let k = counts.len() as f64;
    let occupied = reference.shares.iter().zip(counts).filter(|(e, a)| **e > 0.0 || **a > 0).count();
    let psi: f64 = reference
        .shares
        .iter()
        .zip(counts)
        .filter(|(e, a)| **e > 0.0 || **a > 0)
        .map(|(&e, &a)| {
            let expected = (e * n_ref as f64 + 0.5) / (n_ref as f64 + 0.5 * k);
            let actual = (a as f64 + 0.5) / (m as f64 + 0.5 * k);
            (actual - expected) * (actual / expected).ln()
        })
        .sum();
    let dof = (occupied.max(2) - 1) as f64;
    let noise = 1.0 / n_ref.max(1) as f64 + 1.0 / m.max(1) as f64;
    let moderate_above = (chi2_quantile(dof, 2.326_348) * noise).max(0.1);
    let significant_above = (chi2_quantile(dof, 3.090_232) * noise).max(0.25);
    let verdict = if psi > significant_above {
        "significant"
    } else if psi > moderate_above {
        "moderate"
    } else {
        "none"
    };
    VariableDrift {
        name: reference.name.clone(),
        psi,
        verdict,
        moderate_above,
        significant_above,
        missing_share_reference: reference.shares.last().copied().unwrap_or(0.0),
        missing_share_now: counts.last().copied().unwrap_or(0) as f64 / m.max(1) as f64,
        invalid,
    }
}

/// Measures the drift of `table` against the model's training data.
pub fn drift(model: &Model, table: &Table) -> Result<DriftReport> {
    let reference = &model.spec().reference;
    if reference.rows == 0 {
        return Err(Error::Usage(
            "this model file carries no reference distributions; retrain it with churn train".into(),
        ));
    }
    let binding =
        model.bind_header(&table.names).map_err(|e| Error::data(&table.path, format!("header: {e}")))?;
    // For each model column, the table column that feeds it.
    let mut source = vec![None; model.columns().len()];
    for (t, slot) in binding.slots().iter().enumerate() {
        if let Some(i) = slot {
            source[*i] = Some(t);
        }
    }
    let features = model.columns().iter().enumerate().filter_map(|(i, c)| match &c.role {
        Role::Feature(enc) => Some((i, c, enc)),
        _ => None,
    });
    let mut columns = Vec::new();
    for ((i, c, enc), dist) in features.zip(&reference.columns) {
        let points: Box<dyn Iterator<Item = Point>> = match source[i] {
            Some(t) => Box::new(table.columns[t].values().map(|cell| point(enc, cell))),
            None => Box::new(std::iter::repeat_with(|| Point::Missing).take(table.rows())),
        };
        let (counts, invalid) = counts(&dist.bins, points);
        let mut d = compare(dist, &counts, invalid, reference.rows);
        d.name.clone_from(&c.name);
        columns.push(d);
    }
    let mut scorer = model.scorer();
    let mut probabilities = Vec::with_capacity(table.rows());
    let mut row = Vec::new();
    for r in 0..table.rows() {
        binding.fill(table.columns.iter().map(|c| c.value(r)), &mut row);
        if let Ok(s) = scorer.score(&row) {
            probabilities.push(s.probability);
        }
    }
    let (score_counts, _) = counts(&reference.score.bins, probabilities.iter().map(|&p| Point::Number(p)));
    let score =
        compare(&reference.score, &score_counts, (table.rows() - probabilities.len()) as u64, reference.rows);
    columns.sort_by(|a, b| b.psi.total_cmp(&a.psi));
    let mut reasons: Vec<String> = Vec::new();
    if score.verdict == "significant" {
        reasons.push(format!(
            "the score's distribution moved (PSI {:.3} > {:.3})",
            score.psi, score.significant_above
        ));
    }
    for c in columns.iter().filter(|c| c.verdict == "significant") {
        reasons.push(format!("{} moved (PSI {:.3} > {:.3})", c.name, c.psi, c.significant_above));
    }
    Ok(DriftReport {
        model_id: model.id().to_string(),
        reference_rows: reference.rows,
        rows: table.rows() as u64,
        scored: probabilities.len() as u64,
        retrain_recommended: !reasons.is_empty(),
        reasons,
        score,
        columns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use scorer_wasm::reference::Bins;

    #[test]
    fn chi_square_quantiles_are_close_to_the_tables() {
        // χ²₀.₉₉(9) = 21.666, χ²₀.₉₉₉(9) = 27.877, χ²₀.₉₉(1) = 6.635.
        assert!((chi2_quantile(9.0, 2.326_348) - 21.666).abs() < 0.1);
        assert!((chi2_quantile(9.0, 3.090_232) - 27.877).abs() < 0.2);
        assert!((chi2_quantile(1.0, 2.326_348) - 6.635).abs() < 0.25);
    }

    #[test]
    fn identical_distributions_do_not_drift_and_shifted_ones_do() {
        let reference = Distribution {
            name: "x".into(),
            bins: Bins::Numeric(vec![1.0, 2.0, 3.0]),
            shares: vec![0.25, 0.25, 0.25, 0.25, 0.0],
        };
        let same = compare(&reference, &[250, 250, 250, 250, 0], 0, 1000);
        assert_eq!(same.verdict, "none");
        assert!(same.psi < 1e-9);
        let shifted = compare(&reference, &[0, 0, 500, 500, 0], 0, 1000);
        assert_eq!(shifted.verdict, "significant");
        // A small sample of the same distribution is not alarming, though its PSI exceeds 0.1.
        let small = compare(&reference, &[4, 1, 3, 2, 0], 0, 1000);
        assert_eq!(small.verdict, "none", "{small:?}");
        assert!(small.moderate_above > 0.1);
    }
}
