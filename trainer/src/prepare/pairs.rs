//! Which pairs of columns get an interaction term: a residual search in the manner of FAST (Lou,
//! Caruana, Gehrke and Hooker, KDD 2013, "Accurate intelligible models with pairwise
//! interactions").
//!
//! After the additive model is fitted, every pair of feature columns is scored by how much a
//! coarse two-dimensional lookup table over the pair would still lower the loss. Each column is
//! cut into a few cells (a number into the segments of its interaction knots, a category or a
//! yes/no column into its slots); the rows' gradients `g = y − p` and curvatures `h = p(1 − p)`
//! are summed per cell of the pair's grid. A free value per cell gains `Σ G²/(H + λ)` in one
//! Newton step (twice the log-likelihood it adds); the best additive fit of the grid, a row effect
//! plus a column effect (found by a few sweeps of backfitting over the cells), gains what the two
//! columns do alone. The difference is what only the pair can do. For a pair that does not
//! interact it is about `χ²(df)`, `df = (a − 1)(b − 1)` for a full grid (less where cells hold no
//! rows), so pairs are ranked by where their gain lies in that distribution (Wilson–Hilferty), and
//! kept only beyond its `1 − 0.05/m` quantile for `m` pairs tried (Bonferroni): among a hundred
//! pairs of unrelated columns, a few always look interesting by chance. One pass over the rows per
//! pair: the search costs milliseconds where fitting every candidate term would cost a model fit
//! each.
//!
//! The search sees only the rows it is given, the training rows of a fold, so choosing pairs
//! leaks nothing into cross-validated metrics.

use scorer_wasm::{Encoder, Interaction, Pipeline, Role, Side};

use crate::error::Result;
use crate::input::data::Table;
use crate::prepare::design::Design;
use crate::prepare::fit::imputed_numbers;
use crate::prepare::infer::Plan;

/// Ridge added to each cell's curvature, so that a nearly empty cell gains nothing.
const CELL_RIDGE: f64 = 1.0;
/// A category with more slots than this does not enter pairs (its grid would be mostly empty).
pub const MAX_SLOTS: usize = 12;

/// How many terms, at what resolution.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairOptions {
    /// Most interaction terms.
    pub pairs: usize,
    /// Segments of a number's side of a term.
    pub resolution: usize,
}

/// A column as a side of a pair: its term side, and every row's cell.
struct Candidate {
    side: Side,
    cells: usize,
    codes: Vec<u16>,
}

/// A scored pair, for reports.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    pub columns: [usize; 2],
    /// The interaction gain as a standard normal value of `χ²(df)`.
    pub score: f64,
}

/// The family-wise chance of keeping a pair that does not interact.
const FAMILY_ALPHA: f64 = 0.05;
/// Backfitting sweeps of the grid's additive fit.
const SWEEPS: usize = 30;

/// The `opts.pairs` best pairs of columns on `rows` (in `design`'s row order), given the
/// additive model's `logits` on them: the terms, and every pair's score, best first.
pub fn search(
    table: &Table,
    plan: &Plan,
    pipeline: &Pipeline,
    rows: &[usize],
    design: &Design,
    logits: &[f64],
    opts: PairOptions,
) -> Result<(Vec<Interaction>, Vec<Found>)> {
    let labels = &plan.target.labels;
    let (g, h): (Vec<f64>, Vec<f64>) = rows
        .iter()
        .zip(logits)
        .map(|(&r, &z)| {
            let p = scorer_wasm::math::sigmoid(z);
            (labels[r] - p, p * (1.0 - p))
        })
        .unzip();
    let candidates = candidates(table, plan, pipeline, rows, design, opts.resolution)?;
    let mut found = Vec::new();
    for i in 0..candidates.len() {
        for j in i + 1..candidates.len() {
            let (a, b) = (&candidates[i], &candidates[j]);
            if a.cells * b.cells > scorer_wasm::pipeline::MAX_INTERACTION_WIDTH {
                continue;
            }
            let (gain, df) = gain(a, b, &g, &h);
            if df > 0 {
                found.push((i, j, crate::stats::chi2_z(gain, df as f64)));
            }
        }
    }
    // One-sided 1 − α/m: `normal_quantile` takes the two-sided α.
    let bar = crate::stats::paired::normal_quantile(2.0 * FAMILY_ALPHA / found.len().max(1) as f64);
    // Best first; ties by column order, so the search is deterministic.
    found.sort_by(|x, y| y.2.total_cmp(&x.2).then((x.0, x.1).cmp(&(y.0, y.1))));
    let terms = found
        .iter()
        .filter(|f| f.2 > bar)
        .take(opts.pairs)
        .map(|&(i, j, _)| Interaction {
            first: candidates[i].side.clone(),
            second: candidates[j].side.clone(),
        })
        .collect();
    let report = found
        .iter()
        .map(|&(i, j, score)| Found {
            columns: [candidates[i].side.column(), candidates[j].side.column()],
            score,
        })
        .collect();
    Ok((terms, report))
}

