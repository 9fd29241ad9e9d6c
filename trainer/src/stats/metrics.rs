//! Classification metrics, computed the way scikit-learn does so the numbers compare directly.

/// Area under the ROC curve: the probability that a random positive scores above a random
/// negative, ties counting one half (Mann–Whitney U with average ranks).
pub fn roc_auc(y: &[f64], p: &[f64]) -> f64 {
    let ranks = midranks(p);
    let (mut rank_sum, mut positives) = (0.0, 0.0);
    for (&t, &r) in y.iter().zip(&ranks) {
        if t == 1.0 {
            rank_sum += r;
            positives += 1.0;
        }
    }
    let negatives = p.len() as f64 - positives;
    (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives)
}

/// Mid-ranks of `x`: 1-based ranks, tied values sharing the mean of their ranks.
pub fn midranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&i, &j| x[i].total_cmp(&x[j]));
    let mut ranks = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && x[order[j + 1]] == x[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        i = j + 1;
    }
    ranks
}

/// Average precision (area under the precision–recall curve as a step function), as
/// `sklearn.metrics.average_precision_score`: `Σ (Rₙ − Rₙ₋₁) Pₙ` over distinct thresholds.
pub fn average_precision(y: &[f64], p: &[f64]) -> f64 {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    let total_pos = y.iter().filter(|&&v| v == 1.0).count() as f64;
    let (mut tp, mut fp, mut ap, mut prev_recall) = (0.0, 0.0, 0.0, 0.0);
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && p[idx[j + 1]] == p[idx[i]] {
            j += 1;
        }
        for &k in &idx[i..=j] {
            if y[k] == 1.0 {
                tp += 1.0;
            } else {
                fp += 1.0;
            }
        }
        let recall = tp / total_pos;
        ap += (recall - prev_recall) * tp / (tp + fp);
        prev_recall = recall;
        i = j + 1;
    }
    ap
}

/// Mean negative log-likelihood, probabilities clipped to `[1e-15, 1 − 1e-15]`.
pub fn log_loss(y: &[f64], p: &[f64]) -> f64 {
    y.iter().zip(p).map(|(&t, &q)| row_log_loss(t, q)).sum::<f64>() / y.len() as f64
}

/// One row's negative log-likelihood, the probability clipped to `[1e-15, 1 − 1e-15]`.
pub fn row_log_loss(t: f64, q: f64) -> f64 {
    let q = q.clamp(1e-15, 1.0 - 1e-15);
    -(t * q.ln() + (1.0 - t) * (1.0 - q).ln())
}

/// Mean squared difference between probability and outcome.
pub fn brier(y: &[f64], p: &[f64]) -> f64 {
    y.iter().zip(p).map(|(t, q)| (q - t) * (q - t)).sum::<f64>() / y.len() as f64
}

/// Precision, recall and F1 when everyone at or above `threshold` is called positive.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AtThreshold {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Share of rows called positive.
    pub flagged: f64,
}

pub fn at_threshold(y: &[f64], p: &[f64], threshold: f64) -> AtThreshold {
    let (mut tp, mut fp, mut fneg) = (0.0, 0.0, 0.0);
    for (&t, &q) in y.iter().zip(p) {
        match (q >= threshold, t == 1.0) {
            (true, true) => tp += 1.0,
            (true, false) => fp += 1.0,
            (false, true) => fneg += 1.0,
            (false, false) => {}
        }
    }
    let precision = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
    let recall = if tp + fneg > 0.0 { tp / (tp + fneg) } else { 0.0 };
    let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
    AtThreshold { precision, recall, f1, flagged: (tp + fp) / y.len() as f64 }
}

/// The threshold with the highest F1, among the distinct predicted probabilities.
pub fn best_f1_threshold(y: &[f64], p: &[f64]) -> f64 {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    let total_pos = y.iter().filter(|&&v| v == 1.0).count() as f64;
    let (mut tp, mut fp) = (0.0, 0.0);
    let (mut best, mut best_f1) = (0.5, -1.0);
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && p[idx[j + 1]] == p[idx[i]] {
            j += 1;
        }
        for &k in &idx[i..=j] {
            if y[k] == 1.0 {
                tp += 1.0;
            } else {
                fp += 1.0;
            }
        }
        let f1 = 2.0 * tp / (2.0 * tp + fp + (total_pos - tp));
        if f1 > best_f1 {
            best_f1 = f1;
            best = p[idx[i]];
        }
        i = j + 1;
    }
    best
}

