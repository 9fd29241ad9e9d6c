//! Which pairs of columns get an interaction term: a residual search in the manner of FAST (Lou,
//! Caruana, Gehrke and Hooker, KDD 2013, "Accurate intelligible models with pairwise
//! interactions").
//!
//! After the additive model is fitted, every pair of feature columns is scored by how much the
//! pair's interaction term, the coarse piecewise-bilinear surface the scorer would write for it,
//! would still lower the loss. Each column is cut into a few cells (a number into the segments of
//! its interaction knots, a category or a yes/no column into its slots); the rows' gradients
//! `g = y − p` and curvatures `h = p(1 − p)` are summed per cell of the pair's grid, with their
//! first and second moments in each number's position inside its segment. From those sums, one
//! Newton step on the term's features and the two columns' own coarse bases gains, beyond the
//! same step on the bases alone, what only the pair can do (a score test, [`gain`]). For a pair
//! that does not interact that gain is about `χ²(df)`, `df` the dimensions the term adds, so pairs
//! are ranked by where their gain lies in that distribution (Wilson–Hilferty), and kept only
//! beyond its `1 − 0.05/m` quantile for `m` pairs tried (Bonferroni): among a hundred pairs of
//! unrelated columns, a few always look interesting by chance. One pass over the rows per pair:
//! the search costs milliseconds where fitting every candidate term would cost a model fit each.
//!
//! The search sees only the rows it is given, the training rows of a fold, so choosing pairs
//! leaks nothing into cross-validated metrics.

use scorer_wasm::pipeline::segment;
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

/// A column as a side of a pair: its term side, every row's cell, and for a number every row's
/// fraction of its segment.
struct Candidate {
    side: Side,
    cells: usize,
    codes: Vec<u16>,
    fractions: Option<Vec<f64>>,
}

impl Candidate {
    /// Column `column`'s side over `knots` (at least two): each row's segment (a value beyond
    /// the outer knots falls in the outer segments) and its fraction of it, as the scorer
    /// computes them.
    fn number(column: usize, values: &[f64], knots: Vec<f64>) -> Candidate {
        let inner = &knots[1..knots.len() - 1];
        let codes: Vec<u16> = values.iter().map(|&x| inner.partition_point(|&k| k <= x) as u16).collect();
        let fractions = values
            .iter()
            .zip(&codes)
            .map(|(&x, &s)| segment(x, knots[usize::from(s)], knots[usize::from(s) + 1]))
            .collect();
        Candidate {
            cells: knots.len() - 1,
            side: Side::Segments { column: column as u32, knots },
            codes,
            fractions: Some(fractions),
        }
    }

    /// Local terms per cell: `1` for a category, `1` and the fraction `u` for a number.
    fn local(&self) -> usize {
        if self.fractions.is_some() { 2 } else { 1 }
    }

    fn fraction(&self, row: usize) -> f64 {
        self.fractions.as_ref().map_or(0.0, |f| f[row])
    }

    /// Basis functions of the side in the term: a number's segments, or a category's slots
    /// (cell 0 is the "none lit" of a yes/no column).
    fn basis(&self) -> usize {
        if self.fractions.is_some() { self.cells } else { self.cells - 1 }
    }

