//! `churn validate`: a data-quality report on a customer table, and the checks `churn train` runs
//! before it fits anything.
//!
//! Every column is profiled (the role the trainer would give it, missing share, distinct values,
//! the most frequent values, range) and the table is checked for what makes churn models wrong
//! without failing loudly: identifier columns, constant columns, duplicate rows and duplicate
//! customer ids (which leak between cross-validation folds), a column that predicts the target
//! almost perfectly on its own (usually recorded after the churn), high-cardinality text, missing
//! values written as a category ("Unknown") or as blank cells, mixed numbers and text, and the
//! class balance.
//!
//! Findings are `blocking` (training would fail or learn from the answer), `warning` (training
//! works around it; a person should look) or `notice` (for the record).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use serde::Serialize;

use crate::code::Code;
use crate::error::Error;
use scorer_wasm::Value;

use crate::input::data::{Column, Table};
use crate::prepare::infer::{Decision, Decisions, InferOptions, Kind, TargetPlan};
use crate::prepare::profile::{Profile, top_values};
use crate::stats::metrics;
use crate::stats::round_to;

/// A single column that separates the classes at least this well (ROC AUC, either direction)
/// blocks training as a suspected leak; from `SUSPICIOUS_AUC` on it is a warning.
pub const LEAKAGE_AUC: f64 = 0.99;
pub const SUSPICIOUS_AUC: f64 = 0.95;
/// Fewer churners (or non-churners) than this make every metric noisy.
const FEW_MINORITY: usize = 50;
/// Fewer rows than this make a small sample.
const FEW_ROWS: usize = 200;
/// Category levels that usually mean "not recorded" (compared case-insensitively).
const MISSING_SPELLINGS: [&str; 17] = [
    "unknown",
    "unk",
    "?",
    "-",
    "--",
    "missing",
    "not available",
    "not known",
    "not specified",
    "unspecified",
    "undefined",
    "not applicable",
    "(blank)",
    "blank",
    "empty",
    "n.a.",
    "no data",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Blocking,
    Warning,
    Notice,
}

impl Severity {
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Blocking => "blocking",
            Severity::Warning => "warning",
            Severity::Notice => "notice",
        }
    }
}

/// What a finding is about: a stable code that reports, JSON and `--allow` use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FindingCode {
    Identifier,
    Constant,
    EmptyColumn,
    DuplicateRows,
    DuplicateIds,
    Leakage,
    PossibleLeakage,
    HighCardinality,
    ManyLevels,
    MissingAsCategory,
    MissingValues,
    MixedTypes,
    ClassBalance,
    FewRows,
    Target,
    EmptyFile,
}

impl Code for FindingCode {
    const ALL: &'static [FindingCode] = &[
        FindingCode::Identifier,
        FindingCode::Constant,
        FindingCode::EmptyColumn,
        FindingCode::DuplicateRows,
        FindingCode::DuplicateIds,
        FindingCode::Leakage,
        FindingCode::PossibleLeakage,
        FindingCode::HighCardinality,
        FindingCode::ManyLevels,
        FindingCode::MissingAsCategory,
        FindingCode::MissingValues,
        FindingCode::MixedTypes,
        FindingCode::ClassBalance,
        FindingCode::FewRows,
        FindingCode::Target,
        FindingCode::EmptyFile,
    ];
    const WHAT: &'static str = "finding code";
    fn as_str(self) -> &'static str {
        match self {
            FindingCode::Identifier => "identifier",
            FindingCode::Constant => "constant",
            FindingCode::EmptyColumn => "empty_column",
            FindingCode::DuplicateRows => "duplicate_rows",
            FindingCode::DuplicateIds => "duplicate_ids",
            FindingCode::Leakage => "leakage",
            FindingCode::PossibleLeakage => "possible_leakage",
            FindingCode::HighCardinality => "high_cardinality",
            FindingCode::ManyLevels => "many_levels",
            FindingCode::MissingAsCategory => "missing_as_category",
            FindingCode::MissingValues => "missing_values",
            FindingCode::MixedTypes => "mixed_types",
            FindingCode::ClassBalance => "class_balance",
            FindingCode::FewRows => "few_rows",
            FindingCode::Target => "target",
            FindingCode::EmptyFile => "empty_file",
        }
    }
}

crate::serialize_as_code!(FindingCode);

