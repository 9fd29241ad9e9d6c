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
    fn too_many_folds_for_the_minority_class() {
        let labels = [1.0, 1.0, 0.0, 0.0, 0.0];
        assert_eq!(
            stratified(&labels, 3, 1).unwrap_err().to_string(),
            "--folds 3 needs at least 3 rows of each class, but one class has only 2"
        );
    }
}