    /// The basis functions (and, as index [`Candidate::basis`], the constant) that are not zero
    /// in `cell`, as coefficients on the cell's local terms. A number's segment `t` is 1 in the
    /// cells above it and `u` in its own.
    fn terms(&self, cell: usize) -> Vec<(usize, [f64; 2])> {
        let constant = (self.basis(), [1.0, 0.0]);
        if self.fractions.is_some() {
            (0..cell).map(|t| (t, [1.0, 0.0])).chain([(cell, [0.0, 1.0]), constant]).collect()
        } else if cell == 0 {
            vec![constant]
        } else {
            vec![(cell - 1, [1.0, 0.0]), constant]
        }
    }
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
/// A column is a combination of the ones before it when less than this share of its sum of
/// squares is left once they explain it.
const RANK_TOLERANCE: f64 = 1e-9;

/// Rows the pair search reads, at most: on a larger fit it reads an evenly spaced subset of this
/// many. The score test's power grows with the rows, and at this many a pair that matters
/// passes the bar by far (on 10⁶ synthetic customers the price-by-contract pair scores z ≈ 40
/// on the subset against a bar near 3.4); the subset keeps the search's memory small beside a
/// design of a million rows. Below it, every row is read, as always.
pub const SEARCH_ROWS: usize = 200_000;

/// [`search`] on an evenly spaced subset of at most [`SEARCH_ROWS`] of the rows.
pub fn search_subset(
    table: &Table,
    plan: &Plan,
    pipeline: &Pipeline,
    rows: &[usize],
    design: &Design,
    logits: &[f64],
    opts: PairOptions,
) -> Result<(Vec<Interaction>, Vec<Found>)> {
    let stride = rows.len().div_ceil(SEARCH_ROWS).max(1);
    if stride == 1 {
        return search(table, plan, pipeline, rows, design, logits, opts);
    }
    let at: Vec<usize> = (0..rows.len()).step_by(stride).collect();
    let rows: Vec<usize> = at.iter().map(|&i| rows[i]).collect();
    let logits: Vec<f64> = at.iter().map(|&i| logits[i]).collect();
    search(table, plan, pipeline, &rows, &design.subset(&at), &logits, opts)
}

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

/// What the pair's interaction term gains beyond the pair's additive fit, and the degrees of
/// freedom of that gain: a score test of the term's own features.
///
/// The features are those the scorer writes for the term (products of a basis of each side:
/// a number's segment fractions over its coarse knots, a category's slots), and the additive fit
/// is an intercept and each side's basis alone. Within one cell of the grid every such feature is
/// a fixed combination of the cell's local terms (`1`, and `u`, the row's fraction of its
/// segment, for a number), so one pass over the rows sums `Σ h·φφᵀ` and `Σ g·φ` of the local
/// terms `φ` per cell, and those sums give the features' weighted Gram matrix `V` and gradient
/// `U` exactly. A Newton step on the features then gains `Uᵀ(V + λI)⁻¹U` (twice the
/// log-likelihood it adds, λ a small ridge on the term's features); the term is worth what the
/// step on term and sides gains beyond the step on the sides alone ([`gains`]). Its degrees of
/// freedom are the rank the term adds, `rank(V) − rank(V_sides)`: features that live only in
/// cells no row reaches (a category's unused slots, combinations that never occur) add none, nor
/// do products that the sides already span.
/// Testing the term's features, rather than a free value per cell, keeps the test's power where
/// the term fits: a slope that differs by category is a few features, not a step per cell.
fn gain(a: &Candidate, b: &Candidate, g: &[f64], h: &[f64]) -> (f64, usize) {
    let (pa, pb) = (a.local(), b.local());
    let q = pa * pb;
    let cells = a.cells * b.cells;
    let mut gram = vec![0.0f64; cells * q * q];
    let mut grad = vec![0.0f64; cells * q];
    match (pa, pb) {
        (1, 1) => cell_sums::<1, 1>(a, b, g, h, &mut gram, &mut grad),
        (1, _) => cell_sums::<1, 2>(a, b, g, h, &mut gram, &mut grad),
        (_, 1) => cell_sums::<2, 1>(a, b, g, h, &mut gram, &mut grad),
        _ => cell_sums::<2, 2>(a, b, g, h, &mut gram, &mut grad),
    }
    // Features: (side a's basis or its constant) × (side b's basis or its constant), the term's
    // products first, then the intercept and the sides alone.
    let (ka, kb) = (a.basis(), b.basis());
    let index = |ta: usize, tb: usize| {
        if ta < ka && tb < kb {
            ta * kb + tb
        } else if ta == ka && tb == kb {
            ka * kb
        } else if tb == kb {
            ka * kb + 1 + ta
        } else {
            ka * kb + 1 + ka + tb
        }
    };
    let width = (ka + 1) * (kb + 1);
    let term = ka * kb;
    let mut v = vec![0.0f64; width * width];
    let mut u = vec![0.0f64; width];
    let b_terms: Vec<_> = (0..b.cells).map(|cb| b.terms(cb)).collect();
    let mut local: Vec<(usize, [f64; 4])> = Vec::new();
    for ca in 0..a.cells {
        let a_terms = a.terms(ca);
        for (cb, b_terms) in b_terms.iter().enumerate() {
            let cell = ca * b.cells + cb;
            local.clear();
            for &(ta, ca_coef) in &a_terms {
                for &(tb, cb_coef) in b_terms {
                    let mut coef = [0.0; 4];
                    for (i, x) in coef[..q].iter_mut().enumerate() {
                        *x = ca_coef[i / pb] * cb_coef[i % pb];
                    }
                    local.push((index(ta, tb), coef));
                }
            }
            let (m, gv) = (&gram[cell * q * q..(cell + 1) * q * q], &grad[cell * q..(cell + 1) * q]);
            for &(j, cj) in &local {
                // The cell's Σ h·φφᵀ times feature j's coefficients, then against each feature's.
                let mut mj = [0.0; 4];
                for (s, x) in mj[..q].iter_mut().enumerate() {
                    *x = (0..q).map(|t| m[s * q + t] * cj[t]).sum();
                }
                u[j] += (0..q).map(|s| cj[s] * gv[s]).sum::<f64>();
                for &(i, ci) in &local {
                    v[i * width + j] += (0..q).map(|s| ci[s] * mj[s]).sum::<f64>();
                }
            }
        }
    }
    let (sides, both, df) = gains(&v, &u, width, term);
    ((both - sides).max(0.0), df)
}

/// The pass over the rows of [`gain`]: each cell's `Σ h·φφᵀ` (into `gram`) and `Σ g·φ` (into
/// `grad`) of the local terms `φ`, `PA` of side `a` times `PB` of side `b`. Written for each
/// count of local terms, so that the loops over them unroll: the search's inner loop.
fn cell_sums<const PA: usize, const PB: usize>(
    a: &Candidate,
    b: &Candidate,
    g: &[f64],
    h: &[f64],
    gram: &mut [f64],
    grad: &mut [f64],
) {
    let q = PA * PB;
    let mut phi = [0.0f64; 4];
    for r in 0..g.len() {
        let cell = usize::from(a.codes[r]) * b.cells + usize::from(b.codes[r]);
        let (ua, ub) = (a.fraction(r), b.fraction(r));
        for (i, x) in phi[..q].iter_mut().enumerate() {
            *x = [1.0, ua][i / PB] * [1.0, ub][i % PB];
        }
        let (Some(m), Some(v)) =
            (gram.get_mut(cell * q * q..(cell + 1) * q * q), grad.get_mut(cell * q..(cell + 1) * q))
        else {
            continue;
        };
        for i in 0..q {
            v[i] += g[r] * phi[i];
            for j in 0..q {
                m[i * q + j] += h[r] * phi[i] * phi[j];
            }
        }
    }
}

/// What a Newton step on the sides, and on the sides and the term, gains: `U_Sᵀ V_SS⁻¹ U_S`
/// over the side features `S` that are independent ([`independent`]), and the same over them and
/// every term feature with the ridge [`CELL_RIDGE`] added to the term's (so that a nearly empty
/// cell gains nothing). No ridge on the sides: what they explain alone is never credited to the
/// term. Then the rank the term adds.
fn gains(v: &[f64], u: &[f64], width: usize, term: usize) -> (f64, f64, usize) {
    // The sides first, so that the factorisation keeps what they span before any term feature.
    let kept = independent(v, width, &(term..width).chain(0..term).collect::<Vec<_>>());
    let (sides, added): (Vec<usize>, Vec<usize>) = kept.into_iter().partition(|&i| i >= term);
    let with_term: Vec<usize> = sides.iter().copied().chain(0..term).collect();
    let solve = |features: &[usize]| {
        let k = features.len();
        let mut m: Vec<f64> =
            features.iter().flat_map(|&i| features.iter().map(move |&j| v[i * width + j])).collect();
        for (d, &i) in features.iter().enumerate() {
            if i < term {
                m[d * k + d] += CELL_RIDGE;
            }
        }
        let mut x: Vec<f64> = features.iter().map(|&i| u[i]).collect();
        if !crate::stats::linalg::cholesky_solve(&mut m, k, &mut x) {
            return 0.0;
        }
        features.iter().zip(&x).map(|(&i, xi)| u[i] * xi).sum::<f64>()
    };
    (solve(&sides), solve(&with_term), added.len())
}

/// The features of `features`, in order, that the ones before them do not explain: the pivots
/// of a Cholesky factorisation of the Gram matrix `V_SS` (positive semi-definite) that skips
/// every column whose remaining diagonal is rounding.
fn independent(v: &[f64], width: usize, features: &[usize]) -> Vec<usize> {
    let k = features.len();
    let mut l = vec![0.0f64; k * k];
    let mut kept = Vec::new();
    for j in 0..k {
        let given = v[features[j] * width + features[j]];
        let diagonal = given - kept.iter().map(|&m: &usize| l[j * k + m] * l[j * k + m]).sum::<f64>();
        if given <= 0.0 || diagonal <= RANK_TOLERANCE * given {
            continue;
        }
        let root = diagonal.sqrt();
        for i in j + 1..k {
            let dot: f64 = kept.iter().map(|&m| l[i * k + m] * l[j * k + m]).sum();
            l[i * k + j] = (v[features[i] * width + features[j]] - dot) / root;
        }
        kept.push(j);
    }
    kept.into_iter().map(|j| features[j]).collect()
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
                out.push(Candidate::number(i, &values, knots));
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
                out.push(Candidate {
                    side: Side::Slots { column: i as u32 },
                    cells: w + 1,
                    codes,
                    fractions: None,
                });
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
        Candidate { side: Side::Slots { column: 0 }, cells, codes, fractions: None }
    }