/// One thing worth knowing about the data.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub code: FindingCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub message: String,
}

/// The profile of one column.
#[derive(Clone, Debug, Serialize)]
pub struct ColumnSummary {
    pub name: String,
    /// The role `churn train` would give it: `target`, `identifier`, `ignored`, `numeric`,
    /// `boolean`, `categorical`, `date`, or `empty`.
    pub role: String,
    /// Why that role.
    pub reason: String,
    pub missing: u64,
    pub missing_share: f64,
    pub distinct: u64,
    /// The most frequent values with their counts, most frequent first (at most five).
    pub top: Vec<(String, u64)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// ROC AUC of this column alone against the target (either direction, so ≥ 0.5); features
    /// only, and only when a target is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auc_alone: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TargetSummary {
    pub name: String,
    pub positive: String,
    pub negative: String,
    pub positives: u64,
    pub positive_rate: f64,
}

/// Everything `churn validate` found.
#[derive(Clone, Debug, Serialize)]
pub struct Validation {
    pub source: String,
    pub format: String,
    pub rows: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<TargetSummary>,
    /// Rows identical in every column to an earlier row.
    pub duplicate_rows: u64,
    pub columns: Vec<ColumnSummary>,
    /// Most severe first.
    pub findings: Vec<Finding>,
    /// Whether any finding blocks training.
    pub blocking: bool,
}

impl Validation {
    /// For a table whose rows are grouped by customer (an event log's snapshots), where ids
    /// repeat by design and the folds keep each customer's rows together: no duplicate-id finding.
    pub fn ids_repeat_by_design(&mut self) {
        self.findings.retain(|f| f.code != FindingCode::DuplicateIds);
    }

    /// The findings that block training, leaving out codes the user allowed.
    pub fn blockers<'a>(&'a self, allowed: &'a [FindingCode]) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| f.severity == Severity::Blocking && !allowed.contains(&f.code))
    }
}

/// Checks `table` from its column profiles and what inference decided of each column (see
/// [`crate::prepare::examine`]). With no target among the decisions, nothing target-related is
/// checked.
pub fn validate(
    table: &Table,
    profiles: &[Profile],
    decisions: &Decisions,
    opts: &InferOptions,
) -> Validation {
    let mut findings = Vec::new();
    let rows = table.rows();
    if rows == 0 {
        findings.push(Finding {
            severity: Severity::Blocking,
            code: FindingCode::EmptyFile,
            column: None,
            message: "the file has a header but no rows".into(),
        });
    }
    let (target, labels) = match decisions.target.as_ref().filter(|_| rows > 0) {
        Some(Ok(plan)) => (Some(check_target(plan, rows, &mut findings)), Some(plan.labels.as_slice())),
        Some(Err(e)) => {
            let name =
                decisions.columns.iter().position(|d| matches!(d, Decision::Target)).map(|t| &table.names[t]);
            findings.push(Finding {
                severity: Severity::Blocking,
                code: FindingCode::Target,
                column: name.cloned(),
                message: strip_path(e, table),
            });
            (None, None)
        }
        None => (None, None),
    };
    let learned = Learned { target: &target, labels, min_level_count: opts.min_level_count };
    // Columns on every core; their findings join in column order, as if checked one by one.
    let indexes: Vec<usize> = (0..decisions.columns.len()).collect();
    let checked = crate::parallel::map(&indexes, |&index| {
        let mut own = Vec::new();
        let summary =
            column_summary(table, index, &profiles[index], &decisions.columns[index], &learned, &mut own);
        (summary, own)
    });
    let mut columns = Vec::with_capacity(checked.len());
    for (summary, own) in checked {
        columns.push(summary);
        findings.extend(own);
    }
    let duplicate_rows = table_findings(table, &mut findings);
    // Most severe first; otherwise in column order (the sort is stable).
    findings.sort_by_key(|f| f.severity);
    let blocking = findings.iter().any(|f| f.severity == Severity::Blocking);
    Validation {
        source: table.file_name(),
        format: table.format.to_string(),
        rows: rows as u64,
        target,
        duplicate_rows,
        columns,
        findings,
        blocking,
    }
}

