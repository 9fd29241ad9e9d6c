//! Fitting the feature pipeline on a set of training rows, and encoding rows through it.
//!
//! Called once per cross-validation fold with that fold's training rows only, and once on all rows
//! for the final model: medians, spreads, quantile knots and category levels never see held-out
//! rows. Encoding goes through [`Pipeline::encode`], the scorer's code, so the matrix the model is
//! trained on is exactly what every runtime will compute from the same raw values.

use std::collections::HashMap;

use scorer_wasm::pipeline::quantile_sorted;
use scorer_wasm::value::{is_missing_text, number_as_level, parse_bool, parse_date, parse_number};
use scorer_wasm::{
    BooleanEncoder, CategoricalEncoder, Column, DateEncoder, Encoder, NumericEncoder, Pipeline, Role, Value,
};

use crate::error::{Error, Result};
use crate::input::data::{Cell, Table};
use crate::prepare::infer::{Kind, Plan};

/// How numbers and categories are encoded.
#[derive(Clone, Copy, Debug)]
pub struct EncodingOptions {
    /// Quantile bins of the piecewise-linear encoding (knots at `i / bins`).
    pub bins: usize,
    pub max_levels: usize,
    pub min_level_count: usize,
}

/// Fits every column's encoder on `rows` of the table.
pub fn fit_pipeline(table: &Table, plan: &Plan, rows: &[usize], opts: &EncodingOptions) -> Result<Pipeline> {
    let columns = plan
        .columns
        .iter()
        .map(|c| {
            let cells = &table.columns[c.index];
            let role = match &c.kind {
                Kind::Identifier => Role::Identifier,
                Kind::Ignored => Role::Ignored(c.reason.clone()),
                Kind::Numeric => Role::Feature(Encoder::Numeric(fit_numeric(
                    rows.iter().map(|&r| number(&cells[r])),
                    opts.bins,
                ))),
                Kind::Date => {
                    let days: Vec<Option<i32>> = rows.iter().map(|&r| date(&cells[r])).collect();
                    let reference_day = days.iter().flatten().copied().max().unwrap_or(0);
                    let ages = days.iter().map(|d| d.map(|d| f64::from(reference_day) - f64::from(d)));
                    Role::Feature(Encoder::Date(DateEncoder {
                        reference_day,
                        age: fit_numeric(ages, opts.bins),
                    }))
                }
                Kind::Boolean { true_label, false_label } => {
                    let (mut trues, mut falses, mut missing) = (0usize, 0usize, false);
                    for &r in rows {
                        match boolean(&cells[r], true_label, false_label) {
                            Some(true) => trues += 1,
                            Some(false) => falses += 1,
                            None => missing = true,
                        }
                    }
                    Role::Feature(Encoder::Boolean(BooleanEncoder {
                        true_label: true_label.clone(),
                        false_label: false_label.clone(),
                        impute_true: trues > falses,
                        missing_indicator: missing,
                    }))
                }
                Kind::Categorical => Role::Feature(Encoder::Categorical(fit_categorical(
                    rows.iter().map(|&r| &cells[r]),
                    opts,
                ))),
            };
            Column { name: c.name.clone(), role }
        })
        .collect();
    Pipeline::new(columns).map_err(|m| Error::Training(format!("the fitted pipeline is invalid: {m}")))
}

/// The raw values of one row, in the pipeline's column order.
pub fn row_values<'t>(table: &'t Table, plan: &Plan, row: usize, out: &mut Vec<Value<'t>>) {
    out.clear();
    out.extend(plan.columns.iter().map(|c| table.columns[c.index][row].value()));
}

/// Encodes `rows` into a row-major matrix of `rows.len() × pipeline.width()` features.
pub fn encode_rows(pipeline: &Pipeline, table: &Table, plan: &Plan, rows: &[usize]) -> Result<Vec<f64>> {
    let width = pipeline.width();
    let mut matrix = vec![0.0; rows.len() * width];
    let mut values = Vec::with_capacity(plan.columns.len());
    let mut warnings = Vec::new();
    for (i, &r) in rows.iter().enumerate() {
        row_values(table, plan, r, &mut values);
        warnings.clear();
        pipeline
            .encode(&values, &mut matrix[i * width..(i + 1) * width], &mut warnings)
            .map_err(|e| Error::data(&table.path, format!("{}: {e}", table.locate(r))))?;
    }
    Ok(matrix)
}

fn number(cell: &Cell) -> Option<f64> {
    match cell {
        Cell::Number(x) if x.is_finite() => Some(*x),
        Cell::Text(s) => parse_number(s),
        _ => None,
    }
}