    /// A side's basis for one row, as the scorer writes it (segment fractions, or slots).
    fn basis_row(c: &Candidate, values: &[f64], row: usize) -> Vec<f64> {
        match &c.side {
            Side::Segments { knots, .. } => {
                knots.windows(2).map(|k| segment(values[row], k[0], k[1])).collect()
            }
            Side::Slots { .. } => {
                (0..c.basis()).map(|t| f64::from(usize::from(c.codes[row]) == t + 1)).collect()
            }
        }
    }

    /// The gain and degrees of freedom from each row's features, built one row at a time: the
    /// term's products, the intercept and each side's basis.
    fn brute_force(a: (&Candidate, &[f64]), b: (&Candidate, &[f64]), g: &[f64], h: &[f64]) -> (f64, usize) {
        let rows: Vec<Vec<f64>> = (0..g.len())
            .map(|r| {
                let (fa, fb) = (basis_row(a.0, a.1, r), basis_row(b.0, b.1, r));
                let mut f: Vec<f64> = fa.iter().flat_map(|x| fb.iter().map(move |y| x * y)).collect();
                f.push(1.0);
                f.extend(&fa);
                f.extend(&fb);
                f
            })
            .collect();
        let width = rows[0].len();
        let mut v = vec![0.0; width * width];
        let mut u = vec![0.0; width];
        for (r, f) in rows.iter().enumerate() {
            for i in 0..width {
                u[i] += g[r] * f[i];
                for j in 0..width {
                    v[i * width + j] += h[r] * f[i] * f[j];
                }
            }
        }
        let (sides, both, df) = gains(&v, &u, width, a.0.basis() * b.0.basis());
        (both - sides, df)
    }

