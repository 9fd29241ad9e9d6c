//! What a retention campaign is worth, and the decision threshold it implies.
//!
//! Contacting a customer costs `contact_cost`. A contacted churner accepts the offer with
//! probability `accept_rate` and stays, worth `clv − offer_cost`; a contacted customer who would
//! have stayed takes the offer anyway (`offer_cost`). So the expected profit of contacting everyone
//! at or above a threshold, with `TP` churners and `FP` others among them, is
//!
//! ```text
//! profit = TP · (accept_rate · (clv − offer_cost) − contact_cost) − FP · (offer_cost + contact_cost)
//! ```
//!
//! This is the campaign-profit model behind the expected maximum profit measure for churn
//! (Verbraken, Verbeke & Baesens, IEEE TKDE 2013), with the acceptance rate fixed rather than
//! integrated over a Beta distribution. Thresholds are chosen on out-of-fold probabilities.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::stats::metrics::{self, sweep};

/// The economics of a retention campaign, per customer.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Economics {
    /// Value of keeping a customer (customer lifetime value).
    pub clv: f64,
    /// Cost of the retention offer to a customer who accepts it.
    pub offer_cost: f64,
    /// Share of contacted churners who accept the offer and stay.
    pub accept_rate: f64,
    /// Cost of contacting one customer.
    pub contact_cost: f64,
}

impl Default for Economics {
    /// Defaults for a subscription business: a customer worth 500, an offer worth 50, three in
    /// ten churners persuaded, 2 per contact.
    fn default() -> Self {
        Economics { clv: 500.0, offer_cost: 50.0, accept_rate: 0.3, contact_cost: 2.0 }
    }
}

impl Economics {
    /// Expected profit of contacting `tp` churners and `fp` others.
    pub fn profit(&self, tp: f64, fp: f64) -> f64 {
        tp * (self.accept_rate * (self.clv - self.offer_cost) - self.contact_cost)
            - fp * (self.offer_cost + self.contact_cost)
    }
}

impl Economics {
    /// The probability of churning above which one contact pays off on average.
    pub fn break_even(&self) -> f64 {
        let gain = self.accept_rate * (self.clv - self.offer_cost) + self.offer_cost;
        if gain > 0.0 { ((self.offer_cost + self.contact_cost) / gain).min(1.0) } else { 1.0 }
    }
}

impl FromStr for Economics {
    type Err = String;

    /// `clv=500,offer_cost=50,accept_rate=0.3,contact_cost=2`; any subset, the rest default.
    fn from_str(s: &str) -> Result<Self, String> {
        let mut e = Economics::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').ok_or_else(|| format!("\"{part}\" is not key=value"))?;
            let v: f64 = value.trim().parse().map_err(|_| format!("{key}: \"{value}\" is not a number"))?;
            if !v.is_finite() || v < 0.0 {
                return Err(format!("{key} must be a non-negative number, got {value}"));
            }
            match key.trim() {
                "clv" => e.clv = v,
                "offer_cost" => e.offer_cost = v,
                "accept_rate" if v <= 1.0 => e.accept_rate = v,
                "accept_rate" => return Err(format!("accept_rate is a share between 0 and 1, got {value}")),
                "contact_cost" => e.contact_cost = v,
                other => {
                    return Err(format!(
                        "unknown economics \"{other}\"; use clv, offer_cost, accept_rate, contact_cost"
                    ));
                }
            }
        }
        Ok(e)
    }
}

/// How the decision threshold is chosen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ThresholdRule {
    /// The largest expected campaign profit.
    MaxProfit,
    /// The largest F1 score.
    MaxF1,
    /// The highest threshold that still reaches this share of churners.
    Recall(f64),
}

impl FromStr for ThresholdRule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "max-profit" => Ok(ThresholdRule::MaxProfit),
            "max-f1" => Ok(ThresholdRule::MaxF1),
            other => match other.strip_prefix("recall=").map(str::parse::<f64>) {
                Some(Ok(r)) if (0.0..=1.0).contains(&r) && r > 0.0 => Ok(ThresholdRule::Recall(r)),
                Some(Ok(r)) => Err(format!("the target recall is a share above 0 and at most 1, got {r}")),
                _ => {
                    Err(format!("\"{other}\" is not a threshold rule; use max-profit, max-f1 or recall=0.8"))
                }
            },
        }
    }
}

