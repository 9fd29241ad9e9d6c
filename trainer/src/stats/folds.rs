//! Stratified K-fold assignment.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};

/// Assigns each row a fold in `0..k` so that every fold has the same share of positives (to
/// within one row): each class is shuffled with `seed`, then dealt round-robin.
pub fn stratified(labels: &[f64], k: usize, seed: u64) -> Result<Vec<usize>> {
    let positives: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == 1.0).collect();
    let negatives: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] != 1.0).collect();
    let smaller = positives.len().min(negatives.len());
    if k < 2 {
        return Err(Error::Usage(format!("--folds must be at least 2, got {k}")));
    }
    if smaller < k {
        return Err(Error::Usage(format!(
            "--folds {k} needs at least {k} rows of each class, but one class has only {smaller}"
        )));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut fold = vec![0; labels.len()];
    let mut next = 0;
    for mut class in [positives, negatives] {
        class.shuffle(&mut rng);
        for i in class {
            fold[i] = next % k;
            next += 1;
        }
    }
    Ok(fold)
}

/// Folds for rows that may belong together: with `groups` (a customer's snapshots, say), every
/// row of a group shares its fold, so no customer is trained on and evaluated at once; groups
/// are stratified by whether any of their rows is positive, each class shuffled with `seed` and
/// dealt round-robin. Without, [`stratified`].
pub fn assign(labels: &[f64], groups: Option<&[u32]>, k: usize, seed: u64) -> Result<Vec<usize>> {
    let Some(groups) = groups else { return stratified(labels, k, seed) };
    let count = groups.iter().copied().max().map_or(0, |g| g as usize + 1);
    let mut positive = vec![0.0; count];
    let mut present = vec![false; count];
    for (&g, &y) in groups.iter().zip(labels) {
        present[g as usize] = true;
        if y == 1.0 {
            positive[g as usize] = 1.0;
        }
    }
    let members: Vec<usize> = (0..count).filter(|&g| present[g]).collect();
    let member_labels: Vec<f64> = members.iter().map(|&g| positive[g]).collect();
    let group_fold = stratified(&member_labels, k, seed).map_err(|_| {
        Error::Usage(format!(
            "{k} folds that keep each customer's rows together need at least {k} customers with a churn and \
             {k} without; there are too few: pass a smaller --folds"
        ))
    })?;
    let mut fold_of = vec![0; count];
    for (&g, &f) in members.iter().zip(&group_fold) {
        fold_of[g] = f;
    }
    Ok(groups.iter().map(|&g| fold_of[g as usize]).collect())
}

/// Splits rows into (kept, held out), each ascending: `share` of each class of `labels`, rounded,
/// is held out, chosen by shuffling the class with `seed`.
pub fn holdout(labels: &[f64], share: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = vec![false; labels.len()];
    for positive in [true, false] {
        let mut class: Vec<usize> = (0..labels.len()).filter(|&i| (labels[i] == 1.0) == positive).collect();
        class.shuffle(&mut rng);
        let take = (share * class.len() as f64).round() as usize;
        for &i in &class[..take.min(class.len())] {
            out[i] = true;
        }
    }
    (0..labels.len()).partition(|&i| !out[i])
}

/// Rows in fold `f` (test) and the others (train), each ascending.
pub fn split(folds: &[usize], f: usize) -> (Vec<usize>, Vec<usize>) {
    (0..folds.len()).partition(|&i| folds[i] != f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified_and_reproducible() {
        let labels: Vec<f64> = (0..100).map(|i| if i % 4 == 0 { 1.0 } else { 0.0 }).collect();
        let a = stratified(&labels, 5, 42).unwrap();
        assert_eq!(a, stratified(&labels, 5, 42).unwrap());
        assert_ne!(a, stratified(&labels, 5, 43).unwrap());
        for f in 0..5 {
            let (train, test) = split(&a, f);
            assert_eq!(test.len(), 20);
            assert_eq!(train.len(), 80);
            assert_eq!(test.iter().filter(|&&i| labels[i] == 1.0).count(), 5);
        }
    }

    #[test]
    fn a_holdout_takes_its_share_of_each_class() {
        let labels: Vec<f64> = (0..103).map(|i| if i % 4 == 0 { 1.0 } else { 0.0 }).collect();
        let (kept, held) = holdout(&labels, 0.2, 9);
        assert_eq!((kept.len(), held.len()), (83, 20)); // 5 of 26 churners, 15 of 77 others
        assert_eq!(held.iter().filter(|&&i| labels[i] == 1.0).count(), 5); // 20% of 26, rounded
        assert!(held.windows(2).all(|w| w[0] < w[1]) && kept.iter().all(|i| !held.contains(i)));
        assert_eq!(holdout(&labels, 0.2, 9), (kept, held));
    }

    #[test]
    fn too_many_folds_for_the_minority_class() {
        let labels = [1.0, 1.0, 0.0, 0.0, 0.0];
        assert_eq!(
            stratified(&labels, 3, 1).unwrap_err().to_string(),
            "--folds 3 needs at least 3 rows of each class, but one class has only 2"
        );
    }

    #[test]
    fn a_groups_rows_share_a_fold() {
        let labels: Vec<f64> = (0..400).map(|i| f64::from(i % 7 == 0)).collect();
        let groups: Vec<u32> = (0..400).map(|i| i / 4).collect();
        let folds = assign(&labels, Some(&groups), 5, 3).unwrap();
        for g in 0..100 {
            let mine: Vec<usize> = (0..400).filter(|&r| groups[r] == g).map(|r| folds[r]).collect();
            assert!(mine.iter().all(|&f| f == mine[0]), "group {g} in folds {mine:?}");
        }
        for f in 0..5 {
            assert_eq!(folds.iter().filter(|&&x| x == f).count(), 80);
        }
    }
}
