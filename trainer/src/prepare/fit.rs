//! Fitting the feature pipeline on a set of training rows, and encoding rows through it.
//!
//! Called once per cross-validation fold with that fold's training rows only, and once on all rows
//! for the final model: medians, spreads, quantile knots and category levels never see held-out
//! rows. Encoding goes through [`Pipeline::encode`], the scorer's code, so the matrix the model is
//! trained on is exactly what every runtime will compute from the same raw values.

use std::collections::HashMap;

use std::borrow::Cow;

use scorer_wasm::pipeline::quantile_sorted;
use scorer_wasm::read;
use scorer_wasm::{
    BooleanEncoder, CategoricalEncoder, Column, DateEncoder, Encoder, InputError, NumericEncoder, Pipeline,
    Problem, Role, Value,
};

use crate::error::{Error, Result};
use crate::input::data::Table;
use crate::prepare::design::Design;
use crate::prepare::infer::{ColumnPlan, Kind, Plan};

/// How numbers and categories are encoded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EncodingOptions {
    /// Segments of the piecewise-linear encoding of a number.
    pub bins: usize,
    /// Where the segments' knots go.
    pub knots: KnotRule,
    pub max_levels: usize,
    pub min_level_count: usize,
}

/// Where a number's piecewise-linear knots go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KnotRule {
    /// At the `i / bins` quantiles of the training values.
    Quantile,
    /// At the splits of a small decision tree on the training values and the target, so that
    /// segments end where churn changes (tree-guided piecewise-linear encoding; Gorishniy,
    /// Rubachev and Babenko, NeurIPS 2022, "On Embeddings for Numerical Features in Tabular Deep
    /// Learning").
    Tree,
}

impl crate::code::Code for KnotRule {
    const ALL: &'static [KnotRule] = &[KnotRule::Quantile, KnotRule::Tree];
    const WHAT: &'static str = "knot rule";
    fn as_str(self) -> &'static str {
        match self {
            KnotRule::Quantile => "quantile",
            KnotRule::Tree => "tree",
        }
    }
    fn help(self) -> &'static str {
        match self {
            KnotRule::Quantile => "At the i/bins quantiles of the training values",
            KnotRule::Tree => "At the splits of a small decision tree on the values and the target",
        }
    }
}

/// Fits every column's encoder on `rows` of the table. Cells are read by the scorer's rule for
/// the column's kind ([`scorer_wasm::read`]), so what an encoder learns from is what scoring will
/// read; a cell the scorer would refuse is an error naming its row, as it would be when scoring.
pub fn fit_pipeline(table: &Table, plan: &Plan, rows: &[usize], opts: &EncodingOptions) -> Result<Pipeline> {
    let columns = plan
        .columns
        .iter()
        .map(|c| {
            Ok(Column { name: c.name.clone(), role: fit_role(table, c, rows, &plan.target.labels, opts)? })
        })
        .collect::<Result<Vec<Column>>>()?;
    Pipeline::new(columns).map_err(|m| Error::Training(format!("the fitted pipeline is invalid: {m}")))
}

fn fit_role(
    table: &Table,
    c: &ColumnPlan,
    rows: &[usize],
    labels: &[f64],
    opts: &EncodingOptions,
) -> Result<Role> {
    let knots = |values: &[Option<f64>]| match opts.knots {
        KnotRule::Quantile => None,
        KnotRule::Tree => Some(tree_knots(values, rows, labels, opts.bins)),
    };
    Ok(match &c.kind {
        Kind::Identifier => Role::Identifier,
        Kind::Ignored => Role::Ignored(c.reason.clone()),
        Kind::Numeric => {
            let values = read_rows(table, c, rows, read::number)?;
            let mut encoder = fit_numeric(values.iter().copied(), opts.bins);
            if let Some(k) = knots(&values) {
                encoder.knots = k;
            }
            Role::Feature(Encoder::Numeric(encoder))
        }
        Kind::Date => {
            let days = read_rows(table, c, rows, read::date)?;
            let reference_day = days.iter().flatten().copied().max().unwrap_or(0);
            let ages: Vec<Option<f64>> =
                days.iter().map(|d| d.map(|d| f64::from(reference_day) - f64::from(d))).collect();
            let mut age = fit_numeric(ages.iter().copied(), opts.bins);
            if let Some(k) = knots(&ages) {
                age.knots = k;
            }
            Role::Feature(Encoder::Date(DateEncoder { reference_day, age }))
        }
        Kind::Boolean { true_label, false_label } => {
            let values = read_rows(table, c, rows, |v| read::boolean(v, true_label, false_label))?;
            let trues = values.iter().filter(|v| **v == Some(true)).count();
            let falses = values.iter().filter(|v| **v == Some(false)).count();
            Role::Feature(Encoder::Boolean(BooleanEncoder {
                true_label: true_label.clone(),
                false_label: false_label.clone(),
                impute_true: trues > falses,
                missing_indicator: trues + falses < values.len(),
            }))
        }
        Kind::Categorical => {
            let levels = read_rows(table, c, rows, |v| read::level(v).map(|l| l.map(Cow::into_owned)))?;
            Role::Feature(Encoder::Categorical(fit_categorical(levels, opts)))
        }
    })
}