impl ThresholdRule {
    /// The rule as `--threshold` takes it (and `FromStr` reads it back).
    pub fn flag(self) -> String {
        match self {
            ThresholdRule::MaxProfit => "max-profit".into(),
            ThresholdRule::MaxF1 => "max-f1".into(),
            ThresholdRule::Recall(r) => format!("recall={r}"),
        }
    }
}

impl fmt::Display for ThresholdRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThresholdRule::MaxProfit => f.write_str("max_profit"),
            ThresholdRule::MaxF1 => f.write_str("max_f1"),
            ThresholdRule::Recall(r) => write!(f, "recall_{r}"),
        }
    }
}

/// The threshold the rule picks on these probabilities.
pub fn choose(rule: ThresholdRule, economics: &Economics, y: &[f64], p: &[f64]) -> f64 {
    match rule {
        ThresholdRule::MaxF1 => metrics::best_f1_threshold(y, p),
        ThresholdRule::MaxProfit => {
            let best = sweep(y, p)
                .into_iter()
                .max_by(|a, b| economics.profit(a.1, a.2).total_cmp(&economics.profit(b.1, b.2)));
            // Contacting nobody (a threshold above every probability) is a choice too.
            match best {
                Some((t, tp, fp)) if economics.profit(tp, fp) > 0.0 => t,
                _ => 1.0,
            }
        }
        ThresholdRule::Recall(target) => {
            let positives = y.iter().filter(|&&t| t == 1.0).count() as f64;
            sweep(y, p).into_iter().find(|&(_, tp, _)| tp >= target * positives).map_or(0.0, |(t, _, _)| t)
        }
    }
}

/// Expected profit per customer of the base when everyone at or above `threshold` is contacted.
pub fn profit_at(economics: &Economics, y: &[f64], p: &[f64], threshold: f64) -> f64 {
    let (mut tp, mut fp) = (0.0, 0.0);
    for (&yi, &pi) in y.iter().zip(p) {
        if pi >= threshold {
            if yi == 1.0 { tp += 1.0 } else { fp += 1.0 }
        }
    }
    economics.profit(tp, fp) / y.len().max(1) as f64
}

/// Expected profit per customer of the base at thresholds `0, 1/steps, …, 1`.
pub fn profit_curve(economics: &Economics, y: &[f64], p: &[f64], steps: usize) -> Vec<(f64, f64)> {
    (0..=steps)
        .map(|i| {
            let t = i as f64 / steps as f64;
            (t, profit_at(economics, y, p, t))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn economics_parse_with_defaults_and_errors() {
        let e: Economics = "clv=800, accept_rate=0.5".parse().unwrap();
        assert_eq!(e, Economics { clv: 800.0, accept_rate: 0.5, ..Economics::default() });
        assert_eq!("clv=abc".parse::<Economics>().unwrap_err(), "clv: \"abc\" is not a number");
        assert_eq!(
            "accept_rate=2".parse::<Economics>().unwrap_err(),
            "accept_rate is a share between 0 and 1, got 2"
        );
        assert_eq!(
            "ltv=3".parse::<Economics>().unwrap_err(),
            "unknown economics \"ltv\"; use clv, offer_cost, accept_rate, contact_cost"
        );
    }

    #[test]
    fn profit_of_a_campaign() {
        let e = Economics::default();
        // A churner contacted: 0.3 · 450 − 2 = 133; another customer: −52.
        assert_eq!(e.profit(1.0, 0.0), 133.0);
        assert_eq!(e.profit(0.0, 1.0), -52.0);
    }

    #[test]
    fn rules_pick_thresholds() {
        let y = [1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0];
        let p = [0.9, 0.8, 0.7, 0.6, 0.3, 0.2, 0.1, 0.05];
        let e = Economics::default();
        // Profit by threshold: 0.9 → 133, 0.8 → 266, 0.7 → 214, 0.6 → 347, 0.3 → 295 …
        assert_eq!(choose(ThresholdRule::MaxProfit, &e, &y, &p), 0.6);
        assert_eq!(choose(ThresholdRule::Recall(0.5), &e, &y, &p), 0.8);
        assert_eq!("recall=0.8".parse::<ThresholdRule>().unwrap(), ThresholdRule::Recall(0.8));
        // When no one is worth contacting, nobody is.
        let costly = Economics { clv: 10.0, ..Economics::default() };
        assert_eq!(choose(ThresholdRule::MaxProfit, &costly, &y, &p), 1.0);
    }
}