/// Candidate thresholds with their counts: `(threshold, tp, fp)` for taking everyone at or above
/// each distinct probability, highest first (tied probabilities form one step).
pub(crate) fn sweep(y: &[f64], p: &[f64]) -> Vec<(f64, f64, f64)> {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    let (mut tp, mut fp, mut out, mut i) = (0.0, 0.0, Vec::new(), 0);
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && p[idx[j + 1]] == p[idx[i]] {
            j += 1;
        }
        for &k in &idx[i..=j] {
            if y[k] == 1.0 { tp += 1.0 } else { fp += 1.0 }
        }
        out.push((p[idx[i]], tp, fp));
        i = j + 1;
    }
    out
}

/// Points `(tp, fp)` after each group of tied probabilities, highest probability first,
/// starting from `(0, 0)`.
fn cumulative_counts(y: &[f64], p: &[f64]) -> Vec<(f64, f64)> {
    std::iter::once((0.0, 0.0)).chain(sweep(y, p).into_iter().map(|(_, tp, fp)| (tp, fp))).collect()
}

/// The ROC curve as true-positive rate at false-positive rates `0, 1/steps, …, 1`, linearly
/// interpolated between the curve's corners (ties form one segment, as in the AUC).
pub fn roc_on_grid(y: &[f64], p: &[f64], steps: usize) -> Vec<f64> {
    let points = cumulative_counts(y, p);
    let (pos, neg) = points.last().copied().unwrap_or((0.0, 0.0));
    let (pos, neg) = (pos.max(1.0), neg.max(1.0));
    let curve: Vec<(f64, f64)> = points.iter().map(|&(tp, fp)| (fp / neg, tp / pos)).collect();
    (0..=steps)
        .map(|s| {
            let x = s as f64 / steps as f64;
            // The first segment that reaches x; on a vertical run, the highest point at x.
            let k = curve.partition_point(|&(fpr, _)| fpr <= x);
            match (curve.get(k.wrapping_sub(1)), curve.get(k)) {
                (Some(&(x0, y0)), Some(&(x1, y1))) if x1 > x0 => y0 + (y1 - y0) * (x - x0) / (x1 - x0),
                (Some(&(_, y0)), _) => y0,
                _ => 0.0,
            }
        })
        .collect()
}

/// The precision–recall curve as interpolated precision (the best precision at this recall or
/// more) at recalls `0, 1/steps, …, 1`.
pub fn pr_on_grid(y: &[f64], p: &[f64], steps: usize) -> Vec<f64> {
    let points = cumulative_counts(y, p);
    let pos = points.last().map_or(0.0, |&(tp, _)| tp).max(1.0);
    let curve: Vec<(f64, f64)> = points.iter().skip(1).map(|&(tp, fp)| (tp / pos, tp / (tp + fp))).collect();
    (0..=steps)
        .map(|s| {
            let r = s as f64 / steps as f64;
            curve.iter().filter(|&&(recall, _)| recall >= r - 1e-12).map(|&(_, pr)| pr).fold(0.0, f64::max)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values from scikit-learn 1.9.1 on the same inputs.
    const Y: [f64; 8] = [0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0];
    const P: [f64; 8] = [0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.2, 0.4];

    #[test]
    fn matches_scikit_learn() {
        assert!((roc_auc(&Y, &P) - 0.8125).abs() < 1e-12, "{}", roc_auc(&Y, &P));
        assert!(
            (average_precision(&Y, &P) - 0.8166666666666667).abs() < 1e-12,
            "{}",
            average_precision(&Y, &P)
        );
        assert!((log_loss(&Y, &P) - 0.4555965297311108).abs() < 1e-12, "{}", log_loss(&Y, &P));
        assert!((brier(&Y, &P) - 0.1503125).abs() < 1e-12, "{}", brier(&Y, &P));
    }

    #[test]
    fn threshold_metrics() {
        let m = at_threshold(&Y, &P, 0.4);
        assert_eq!((m.precision, m.recall), (0.6, 0.75));
        assert_eq!(best_f1_threshold(&Y, &P), 0.35);
    }

    #[test]
    fn curves_on_a_grid() {
        // Corners of the ROC curve: (0, .5) (.5, .75) (.5, 1) (.75, 1) (1, 1); at a vertical
        // run the highest point counts.
        let roc = roc_on_grid(&Y, &P, 4);
        assert_eq!(roc, vec![0.5, 0.625, 1.0, 1.0, 1.0]);
        // Interpolated precision at recall ≥ 0, .25, .5, .75, 1.
        let pr = pr_on_grid(&Y, &P, 4);
        assert_eq!(pr, vec![1.0, 1.0, 1.0, 4.0 / 6.0, 4.0 / 6.0]);
    }
}