    #[test]
    fn the_cell_sums_give_what_the_rows_features_give() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut draw = || rng.random::<f64>();
        let n = 300;
        let x: Vec<f64> = (0..n).map(|_| 100.0 * draw()).collect();
        let y: Vec<f64> = (0..n).map(|_| (10.0 * draw()).floor()).collect();
        let slots: Vec<u16> = (0..n).map(|_| 1 + (3.0 * draw()) as u16).collect();
        let g: Vec<f64> = (0..n).map(|_| draw() - 0.5).collect();
        let h: Vec<f64> = (0..n).map(|_| 0.05 + 0.2 * draw()).collect();
        // A number beyond its outer knots on both sides, an integer one with rows on its knots,
        // and a category with an unused slot (cell 4 of 5).
        let (a, b) = (
            Candidate::number(0, &x, vec![5.0, 30.0, 60.0, 95.0]),
            Candidate::number(0, &y, vec![0.0, 3.0, 6.0, 9.0]),
        );
        let c = candidate(slots.clone(), 5);
        for ((p, pv), (q, qv)) in [((&a, &x), (&c, &x)), ((&a, &x), (&b, &y)), ((&c, &x), (&b, &y))] {
            let (got, df) = gain(p, q, &g, &h);
            let (want, want_df) = brute_force((p, pv), (q, qv), &g, &h);
            assert!((got - want).abs() < 1e-9 * want.max(1.0), "{got} against {want}");
            assert_eq!(df, want_df);
        }
        // Full ranks: (3 − 1)·3 products beyond the sides for number × category (slot 4 unused),
        // 3·3 for number × number, 3·(3 − 1) for category × number.
        assert_eq!(gain(&a, &c, &g, &h).1, 6);
        assert_eq!(gain(&a, &b, &g, &h).1, 9);
        assert_eq!(gain(&c, &b, &g, &h).1, 6);
    }

    #[test]
    fn a_grid_gains_only_what_no_additive_fit_does() {
        let a = candidate(vec![0, 0, 1, 1, 0, 0, 1, 1], 2);
        let b = candidate(vec![0, 1, 0, 1, 0, 1, 0, 1], 2);
        let h = [0.25; 8];
        // Residuals that are a row effect plus a column effect: nothing is left for the pair.
        let additive = [0.7, 0.3, -0.3, -0.7, 0.7, 0.3, -0.3, -0.7];
        assert!(gain(&a, &b, &additive, &h).0 < 1e-9, "{:?}", gain(&a, &b, &additive, &h));
        // An exclusive-or: no additive fit explains any of it, the term all of it.
        let xor = [0.5, -0.5, -0.5, 0.5, 0.5, -0.5, -0.5, 0.5];
        // It is orthogonal to the sides, and the product feature ab keeps ±1/4 of itself beyond
        // them: a Newton step gains U² / (Σ h·(1/4)² + λ), U = Σ g·ab = 1.
        let (got, df) = gain(&a, &b, &xor, &h);
        assert!((got - 1.0 / (0.125 + CELL_RIDGE)).abs() < 1e-12, "{got}");
        assert_eq!(df, 1);
    }

    #[test]
    fn a_slope_that_differs_by_category_is_one_degree_of_freedom_per_category() {
        // Residuals rising with x in one category and falling in the other: no step per cell
        // would be needed, one slope per category is.
        let x: Vec<f64> = (0..40).map(f64::from).collect();
        let slots: Vec<u16> = (0..40).map(|r| 1 + (r % 2) as u16).collect();
        let g: Vec<f64> =
            (0..40).map(|r| if r % 2 == 0 { 1.0 } else { -1.0 } * (f64::from(r) - 19.5) / 20.0).collect();
        let (a, c) = (Candidate::number(0, &x, vec![0.0, 39.0]), candidate(slots, 3));
        let (got, df) = gain(&a, &c, &g, &[0.25; 40]);
        assert_eq!(df, 1);
        assert!(crate::stats::chi2_z(got, 1.0) > 3.0, "{got}");
    }

    #[test]
    fn only_cells_that_hold_rows_count_as_degrees_of_freedom() {
        // A category whose first and last slots are never used, beside a yes/no column: 2 × 2.
        let a = candidate(vec![1, 2, 1, 2, 1, 2, 1, 2], 5);
        let b = candidate(vec![0, 0, 1, 1, 0, 1, 1, 0], 2);
        assert_eq!(gain(&a, &b, &[0.1; 8], &[0.25; 8]).1, 1);
        // Two blocks that never meet (a diagonal): the sides alone are already exact.
        let diagonal = candidate(vec![1, 1, 2, 2], 3);
        let other = candidate(vec![0, 0, 1, 1], 2);
        assert_eq!(gain(&diagonal, &other, &[0.1; 4], &[0.25; 4]).1, 0);
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