/// The target's summary, with the class-balance finding.
fn check_target(plan: &TargetPlan, rows: usize, findings: &mut Vec<Finding>) -> TargetSummary {
    let positives = plan.labels.iter().filter(|&&y| y == 1.0).count();
    let share = positives as f64 / rows as f64;
    let minority = positives.min(rows - positives);
    let (severity, note) = if minority < FEW_MINORITY {
        (
            Severity::Warning,
            format!(
                "; with only {minority} rows of the smaller class, every metric is noisy and the \
                 threshold unstable"
            ),
        )
    } else if share.min(1.0 - share) < 0.02 {
        (
            Severity::Warning,
            "; a class this rare makes every metric noisy and the threshold unstable".to_string(),
        )
    } else {
        (Severity::Notice, String::new())
    };
    findings.push(Finding {
        severity,
        code: FindingCode::ClassBalance,
        column: Some(plan.name.clone()),
        message: format!(
            "{positives} of {rows} rows ({:.1}%) are \"{}\" (churn: {}){note}",
            share * 100.0,
            plan.positive,
            plan.reason
        ),
    });
    TargetSummary {
        name: plan.name.clone(),
        positive: plan.positive.clone(),
        negative: plan.negative.clone(),
        positives: positives as u64,
        positive_rate: round_to(share, 6),
    }
}

/// What the columns are checked against: the target, when it could be learned.
struct Learned<'a> {
    target: &'a Option<TargetSummary>,
    labels: Option<&'a [f64]>,
    /// Category levels rarer than this are pooled when a column's ROC AUC alone is measured.
    min_level_count: usize,
}

/// One column's summary and findings.
fn column_summary(
    table: &Table,
    index: usize,
    profile: &Profile,
    decision: &Decision,
    learned: &Learned<'_>,
    findings: &mut Vec<Finding>,
) -> ColumnSummary {
    let name = &table.names[index];
    let cells = &table.columns[index];
    let (role, reason) = match decision {
        Decision::Target => ("target", "the churn outcome".to_string()),
        Decision::Column { plan, by_user } => {
            if !by_user {
                column_findings(name, &plan.kind, &plan.reason, profile, findings);
            }
            (plan.kind.name(), plan.reason.clone())
        }
        Decision::Unusable(message) => {
            findings.push(Finding {
                severity: Severity::Blocking,
                code: FindingCode::EmptyColumn,
                column: Some(name.clone()),
                message: format!("column \"{name}\" {message}"),
            });
            ("empty", "no values".to_string())
        }
    };
    if role != "target" && profile.missing > 0 && profile.present() > 0 {
        findings.push(missing_finding(name, role, profile));
    }
    if role == "identifier" {
        duplicate_ids(name, profile, findings);
    }
    let is_feature = matches!(decision, Decision::Column { plan, .. } if plan.kind.is_feature());
    let auc_alone = match (learned.labels, is_feature) {
        (Some(y), true) => Some(round_to(auc_alone(cells, role, y, learned.min_level_count), 4)),
        _ => None,
    };
    if let Some(auc) = auc_alone {
        leakage(name, auc, learned.target, findings);
    }
    let numeric = profile.numbers > 0 && matches!(role, "numeric" | "identifier");
    ColumnSummary {
        name: name.clone(),
        role: role.to_string(),
        reason,
        missing: profile.missing as u64,
        missing_share: round_to(profile.missing as f64 / table.rows().max(1) as f64, 4),
        distinct: profile.counts.len() as u64,
        top: profile.top(5),
        min: numeric.then_some(profile.min),
        max: numeric.then_some(profile.max),
        auc_alone,
    }
}

/// Findings about the table as a whole: repeated rows, too few rows. Returns the repeats.
fn table_findings(table: &Table, findings: &mut Vec<Finding>) -> u64 {
    let rows = table.rows();
    let duplicate_rows = duplicate_rows(table);
    if duplicate_rows > 0 {
        findings.push(Finding {
            severity: Severity::Warning,
            code: FindingCode::DuplicateRows,
            column: None,
            message: format!(
                "{duplicate_rows} rows repeat an earlier row in every column; a copy in another \
                 cross-validation fold flatters the metrics — remove exact copies unless they are \
                 real, separate customers"
            ),
        });
    }
    if rows > 0 && rows < FEW_ROWS {
        findings.push(Finding {
            severity: Severity::Warning,
            code: FindingCode::FewRows,
            column: None,
            message: format!("only {rows} rows: cross-validated metrics will vary a lot from fold to fold"),
        });
    }
    duplicate_rows
}

