//! Reference distributions of a model's inputs and score on its training data, kept in the model
//! file so that `churn drift` can compare new data with what the model learned from. Scorers
//! carry them and never read them.

use bincode::{Decode, Encode};

/// The training data's distributions.
#[derive(Clone, Debug, Default, PartialEq, Encode, Decode)]
pub struct DriftReference {
    /// Rows the distributions were measured on.
    pub rows: u64,
    /// One per feature column, in the model's column order.
    pub columns: Vec<Distribution>,
    /// The final model's probabilities on the training rows.
    pub score: Distribution,
}

/// How one variable was spread over bins.
#[derive(Clone, Debug, Default, PartialEq, Encode, Decode)]
pub struct Distribution {
    pub name: String,
    pub bins: Bins,
    /// Share of rows per bin, then the share of missing values last.
    pub shares: Vec<f64>,
}

/// The bins of a distribution.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
pub enum Bins {
    /// Inner edges `e₁ < … < e_k` of `k + 1` bins: `(−∞, e₁], (e₁, e₂], …, (e_k, ∞)`.
    Numeric(Vec<f64>),
    /// One bin per level, then one for every other value.
    Levels(Vec<String>),
}

impl Default for Bins {
    fn default() -> Self {
        Bins::Numeric(Vec::new())
    }
}

impl Bins {
    /// Number of bins, without the missing bin.
    pub fn count(&self) -> usize {
        match self {
            Bins::Numeric(edges) => edges.len() + 1,
            Bins::Levels(levels) => levels.len() + 1,
        }
    }

    /// The bin of a number.
    pub fn numeric_bin(edges: &[f64], x: f64) -> usize {
        edges.partition_point(|&e| e < x)
    }
}

impl Distribution {
    /// Checks shapes and numbers; returns what is wrong.
    pub(crate) fn check(&self) -> Result<(), String> {
        let edges_ok = match &self.bins {
            Bins::Numeric(edges) => {
                edges.iter().all(|e| e.is_finite()) && edges.windows(2).all(|w| w[0] < w[1])
            }
            Bins::Levels(_) => true,
        };
        if !edges_ok
            || self.shares.len() != self.bins.count() + 1
            || self.shares.iter().any(|s| !(s.is_finite() && *s >= 0.0))
        {
            return Err(format!("the reference distribution of \"{}\" is malformed", self.name));
        }
        Ok(())
    }
}