/// What a free value per cell of the pair's grid gains beyond the grid's best additive fit, and
/// the degrees of freedom of that gain.
///
/// Only cells that hold rows count towards the degrees of freedom: a category's unused slots
/// (the "other" slot of a column without rare levels, a missing slot of a column never missing)
/// and combinations that never occur can gain nothing. On the occupied cells, the additive fit
/// spans one dimension per occupied row and column less one per connected block of the grid, so
/// the pair adds `cells − rows − columns + blocks`: `(a − 1)(b − 1)` for a full `a × b` grid.
fn gain(a: &Candidate, b: &Candidate, g: &[f64], h: &[f64]) -> (f64, usize) {
    let (na, nb) = (a.cells, b.cells);
    let mut grid_g = vec![0.0f64; na * nb];
    let mut grid_h = vec![0.0f64; na * nb];
    let mut rows_in = vec![0u32; na * nb];
    for ((&ca, &cb), (&gi, &hi)) in a.codes.iter().zip(&b.codes).zip(g.iter().zip(h)) {
        let cell = usize::from(ca) * nb + usize::from(cb);
        grid_g[cell] += gi;
        grid_h[cell] += hi;
        rows_in[cell] += 1;
    }
    let df = occupied_df(&rows_in, na, nb);
    for x in &mut grid_h {
        *x += CELL_RIDGE;
    }
    let full: f64 = grid_g.iter().zip(&grid_h).map(|(g, h)| g * g / h).sum();
    // The additive fit s(x, y) = r(x) + c(y) maximising Σ 2·G·s − H·s², by backfitting: each
    // sweep sets every row effect, then every column effect, to its optimum given the other.
    let (mut r, mut c) = (vec![0.0; na], vec![0.0; nb]);
    for _ in 0..SWEEPS {
        for (x, rx) in r.iter_mut().enumerate() {
            let cells = x * nb..(x + 1) * nb;
            let gs = &grid_g[cells.clone()];
            let hs = &grid_h[cells];
            let num: f64 = gs.iter().zip(hs).zip(&c).map(|((g, h), cy)| g - h * cy).sum();
            *rx = num / hs.iter().sum::<f64>();
        }
        for (y, cy) in c.iter_mut().enumerate() {
            let (mut num, mut den) = (0.0, 0.0);
            for (x, rx) in r.iter().enumerate() {
                let k = x * nb + y;
                num += grid_g[k] - grid_h[k] * rx;
                den += grid_h[k];
            }
            *cy = num / den;
        }
    }
    let additive: f64 = (0..na * nb)
        .map(|k| {
            let s = r[k / nb] + c[k % nb];
            2.0 * grid_g[k] * s - grid_h[k] * s * s
        })
        .sum();
    ((full - additive).max(0.0), df)
}

/// `cells − rows − columns + blocks` over the occupied cells of an `na × nb` grid, where a block
/// is a set of rows and columns linked through occupied cells (a union–find over the `na + nb`
/// levels).
fn occupied_df(rows_in: &[u32], na: usize, nb: usize) -> usize {
    let mut parent: Vec<usize> = (0..na + nb).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let mut used = vec![false; na + nb];
    let mut cells = 0;
    for (k, _) in rows_in.iter().enumerate().filter(|(_, n)| **n > 0) {
        let (x, y) = (k / nb, na + k % nb);
        cells += 1;
        used[x] = true;
        used[y] = true;
        let (rx, ry) = (root(&mut parent, x), root(&mut parent, y));
        parent[rx] = ry;
    }
    let levels = used.iter().filter(|&&u| u).count();
    let blocks = (0..na + nb).filter(|&x| used[x] && root(&mut parent, x) == x).count();
    // A forest of `levels` nodes in `blocks` trees has `levels − blocks` edges, at most `cells`.
    cells + blocks - levels
}