/// An error's message without the file path in front (the report names the file once).
fn strip_path(e: &Error, table: &Table) -> String {
    let text = e.to_string();
    let prefix = format!("{}: ", table.path.display());
    text.strip_prefix(&prefix).map_or(text.clone(), str::to_string)
}

/// Findings that follow from the role the trainer gives a column.
fn column_findings(name: &str, kind: &Kind, reason: &str, p: &Profile, findings: &mut Vec<Finding>) {
    let mut push = |severity, code, message: String| {
        findings.push(Finding { severity, code, column: Some(name.to_string()), message });
    };
    match kind {
        Kind::Identifier => push(
            Severity::Warning,
            FindingCode::Identifier,
            format!(
                "{name} looks like an identifier ({reason}); it is kept out of the model and echoed back with scores"
            ),
        ),
        Kind::Ignored if reason.starts_with("constant") => push(
            Severity::Warning,
            FindingCode::Constant,
            format!("{name} is {reason}; it carries no information and is left out"),
        ),
        Kind::Ignored if reason.starts_with("high-cardinality") => push(
            Severity::Warning,
            FindingCode::HighCardinality,
            format!(
                "{name} has {} distinct values in {} rows — too many to learn from, so it is left out; \
                 if it names or identifies customers, mark it with --id",
                p.counts.len(),
                p.present()
            ),
        ),
        Kind::Categorical => {
            let suspicious = p.top_where(usize::MAX, |level, _| {
                MISSING_SPELLINGS.iter().any(|m| level.eq_ignore_ascii_case(m))
            });
            if !suspicious.is_empty() {
                push(
                    Severity::Warning,
                    FindingCode::MissingAsCategory,
                    format!(
                        "{name} has {} — probably missing values written as a category; they are learned as a \
                         level of their own. Blank them to have them imputed, or keep them if not recording \
                         the value is itself telling",
                        spell_counts(&suspicious)
                    ),
                );
            }
            if p.numbers > 0 && p.numbers as f64 >= 0.9 * p.present() as f64 {
                let text = p.top_where(3, |level, _| scorer_wasm::value::parse_number(level).is_none());
                push(
                    Severity::Warning,
                    FindingCode::MixedTypes,
                    format!(
                        "{name} is {:.0}% numbers, but {} cells hold text ({}); the whole column is read as \
                         categories. Fix or blank the text to have it read as numbers",
                        100.0 * p.numbers as f64 / p.present() as f64,
                        p.present() - p.numbers,
                        spell_counts(&text)
                    ),
                );
            }
            if reason.contains("pooled") {
                push(Severity::Notice, FindingCode::ManyLevels, format!("{name}: {reason}"));
            }
        }
        _ => {}
    }
}

/// Blank or NA cells in a column, with how they were written.
fn missing_finding(name: &str, role: &str, p: &Profile) -> Finding {
    let spellings = top_values(&p.missing_spellings, 3);
    let treatment = match role {
        "numeric" | "date" => "read as missing: imputed with the median, with a missing-indicator feature",
        "boolean" => {
            "read as missing: imputed with the more frequent value, with a missing-indicator feature"
        }
        "categorical" => "read as missing: they share the \"other/unknown\" slot",
        _ => "read as missing",
    };
    Finding {
        severity: Severity::Warning,
        code: FindingCode::MissingValues,
        column: Some(name.to_string()),
        message: format!(
            "{name} has {} blank or NA cells ({:.1}%: {}), {treatment}",
            p.missing,
            100.0 * p.missing as f64 / p.rows.max(1) as f64,
            spell_counts(
                &spellings
                    .iter()
                    .map(|(s, c)| (if s.is_empty() { "(empty)".to_string() } else { format!("\"{s}\"") }, *c))
                    .collect::<Vec<_>>()
            )
            .replace("\"(empty)\"", "(empty)")
        ),
    }
}

/// Repeated values in an identifier column.
fn duplicate_ids(name: &str, p: &Profile, findings: &mut Vec<Finding>) {
    let repeated = p.top_where(usize::MAX, |_, count| count > 1);
    if repeated.is_empty() {
        return;
    }
    let extra: u64 = repeated.iter().map(|(_, c)| c - 1).sum();
    findings.push(Finding {
        severity: Severity::Warning,
        code: FindingCode::DuplicateIds,
        column: Some(name.to_string()),
        message: format!(
            "{name}: {} values occur more than once ({extra} extra rows; {}); the same customer in \
             several rows can sit in training and held-out folds at once",
            repeated.len(),
            spell_counts(&repeated.into_iter().take(3).collect::<Vec<_>>())
        ),
    });
}