/// The cells of column `c` in `rows`, read by `read`, one of the scorer's rules.
fn read_rows<T>(
    table: &Table,
    c: &ColumnPlan,
    rows: &[usize],
    read: impl Fn(Value<'_>) -> std::result::Result<Option<T>, Problem>,
) -> Result<Vec<Option<T>>> {
    let cells = &table.columns[c.index];
    rows.iter()
        .map(|&r| {
            read(cells.value(r)).map_err(|problem| {
                Error::data(
                    &table.path,
                    format!("{}: {}", table.locate(r), InputError::new(c.name.as_str(), problem)),
                )
            })
        })
        .collect()
}

/// The number each of `rows` stands for in an interaction term (see
/// [`scorer_wasm::Encoder::imputed`]): the scorer's own reading and imputation.
pub fn imputed_numbers(table: &Table, c: &ColumnPlan, rows: &[usize], encoder: &Encoder) -> Result<Vec<f64>> {
    let cells = &table.columns[c.index];
    rows.iter()
        .map(|&r| {
            encoder
                .imputed(&c.name, cells.value(r))
                .map_err(|e| Error::data(&table.path, format!("{}: {e}", table.locate(r))))
        })
        .collect()
}

/// Knots at the splits of a regression tree of at most `bins` leaves grown best-first on the
/// present values of `rows` and their labels (each split the one that most lowers the squared
/// error, that is the Gini impurity; a leaf keeps at least a quarter of a quantile bin's rows),
/// between the smallest and the largest value. Columns with at most `bins + 1` distinct values
/// keep a knot at each, as with quantile knots.
pub fn tree_knots(values: &[Option<f64>], rows: &[usize], labels: &[f64], bins: usize) -> Vec<f64> {
    let mut pairs: Vec<(f64, f64)> =
        values.iter().zip(rows).filter_map(|(v, &r)| v.map(|x| (x, labels[r]))).collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut distinct: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    distinct.dedup();
    if distinct.len() <= bins + 1 {
        return if distinct.len() < 2 { Vec::new() } else { distinct };
    }
    let n = pairs.len();
    let mut sum = Vec::with_capacity(n + 1);
    sum.push(0.0);
    for p in &pairs {
        sum.push(sum[sum.len() - 1] + p.1);
    }
    let min_leaf = (n / (4 * bins.max(1))).max(1);
    // The best split of rows lo..hi: (gain, first row of the right side).
    let best = |lo: usize, hi: usize| -> Option<(f64, usize)> {
        let total = sum[hi] - sum[lo];
        let sse = |a: usize, b: usize| {
            let s = sum[b] - sum[a];
            s * s / (b - a) as f64
        };
        let parent = total * total / (hi - lo) as f64;
        let mut out: Option<(f64, usize)> = None;
        for i in lo + min_leaf..=hi.saturating_sub(min_leaf) {
            if pairs[i - 1].0 < pairs[i].0 {
                let g = sse(lo, i) + sse(i, hi) - parent;
                if g > 1e-12 && out.is_none_or(|(b, _)| g > b) {
                    out = Some((g, i));
                }
            }
        }
        out
    };
    // Leaves as (first row, end row, their best split).
    type Leaf = (usize, usize, Option<(f64, usize)>);
    let mut leaves: Vec<Leaf> = vec![(0, n, best(0, n))];
    let mut splits = Vec::new();
    while leaves.len() < bins {
        let Some((k, (_, at))) = leaves
            .iter()
            .enumerate()
            .filter_map(|(k, l)| l.2.map(|b| (k, b)))
            .max_by(|a, b| a.1.0.total_cmp(&b.1.0).then(b.0.cmp(&a.0)))
        else {
            break;
        };
        let (lo, hi, _) = leaves.swap_remove(k);
        splits.push(pairs[at - 1].0 + (pairs[at].0 - pairs[at - 1].0) / 2.0);
        leaves.push((lo, at, best(lo, at)));
        leaves.push((at, hi, best(at, hi)));
    }
    let mut knots: Vec<f64> = std::iter::once(pairs[0].0).chain(splits).chain([pairs[n - 1].0]).collect();
    knots.sort_by(f64::total_cmp);
    knots.dedup_by(|b, a| *b <= *a);
    if knots.len() < 2 { Vec::new() } else { knots }
}

/// The raw values of one row, in the pipeline's column order.
pub fn row_values<'t>(table: &'t Table, plan: &Plan, row: usize, out: &mut Vec<Value<'t>>) {
    out.clear();
    out.extend(plan.columns.iter().map(|c| table.columns[c.index].value(row)));
}

