//! The training data's distribution of every feature column and of the model's probability,
//! binned as drift monitoring bins new data (deciles for numbers and dates, the frequent levels
//! for categories and booleans, a bin for missing values). Training stores it in the model file
//! ([`reference`]); `monitor::drift` bins new data with the same [`point`] and [`counts`].

use std::collections::HashMap;

use scorer_wasm::read;
use scorer_wasm::reference::{Bins, Distribution, DriftReference};
use scorer_wasm::{Encoder, Pipeline, Role, Value};

use crate::input::data::Table;

/// Bins of numbers (deciles) and most levels kept per category.
const BINS: usize = 10;
const MAX_LEVELS: usize = 20;

/// A value as drift monitoring bins it.
pub enum Point {
    Missing,
    Number(f64),
    Level(String),
    /// Does not fit the column (scoring would reject it).
    Invalid,
}

/// Reads a value by the same rules as the column's encoder.
pub fn point(enc: &Encoder, v: Value<'_>) -> Point {
    // The scorer's rule for the column's kind; what it refuses, scoring would refuse.
    let read = match enc {
        Encoder::Numeric(_) => read::number(v).map(|x| x.map(Point::Number)),
        Encoder::Date(d) => {
            read::date(v).map(|day| day.map(|day| Point::Number(f64::from(d.reference_day) - f64::from(day))))
        }
        Encoder::Boolean(b) => read::boolean(v, &b.true_label, &b.false_label)
            .map(|x| x.map(|x| Point::Level(if x { b.true_label.clone() } else { b.false_label.clone() }))),
        Encoder::Categorical(_) => read::level(v).map(|l| l.map(|l| Point::Level(l.into_owned()))),
    };
    match read {
        Ok(Some(point)) => point,
        Ok(None) => Point::Missing,
        Err(_) => Point::Invalid,
    }
}

/// Counts per bin (missing last) and how many values did not fit.
pub fn counts(bins: &Bins, points: impl Iterator<Item = Point>) -> (Vec<u64>, u64) {
    let mut counts = vec![0u64; bins.count() + 1];
    let mut invalid = 0;
    let missing = counts.len() - 1;
    for p in points {
        match (p, bins) {
            (Point::Missing, _) => counts[missing] += 1,
            (Point::Number(x), Bins::Numeric(edges)) => counts[Bins::numeric_bin(edges, x)] += 1,
            (Point::Level(l), Bins::Levels(levels)) => {
                counts[levels.iter().position(|x| *x == l).unwrap_or(levels.len())] += 1
            }
            _ => invalid += 1,
        }
    }
    (counts, invalid)
}

fn shares(counts: &[u64]) -> Vec<f64> {
    let n = counts.iter().sum::<u64>().max(1) as f64;
    counts.iter().map(|&c| c as f64 / n).collect()
}

/// Deciles of `values` as inner edges, strictly increasing.
fn decile_edges(values: &[f64]) -> Vec<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return Vec::new();
    }
    let mut edges: Vec<f64> =
        (1..BINS).map(|i| scorer_wasm::pipeline::quantile_sorted(&sorted, i as f64 / BINS as f64)).collect();
    edges.dedup_by(|b, a| *b <= *a);
    edges
}

/// The distribution of one column of a table, binned for its encoder.
fn column_distribution(
    name: &str,
    enc: &Encoder,
    cells: impl Iterator<Item = Point> + Clone,
) -> Distribution {
    let bins = match enc {
        Encoder::Numeric(_) | Encoder::Date(_) => {
            let numbers: Vec<f64> =
                cells.clone().filter_map(|p| if let Point::Number(x) = p { Some(x) } else { None }).collect();
            Bins::Numeric(decile_edges(&numbers))
        }
        Encoder::Boolean(b) => Bins::Levels(vec![b.true_label.clone(), b.false_label.clone()]),
        Encoder::Categorical(_) => {
            let mut freq: HashMap<String, u64> = HashMap::new();
            for p in cells.clone() {
                if let Point::Level(l) = p {
                    *freq.entry(l).or_default() += 1;
                }
            }
            let mut ranked: Vec<(String, u64)> = freq.into_iter().collect();
            ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            Bins::Levels(ranked.into_iter().take(MAX_LEVELS).map(|(l, _)| l).collect())
        }
    };
    let (counts, _) = counts(&bins, cells);
    Distribution { name: name.to_string(), shares: shares(&counts), bins }
}

/// The training data's distributions, for the model file.
pub fn reference(
    pipeline: &Pipeline,
    table: &Table,
    column_indices: &[usize],
    probabilities: &[f64],
) -> DriftReference {
    let columns = pipeline
        .columns()
        .iter()
        .zip(column_indices)
        .filter_map(|(c, &t)| match &c.role {
            Role::Feature(enc) => {
                let cells = table.columns[t].values().map(|cell| point(enc, cell));
                Some(column_distribution(&c.name, enc, cells))
            }
            _ => None,
        })
        .collect();
    let score_bins = Bins::Numeric(decile_edges(probabilities));
    let (score_counts, _) = counts(&score_bins, probabilities.iter().map(|&p| Point::Number(p)));
    DriftReference {
        rows: table.rows() as u64,
        columns,
        score: Distribution { name: "score".into(), shares: shares(&score_counts), bins: score_bins },
    }
}