fn date(cell: &Cell) -> Option<i32> {
    match cell {
        Cell::Text(s) => parse_date(s),
        _ => None,
    }
}

fn boolean(cell: &Cell, true_label: &str, false_label: &str) -> Option<bool> {
    match cell.value() {
        Value::Bool(b) => Some(b),
        Value::Number(x) => (x == 1.0 || x == 0.0).then_some(x == 1.0),
        Value::Text(s) if is_missing_text(s) => None,
        Value::Text(s) => {
            let t = s.trim();
            if t == true_label {
                Some(true)
            } else if t == false_label {
                Some(false)
            } else {
                parse_bool(t)
            }
        }
        Value::Missing => None,
    }
}

/// Median, mean and spread after median imputation, and the piecewise-linear knots: every
/// distinct value when there are at most `bins + 1` of them (so `NumOfProducts` ∈ {1,2,3,4} keeps
/// a knot at each), otherwise the `i / bins` quantiles.
pub fn fit_numeric(values: impl Iterator<Item = Option<f64>>, bins: usize) -> NumericEncoder {
    let values: Vec<Option<f64>> = values.collect();
    let mut present: Vec<f64> = values.iter().flatten().copied().collect();
    present.sort_by(f64::total_cmp);
    let missing_indicator = present.len() < values.len();
    if present.is_empty() {
        return NumericEncoder {
            median: 0.0,
            mean: 0.0,
            sd: 1.0,
            knots: Vec::new(),
            missing_indicator,
            min: 0.0,
            max: 0.0,
            integer: true,
        };
    }
    let median = quantile_sorted(&present, 0.5);
    let n = values.len() as f64;
    let mean = values.iter().map(|v| v.unwrap_or(median)).sum::<f64>() / n;
    let var = values.iter().map(|v| (v.unwrap_or(median) - mean).powi(2)).sum::<f64>() / n;
    let sd = if var > 0.0 { var.sqrt() } else { 1.0 };
    let mut distinct = present.clone();
    distinct.dedup();
    let mut knots = if distinct.len() <= bins + 1 {
        distinct
    } else {
        (0..=bins).map(|i| quantile_sorted(&present, i as f64 / bins as f64)).collect()
    };
    knots.dedup_by(|b, a| *b <= *a);
    if knots.len() < 2 {
        knots.clear();
    }
    NumericEncoder {
        median,
        mean,
        sd,
        knots,
        missing_indicator,
        min: present[0],
        max: present[present.len() - 1],
        integer: present.iter().all(|x| x.fract() == 0.0),
    }
}

/// The most frequent levels (at most `max_levels`, each with at least `min_level_count` rows).
fn fit_categorical<'a>(cells: impl Iterator<Item = &'a Cell>, opts: &EncodingOptions) -> CategoricalEncoder {
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut missing = false;
    for cell in cells {
        let key = match cell {
            Cell::Text(s) if !is_missing_text(s) => s.trim().to_string(),
            Cell::Number(x) if x.is_finite() => number_as_level(*x),
            Cell::Bool(b) => b.to_string(),
            _ => {
                missing = true;
                continue;
            }
        };
        *counts.entry(key).or_insert(0) += 1;
    }
    let mut ranked: Vec<(String, usize)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mode = ranked.first().map(|(l, _)| l.clone()).unwrap_or_default();
    let mut levels: Vec<String> = ranked
        .iter()
        .filter(|(_, c)| *c >= opts.min_level_count)
        .take(opts.max_levels)
        .map(|(l, _)| l.clone())
        .collect();
    let other_seen = levels.len() < ranked.len();
    levels.sort();
    CategoricalEncoder { levels, other_seen, missing_slot: missing, mode }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_distinct_values_each_get_a_knot() {
        let enc = fit_numeric([1.0, 1.0, 2.0, 3.0, 4.0, 1.0].into_iter().map(Some), 8);
        assert_eq!(enc.knots, [1.0, 2.0, 3.0, 4.0]);
        assert!(!enc.missing_indicator && enc.integer);
    }

    #[test]
    fn many_values_get_quantile_knots_and_median_imputation() {
        let values = (0..100).map(|i| if i % 10 == 0 { None } else { Some(f64::from(i)) });
        let enc = fit_numeric(values, 4);
        assert_eq!(enc.knots, [1.0, 25.25, 50.0, 74.75, 99.0]);
        assert_eq!(enc.median, 50.0);
        assert!(enc.missing_indicator);
        assert_eq!(enc.mean, 50.0);
    }
}