/// Flags a column that predicts the target (nearly) perfectly on its own.
fn leakage(name: &str, auc: f64, target: &Option<TargetSummary>, findings: &mut Vec<Finding>) {
    let target = target.as_ref().map_or("the target", |t| t.name.as_str());
    let (severity, code, advice) = if auc >= LEAKAGE_AUC {
        (
            Severity::Blocking,
            FindingCode::Leakage,
            format!(
                "it is almost certainly recorded after the outcome or derived from it. Leave it out with \
                 --drop \"{name}\" (or, if it is truly known before churn, train with --allow leakage)"
            ),
        )
    } else if auc >= SUSPICIOUS_AUC {
        (
            Severity::Warning,
            FindingCode::PossibleLeakage,
            "check that it is known before the churn it is meant to predict".to_string(),
        )
    } else {
        return;
    };
    findings.push(Finding {
        severity,
        code,
        column: Some(name.to_string()),
        message: format!("{name} alone separates {target} with ROC AUC {auc:.4}: {advice}"),
    });
}

/// ROC AUC of one column against the labels, whichever direction is better. Numbers rank by
/// value (missing values first or last, whichever separates better: a column filled in only for
/// churners is a leak); categories by their in-sample churn rate, levels rarer than
/// `min_count` pooled.
fn auc_alone(cells: &Column, role: &str, y: &[f64], min_count: usize) -> f64 {
    let both = |scores: &[f64]| {
        let auc = metrics::roc_auc(y, scores);
        auc.max(1.0 - auc)
    };
    if role == "numeric" || role == "date" {
        let values: Vec<Option<f64>> = cells
            .values()
            .map(|c| match c {
                Value::Number(x) if x.is_finite() => Some(x),
                Value::Text(s) => scorer_wasm::value::parse_number(s)
                    .or_else(|| scorer_wasm::value::parse_date(s).map(f64::from)),
                _ => None,
            })
            .collect();
        let low: Vec<f64> = values.iter().map(|v| v.unwrap_or(f64::NEG_INFINITY)).collect();
        let high: Vec<f64> = values.iter().map(|v| v.unwrap_or(f64::INFINITY)).collect();
        return both(&low).max(both(&high));
    }
    // Categories and booleans: each level's churn rate.
    let keys: Vec<Cow<'_, str>> = cells.values().map(level_key).collect();
    let mut stats: HashMap<&str, (f64, f64)> = HashMap::new();
    for (k, &t) in keys.iter().zip(y) {
        let s = stats.entry(k.as_ref()).or_default();
        s.0 += t;
        s.1 += 1.0;
    }
    let (pooled_pos, pooled_n) = stats
        .values()
        .filter(|s| (s.1 as usize) < min_count)
        .fold((0.0, 0.0), |(p, n), s| (p + s.0, n + s.1));
    let scores: Vec<f64> = keys
        .iter()
        .map(|k| {
            let (pos, n) = stats[k.as_ref()];
            if (n as usize) < min_count { pooled_pos / pooled_n } else { pos / n }
        })
        .collect();
    both(&scores)
}