/// Encodes `rows` of `table` into a sparse design matrix, a row at a time: the dense matrix is
/// never built.
pub fn encode_design(pipeline: &Pipeline, table: &Table, plan: &Plan, rows: &[usize]) -> Result<Design> {
    let width = pipeline.width();
    let mut design = Design::new(width, rows.len());
    let mut dense = vec![0.0; width];
    let mut values = Vec::with_capacity(plan.columns.len());
    let mut warnings = Vec::new();
    for (i, &r) in rows.iter().enumerate() {
        row_values(table, plan, r, &mut values);
        warnings.clear();
        pipeline
            .encode(&values, &mut dense, &mut warnings)
            .map_err(|e| Error::data(&table.path, format!("{}: {e}", table.locate(r))))?;
        design.push_row(&dense);
        if i + 1 == SAMPLE_ROWS.min(rows.len()) {
            // Room for the rest at the density seen so far, so the cells are not copied as they
            // grow.
            design.reserve_rows(rows.len() - i - 1);
        }
    }
    design.shrink_to_fit();
    Ok(design)
}

/// Rows encoded before [`encode_design`] reserves room for the rest.
const SAMPLE_ROWS: usize = 1000;

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
fn fit_categorical(levels: Vec<Option<String>>, opts: &EncodingOptions) -> CategoricalEncoder {
    let mut counts: HashMap<String, usize> = HashMap::new();
    let missing = levels.iter().any(Option::is_none);
    for level in levels.into_iter().flatten() {
        *counts.entry(level).or_insert(0) += 1;
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
    use crate::input::data::{Column, Format};
    use crate::prepare::infer::TargetPlan;

    /// A one-column table: `ordinary` cells, then `odd`; and a plan reading it as `kind`.
    fn one_column(kind: &Kind, ordinary: &[Value<'_>], odd: Value<'_>) -> (Table, Plan) {
        let rows = ordinary.len() + 1;
        let table = Table {
            path: "t.csv".into(),
            format: Format::Csv,
            names: vec!["c".into()],
            columns: vec![Column::of(ordinary.iter().copied().chain([odd])).unwrap()],
            lines: (2..2 + rows as u64).collect(),
            first_row: 0,
        };
        let column = ColumnPlan {
            index: 0,
            name: "c".into(),
            kind: kind.clone(),
            reason: String::new(),
            missing: 0,
            distinct: 0,
        };
        let target = TargetPlan {
            index: 1,
            name: "y".into(),
            positive: "1".into(),
            negative: "0".into(),
            reason: String::new(),
            labels: vec![0.0; rows],
        };
        (table, Plan { target, columns: vec![column] })
    }

    #[test]
    fn fitting_and_scoring_read_every_odd_cell_alike() {
        let text = Value::Text;
        let odd = [
            text(" Yes "),
            text("NA"),
            text(""),
            text(" "),
            text("#N/A"),
            text("2"),
            text("abc"),
            text("TRUE"),
            text("y"),
            text("1e3"),
            text("9.3448e-05"),
            text("2024-02-29"),
            text("2024-13-01"),
            Value::Number(2.0),
            Value::Number(1.0),
            Value::Number(f64::NAN),
            Value::Number(f64::INFINITY),
            Value::Bool(true),
            Value::Missing,
        ];
        let kinds = [
            (Kind::Numeric, vec![Value::Number(1.0), text("2.5")]),
            (Kind::Date, vec![text("2024-01-01"), text("2023-06-30")]),
            (
                Kind::Boolean { true_label: "Yes".into(), false_label: "No".into() },
                vec![text("Yes"), text("No")],
            ),
            (Kind::Categorical, vec![text("a"), text("b")]),
        ];
        let opts = EncodingOptions { bins: 4, knots: KnotRule::Quantile, max_levels: 8, min_level_count: 1 };
        let (mut refused, mut read) = (0, 0);
        for (kind, ordinary) in &kinds {
            for &cell in &odd {
                let (table, plan) = one_column(kind, ordinary, cell);
                // The trainer fitting on every row, the odd one included.
                let fitted = fit_pipeline(&table, &plan, &[0, 1, 2], &opts);
                // The scorer encoding the odd cell with a pipeline fitted on the others.
                let pipeline = fit_pipeline(&table, &plan, &[0, 1], &opts).unwrap();
                let mut out = vec![0.0; pipeline.width()];
                let scored = pipeline.encode(&[cell], &mut out, &mut Vec::new());
                match (&fitted, &scored) {
                    (Ok(_), Ok(())) => read += 1,
                    (Err(f), Err(s)) => {
                        assert_eq!(f.to_string(), format!("t.csv: row 3 (line 4): {s}"), "{kind:?} {cell:?}");
                        refused += 1;
                    }
                    _ => panic!("{kind:?} {cell:?}: fitting says {fitted:?}, scoring says {scored:?}"),
                }
            }
        }
        assert_eq!((read, refused), (43, 33));
    }

    #[test]
    fn a_two_in_a_boolean_column_is_refused_when_fitting_as_when_scoring() {
        let kind = Kind::Boolean { true_label: "Yes".into(), false_label: "No".into() };
        let (table, plan) = one_column(&kind, &[Value::Text("Yes"), Value::Text("No")], Value::Text("2"));
        let opts = EncodingOptions { bins: 4, knots: KnotRule::Quantile, max_levels: 8, min_level_count: 1 };
        let error = fit_pipeline(&table, &plan, &[0, 1, 2], &opts).unwrap_err();
        assert_eq!(
            error.to_string(),
            "t.csv: row 3 (line 4): c: expected Yes or No (or true/false), got \"2\""
        );
    }

    #[test]
    fn tree_knots_go_where_churn_changes() {
        // Churn jumps at 70 of 0..100: a quantile knot would land at 62.5 or 75, the first split
        // of the tree lands between 69 and 70.
        let values: Vec<Option<f64>> = (0..100).map(|x| Some(f64::from(x))).collect();
        let rows: Vec<usize> = (0..100).collect();
        let labels: Vec<f64> = (0..100).map(|x| if x >= 70 { 1.0 } else { 0.0 }).collect();
        assert_eq!(tree_knots(&values, &rows, &labels, 2), [0.0, 69.5, 99.0]);
        // Pure leaves are not split further: one split is all the labels ask for.
        assert_eq!(tree_knots(&values, &rows, &labels, 8), [0.0, 69.5, 99.0]);
        // Few distinct values keep a knot each; missing values are left out.
        let few = [Some(1.0), None, Some(2.0), Some(3.0)];
        assert_eq!(tree_knots(&few, &[0, 1, 2, 3], &[0.0, 1.0, 0.0, 1.0], 8), [1.0, 2.0, 3.0]);
    }

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