/// Every feature column that can be a side of a term, with its rows' cells.
fn candidates(
    table: &Table,
    plan: &Plan,
    pipeline: &Pipeline,
    rows: &[usize],
    design: &Design,
    resolution: usize,
) -> Result<Vec<Candidate>> {
    let mut out = Vec::new();
    for (i, column) in pipeline.columns().iter().enumerate() {
        let Role::Feature(encoder) = &column.role else { continue };
        let Some((off, w)) = pipeline.feature_range(i) else { continue };
        match encoder {
            Encoder::Numeric(n) | Encoder::Date(scorer_wasm::DateEncoder { age: n, .. }) => {
                let knots = coarse_knots(&n.knots, resolution);
                if knots.len() < 2 {
                    continue;
                }
                let values = imputed_numbers(table, &plan.columns[i], rows, encoder)?;
                let inner = &knots[1..knots.len() - 1];
                let codes = values.iter().map(|&x| inner.partition_point(|&k| k <= x) as u16).collect();
                out.push(Candidate {
                    cells: knots.len() - 1,
                    side: Side::Segments { column: i as u32, knots },
                    codes,
                });
            }
            Encoder::Boolean(_) | Encoder::Categorical(_) if w <= MAX_SLOTS => {
                // The slot each row's one-hot (or yes/no) features light up, read from the design
                // so it is the encoder's own verdict: 0 when none does (a "no").
                let codes = (0..rows.len())
                    .map(|r| {
                        design
                            .row(r)
                            .find(|&(c, v)| (off..off + w).contains(&c) && v != 0.0)
                            .map_or(0, |(c, _)| (c - off + 1) as u16)
                    })
                    .collect();
                out.push(Candidate { side: Side::Slots { column: i as u32 }, cells: w + 1, codes });
            }
            Encoder::Boolean(_) | Encoder::Categorical(_) => {}
        }
    }
    Ok(out)
}

/// At most `resolution + 1` of a column's knots, spread evenly over them: the column's own
/// quantile (or tree-chosen) knots at a lower resolution, first and last kept.
pub fn coarse_knots(knots: &[f64], resolution: usize) -> Vec<f64> {
    if knots.len() <= resolution + 1 {
        return knots.to_vec();
    }
    let last = knots.len() - 1;
    let mut out: Vec<f64> =
        (0..=resolution).map(|i| knots[(i * last + resolution / 2) / resolution]).collect();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coarse_knots_keep_the_ends_and_spread_the_rest() {
        let fine: Vec<f64> = (0..=8).map(f64::from).collect();
        assert_eq!(coarse_knots(&fine, 4), [0.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(coarse_knots(&fine, 3), [0.0, 3.0, 5.0, 8.0]);
        assert_eq!(coarse_knots(&[1.0, 2.0, 3.0, 4.0], 4), [1.0, 2.0, 3.0, 4.0]);
    }

    fn candidate(codes: Vec<u16>, cells: usize) -> Candidate {
        Candidate { side: Side::Slots { column: 0 }, cells, codes }
    }

    #[test]
    fn a_grid_gains_only_what_no_additive_fit_does() {
        let a = candidate(vec![0, 0, 1, 1, 0, 0, 1, 1], 2);
        let b = candidate(vec![0, 1, 0, 1, 0, 1, 0, 1], 2);
        let h = [0.25; 8];
        // Residuals that are a row effect plus a column effect: nothing is left for the pair.
        let additive = [0.7, 0.3, -0.3, -0.7, 0.7, 0.3, -0.3, -0.7];
        assert!(gain(&a, &b, &additive, &h).0 < 1e-9, "{:?}", gain(&a, &b, &additive, &h));
        // An exclusive-or: no additive fit explains any of it, the grid all of it.
        let xor = [0.5, -0.5, -0.5, 0.5, 0.5, -0.5, -0.5, 0.5];
        let cells = 4.0 * (1.0f64 * 1.0) / (0.5 + CELL_RIDGE);
        let (got, df) = gain(&a, &b, &xor, &h);
        assert!((got - cells).abs() < 1e-9, "{got}");
        assert_eq!(df, 1);
    }

    #[test]
    fn only_occupied_cells_count_as_degrees_of_freedom() {
        // A full 3 × 4 grid: (3 − 1)(4 − 1).
        assert_eq!(occupied_df(&[1; 12], 3, 4), 6);
        // A category whose slot 0 and last slot are never used, beside a 2-cell side: 2 × 2.
        let mut rows_in = vec![0; 4 * 2];
        rows_in[2..6].fill(5);
        assert_eq!(occupied_df(&rows_in, 4, 2), 1);
        // Two blocks that never meet (a diagonal): an additive fit is already exact.
        assert_eq!(occupied_df(&[3, 0, 0, 3], 2, 2), 0);
        // An L: three cells of a 2 × 2 grid, one level linking them.
        assert_eq!(occupied_df(&[3, 3, 3, 0], 2, 2), 0);
        assert_eq!(occupied_df(&[0; 6], 2, 3), 0);
    }

    #[test]
    fn correlated_columns_do_not_make_an_interaction() {
        // b copies a except in two rows: their margins overlap, and an effect of a alone must
        // not show as a pair (summing the two margins' gains would count it twice).
        let a = candidate(vec![0, 0, 0, 0, 1, 1, 1, 1], 2);
        let b = candidate(vec![0, 0, 0, 1, 1, 1, 1, 0], 2);
        let g = [0.5, 0.5, 0.5, 0.5, -0.5, -0.5, -0.5, -0.5];
        assert!(gain(&a, &b, &g, &[0.25; 8]).0 < 1e-6, "{:?}", gain(&a, &b, &g, &[0.25; 8]));
    }
}