/// A cell as a category key: text trimmed, missing as the empty string.
fn level_key(cell: Value<'_>) -> Cow<'_, str> {
    match cell {
        Value::Text(s) if !scorer_wasm::value::is_missing_text(s) => s.trim().into(),
        Value::Number(x) if x.is_finite() => scorer_wasm::value::number_as_level(x).into(),
        Value::Bool(b) => if b { "true" } else { "false" }.into(),
        _ => "".into(),
    }
}

/// Rows equal in every cell to an earlier row.
fn duplicate_rows(table: &Table) -> u64 {
    let mut seen = HashSet::with_capacity(table.rows());
    let mut duplicates = 0;
    for r in 0..table.rows() {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for column in &table.columns {
            match column.value(r) {
                Value::Missing => 0u8.hash(&mut h),
                Value::Number(x) => (1u8, x.to_bits()).hash(&mut h),
                Value::Text(s) => (2u8, s).hash(&mut h),
                Value::Bool(b) => (3u8, b).hash(&mut h),
            }
        }
        if !seen.insert(h.finish()) {
            duplicates += 1;
        }
    }
    duplicates
}

/// `"Unknown" ×12, "?" ×3`.
fn spell_counts(values: &[(String, u64)]) -> String {
    values
        .iter()
        .map(|(v, c)| {
            if v.starts_with('"') || v.starts_with('(') {
                format!("{v} ×{c}")
            } else {
                format!("\"{v}\" ×{c}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::data::Format;

    fn table(names: &[&str], rows: &[&[&str]]) -> Table {
        Table {
            path: "t.csv".into(),
            format: Format::Csv,
            names: names.iter().map(|s| s.to_string()).collect(),
            columns: (0..names.len())
                .map(|c| Column::of(rows.iter().map(|r| Value::Text(r[c]))).unwrap())
                .collect(),
            lines: (0..rows.len() as u64).map(|i| i + 2).collect(),
            first_row: 0,
        }
    }

    fn opts(target: &str) -> InferOptions {
        InferOptions { target: target.into(), max_levels: 32, min_level_count: 1, ..Default::default() }
    }

    fn check(table: &Table, opts: &InferOptions) -> Validation {
        crate::prepare::examine(table, opts).unwrap().0
    }

    fn codes(v: &Validation) -> Vec<(&'static str, Option<&str>)> {
        v.findings.iter().map(|f| (f.code.as_str(), f.column.as_deref())).collect()
    }

    #[test]
    fn a_copy_of_the_target_blocks_training() {
        let rows: Vec<[&str; 3]> =
            (0..40).map(|i| if i % 3 == 0 { ["a", "Yes", "closed"] } else { ["b", "No", "open"] }).collect();
        let rows: Vec<&[&str]> = rows.iter().map(|r| &r[..]).collect();
        let v = check(&table(&["plan", "Churn", "status"], &rows), &opts("Churn"));
        assert!(v.blocking);
        assert_eq!(v.findings[0].code, FindingCode::Leakage);
        assert_eq!(v.findings[0].column.as_deref(), Some("plan"));
        assert!(v.blockers(&[FindingCode::Leakage]).next().is_none());
        assert_eq!(v.columns[0].auc_alone, Some(1.0));
    }

    #[test]
    fn missing_spellings_duplicates_and_mixed_types() {
        let rows: Vec<[String; 4]> = (0..30)
            .map(|i| {
                [
                    format!("c{}", i % 29),
                    if i % 5 == 0 { "Unknown".into() } else { ["x", "y"][i % 2].into() },
                    if i == 7 { " ".into() } else { (i * 13 % 17).to_string() },
                    if i == 3 { "free".into() } else { (i % 4).to_string() },
                ]
            })
            .collect();
        let rows: Vec<Vec<&str>> = rows.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
        let rows: Vec<&[&str]> = rows.iter().map(|r| &r[..]).collect();
        let v = check(&table(&["customer_id", "segment", "calls", "plan"], &rows), &opts(""));
        assert!(!v.blocking);
        assert_eq!(
            codes(&v),
            vec![
                ("identifier", Some("customer_id")),
                ("duplicate_ids", Some("customer_id")),
                ("missing_as_category", Some("segment")),
                ("missing_values", Some("calls")),
                ("mixed_types", Some("plan")),
                ("few_rows", None),
            ]
        );
        let missing = &v.findings[3].message;
        assert_eq!(
            missing,
            "calls has 1 blank or NA cells (3.3%: \" \" ×1), read as missing: imputed with the median, with a \
             missing-indicator feature"
        );
    }

    #[test]
    fn an_empty_column_and_a_one_valued_target_block() {
        let rows: Vec<[&str; 3]> = (0..10).map(|i| [["a", "b"][i % 2], "", "No"]).collect();
        let rows: Vec<&[&str]> = rows.iter().map(|r| &r[..]).collect();
        let v = check(&table(&["plan", "notes", "Churn"], &rows), &opts("Churn"));
        assert_eq!(codes(&v)[..2], [("target", Some("Churn")), ("empty_column", Some("notes"))]);
        assert_eq!(
            v.findings[0].message,
            "target \"Churn\" has a single value, \"No\": there is nothing to learn"
        );
    }
}
