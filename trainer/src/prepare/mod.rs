//! From a table to what a model learns from: column profiles, column roles, data checks, the
//! fitted feature pipeline.

pub mod design;
pub mod distribution;
pub mod fit;
pub mod infer;
pub mod pairs;
pub mod profile;
pub mod validate;

use crate::error::Result;
use crate::input::data::Table;
use infer::{Decisions, InferOptions};
use validate::Validation;

/// A table examined in one pass: each column profiled once ([`profile`]), its role decided from
/// that profile ([`infer`]), and the data checks reported from the same profile and decisions
/// ([`validate`]). `churn validate` shows the validation; `churn train` stops on its blocking
/// findings, then trains with the decisions' plan.
pub fn examine(table: &Table, opts: &InferOptions) -> Result<(Validation, Decisions)> {
    let profiles = profile::columns(table);
    let decisions = infer::decide_all(table, &profiles, opts)?;
    let validation = validate::validate(table, &profiles, &decisions, opts);
    Ok((validation, decisions))
}

#[cfg(test)]
mod tests {
    use super::*;
    use scorer_wasm::Value;

    use crate::input::data::{Column, Format};

    /// The roles `churn validate` reports are the roles `churn train` trains with, for a column
    /// of every kind, a user-marked one and the target.
    #[test]
    fn validation_reports_the_roles_training_uses() {
        let names = ["id", "tenure", "partner", "plan", "signup", "flag", "note", "Churn"];
        let rows: Vec<Vec<String>> = (0..40)
            .map(|i| {
                vec![
                    format!("C{i:03}"),
                    (i * 7 % 61).to_string(),
                    ["Yes", "No"][i % 2].to_string(),
                    ["a", "b", "c"][i % 3].to_string(),
                    format!("2024-01-{:02}", i % 28 + 1),
                    "x".to_string(),
                    format!("free text {i}"),
                    ["Yes", "No", "No"][i % 3].to_string(),
                ]
            })
            .collect();
        let table = Table {
            path: "t.csv".into(),
            format: Format::Csv,
            names: names.iter().map(|s| s.to_string()).collect(),
            columns: (0..names.len())
                .map(|c| Column::of(rows.iter().map(|r| Value::Text(&r[c]))).unwrap())
                .collect(),
            lines: (2..42).collect(),
            first_row: 0,
        };
        let opts = InferOptions {
            target: "Churn".into(),
            drops: vec!["note".into()],
            max_levels: 32,
            min_level_count: 2,
            ..Default::default()
        };
        let (validation, decisions) = examine(&table, &opts).unwrap();
        let plan = decisions.into_plan(&table).unwrap();
        let reported: Vec<(&str, &str)> =
            validation.columns.iter().map(|c| (c.name.as_str(), c.role.as_str())).collect();
        assert_eq!(
            reported,
            [
                ("id", "identifier"),
                ("tenure", "numeric"),
                ("partner", "boolean"),
                ("plan", "categorical"),
                ("signup", "date"),
                ("flag", "ignored"),
                ("note", "ignored"),
                ("Churn", "target"),
            ]
        );
        let planned: Vec<(&str, &str)> =
            plan.columns.iter().map(|c| (c.name.as_str(), c.kind.name())).collect();
        let without_target: Vec<(&str, &str)> =
            reported.into_iter().filter(|(_, r)| *r != "target").collect();
        assert_eq!(planned, without_target);
        assert_eq!((plan.target.positive.as_str(), plan.positives()), ("Yes", 14));
        // The user's --drop is a decision, with no finding about the column it drops.
        assert!(validation.findings.iter().all(|f| f.column.as_deref() != Some("note")));
    }
}
