//! Deciding what each column is: the target and its positive value, identifiers, numbers,
//! booleans, dates, categories, and columns to leave out — each decision with its reason.
//!
//! Every decision is made from the column's [`Profile`], counted once for inference and validation
//! alike (see [`crate::prepare::examine`]); only the target's labels read its cells again.
//!
//! Inference looks at input columns only (never at the target's relationship to them), so it can
//! run once on the whole file before cross-validation without leaking the held-out labels; the
//! encoders' parameters are fitted later, inside each fold.

use std::borrow::Cow;

use scorer_wasm::Value;
use scorer_wasm::value::{is_missing_text, number_as_level, parse_bool};

use crate::error::{Error, Result};
use crate::input::data::Table;
use crate::prepare::profile::{self, Profile};

/// What the trainer decided about one column.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Identifier,
    Ignored,
    Numeric,
    Boolean { true_label: String, false_label: String },
    Categorical,
    Date,
}

impl Kind {
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Identifier => "identifier",
            Kind::Ignored => "ignored",
            Kind::Numeric => "numeric",
            Kind::Boolean { .. } => "boolean",
            Kind::Categorical => "categorical",
            Kind::Date => "date",
        }
    }

    pub fn is_feature(&self) -> bool {
        !matches!(self, Kind::Identifier | Kind::Ignored)
    }
}

#[derive(Clone, Debug)]
pub struct ColumnPlan {
    /// Index in the table.
    pub index: usize,
    pub name: String,
    pub kind: Kind,
    pub reason: String,
    pub missing: usize,
    pub distinct: usize,
}

#[derive(Clone, Debug)]
pub struct TargetPlan {
    pub index: usize,
    pub name: String,
    pub positive: String,
    pub negative: String,
    pub reason: String,
    /// 1.0 for the positive (churn) value, per row.
    pub labels: Vec<f64>,
}

/// The target and every other column, in table order.
#[derive(Clone, Debug)]
pub struct Plan {
    pub target: TargetPlan,
    pub columns: Vec<ColumnPlan>,
}

impl Plan {
    pub fn positives(&self) -> usize {
        self.target.labels.iter().filter(|&&y| y == 1.0).count()
    }

    /// The columns a model reads: all but identifiers and ignored ones.
    pub fn inputs(&self) -> usize {
        self.columns.iter().filter(|c| !matches!(c.kind, Kind::Identifier | Kind::Ignored)).count()
    }

    /// The table's indices of the columns read as numbers.
    pub fn numeric_columns(&self) -> Vec<usize> {
        self.columns.iter().filter(|c| c.kind == Kind::Numeric).map(|c| c.index).collect()
    }
}

/// What the user said about columns.
#[derive(Clone, Debug, Default)]
pub struct InferOptions {
    pub target: String,
    pub positive: Option<String>,
    pub ids: Vec<String>,
    pub drops: Vec<String>,
    /// Most category levels that get their own slot.
    pub max_levels: usize,
    /// Rows a level needs to get its own slot.
    pub min_level_count: usize,
}

/// A text column is left out when its frequent levels cover less than this share of rows.
const MIN_LEVEL_COVERAGE: f64 = 0.5;
/// Identifier-like names are identifiers when at least this share of values is distinct.
const ID_NAME_DISTINCT_SHARE: f64 = 0.95;
/// Uniqueness alone marks an identifier only in tables at least this long.
const MIN_ROWS_FOR_UNIQUE_ID: usize = 20;

/// Profiles every column of `table` and decides its plan: the convenience for callers that do
/// not also validate. Training goes through [`crate::prepare::examine`], which profiles once for
/// both.
pub fn infer(table: &Table, opts: &InferOptions) -> Result<Plan> {
    decide_all(table, &profile::columns(table), opts)?.into_plan(table)
}

/// What inference made of one column.
#[derive(Clone, Debug)]
pub enum Decision {
    /// The churn outcome.
    Target,
    /// A role and why, and whether the user chose it (`--id`, `--drop`) rather than inference.
    Column { plan: ColumnPlan, by_user: bool },
    /// The column cannot be used as it is; the message says why and what to do.
    Unusable(String),
}

/// Every column's decision, in table order, and the target's.
#[derive(Debug)]
pub struct Decisions {
    /// The target, when one was named: its plan, or why it cannot be learned.
    pub target: Option<Result<TargetPlan>>,
    pub columns: Vec<Decision>,
}

impl Decisions {
    /// The plan to train with: the first reason it cannot be made, else every column's role.
    pub fn into_plan(self, table: &Table) -> Result<Plan> {
        let fail = |m: String| Error::data(&table.path, m);
        let target =
            self.target.ok_or_else(|| Error::Usage("name the target column with --target".into()))??;
        let mut columns = Vec::with_capacity(self.columns.len().saturating_sub(1));
        for (index, decision) in self.columns.into_iter().enumerate() {
            let name = &table.names[index];
            match decision {
                Decision::Target => {}
                Decision::Unusable(m) => return Err(fail(format!("column \"{name}\" {m}"))),
                Decision::Column { plan, .. } => columns.push(plan),
            }
        }
        if !columns.iter().any(|c| c.kind.is_feature()) {
            return Err(fail(
                "no column is left to learn from: every column is the target, an identifier or ignored"
                    .into(),
            ));
        }
        Ok(Plan { target, columns })
    }
}

/// Decides every column of `table` from its profile (`profiles[i]` of column `i`). Fails only when
/// a column the options name is not in the file, or the target is also an `--id`/`--drop`; what
/// cannot be learned is in the decisions, for validation to report and training to refuse.
pub fn decide_all(table: &Table, profiles: &[Profile], opts: &InferOptions) -> Result<Decisions> {
    let target_index = named_columns(table, opts)?;
    let target = target_index.map(|t| decide_target(table, t, &profiles[t], opts));
    let columns = table
        .names
        .iter()
        .zip(profiles)
        .enumerate()
        .map(|(index, (name, profile))| {
            let column = |kind, reason, by_user| Decision::Column {
                plan: ColumnPlan {
                    index,
                    name: name.clone(),
                    kind,
                    reason,
                    missing: profile.missing,
                    distinct: profile.counts.len(),
                },
                by_user,
            };
            if Some(index) == target_index {
                Decision::Target
            } else if opts.ids.contains(name) {
                column(Kind::Identifier, "marked with --id".into(), true)
            } else if opts.drops.contains(name) {
                column(Kind::Ignored, "dropped with --drop".into(), true)
            } else {
                match decide(name, profile, opts) {
                    Ok((kind, reason)) => column(kind, reason, false),
                    Err(m) => Decision::Unusable(m),
                }
            }
        })
        .collect();
    Ok(Decisions { target, columns })
}

/// The target's index (none when `opts.target` is empty); an error when a named column (target,
/// `--id`, `--drop`) is not in the file, or the target is also an `--id` or `--drop`.
fn named_columns(table: &Table, opts: &InferOptions) -> Result<Option<usize>> {
    let find = |name: &str, what: &str| -> Result<usize> {
        table.column_index(name).ok_or_else(|| {
            let hint = scorer_wasm::closest_name(table.names.iter().map(String::as_str), name)
                .map(|s| format!("did you mean \"{s}\"? "))
                .unwrap_or_default();
            Error::data(
                &table.path,
                format!(
                    "{what} \"{name}\" is not a column of the file; {hint}the columns are: {}",
                    table.names.join(", ")
                ),
            )
        })
    };
    let target = if opts.target.is_empty() { None } else { Some(find(&opts.target, "target")?) };
    for name in opts.ids.iter().chain(&opts.drops) {
        if Some(find(name, "column")?) == target {
            return Err(Error::Usage(format!(
                "\"{name}\" is the target; it cannot also be an --id or --drop"
            )));
        }
    }
    Ok(target)
}

/// In tables at least this long, a column whose every value is distinct reads as an identifier.
fn all_distinct(p: &Profile) -> bool {
    p.counts.len() == p.present() && p.missing == 0 && p.rows >= MIN_ROWS_FOR_UNIQUE_ID
}

/// Distinct whole numbers that read as identifiers rather than measurements: a consecutive
/// run (`RowNumber` = 1..n) or fixed-width codes of five or more digits (`CustomerId`).
fn numeric_codes(p: &Profile) -> bool {
    let n = p.present() as f64;
    p.whole_numbers == p.present()
        && all_distinct(p)
        && (p.max - p.min + 1.0 == n || (p.digits.0 == p.digits.1 && p.digits.0 >= 5))
}

/// Whether a column name reads like an identifier: `id`, `customerID`, `user_id`, `RowNumber`.
pub(crate) fn id_like_name(name: &str) -> bool {
    let n: String = name.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    n == "id"
        || n.ends_with("id")
        || n.ends_with("uuid")
        || n.ends_with("guid")
        || n == "rownumber"
        || n == "index"
}

fn decide(name: &str, p: &Profile, opts: &InferOptions) -> Result<(Kind, String), String> {
    let present = p.present();
    if present == 0 {
        return Err(format!(
            "is empty in all {} rows; leave it out with --drop \"{name}\" (or fill it in)",
            p.rows
        ));
    }
    let missing_note = if p.missing > 0 {
        format!("; {} blank or NA cells treated as missing", p.missing)
    } else {
        String::new()
    };
    if p.counts.len() == 1 {
        let only = p.counts.keys().next().map(String::as_str).unwrap_or_default();
        if p.missing == 0 {
            return Ok((Kind::Ignored, format!("constant: every value is \"{only}\"")));
        }
        // One value or nothing: whether it is there is the information ("moved" or blank).
        return Ok((
            Kind::Categorical,
            format!("one value, \"{only}\", or missing ({} rows): learned as present or absent", p.missing),
        ));
    }
    let id_by_name = id_like_name(name) && p.distinct_share() >= ID_NAME_DISTINCT_SHARE;

    if p.numbers == present {
        if let Some((t, f)) = p.boolean_labels() {
            return Ok((
                Kind::Boolean { true_label: t, false_label: f },
                format!("two values, 0/1{missing_note}"),
            ));
        }
        if numeric_codes(p) || id_by_name {
            let why = if id_by_name {
                "an identifier by name, and nearly every value is distinct"
            } else {
                "every value is a distinct whole number, like a row or customer number"
            };
            return Ok((Kind::Identifier, why.into()));
        }
        return Ok((Kind::Numeric, format!("numbers, {} distinct{missing_note}", p.counts.len())));
    }
    if p.booleans == present
        && let Some((t, f)) = p.boolean_labels()
    {
        let spellings =
            if p.counts.len() > 2 { format!(" ({} spellings)", p.counts.len()) } else { String::new() };
        return Ok((
            Kind::Boolean { true_label: t.clone(), false_label: f.clone() },
            format!("two values, {t}/{f}{spellings}{missing_note}"),
        ));
    }
    if p.dates == present {
        return Ok((
            Kind::Date,
            format!("dates, encoded as age in days at the last training date{missing_note}"),
        ));
    }
    if p.native_bools == 0 && (all_distinct(p) || id_by_name) {
        return Ok((Kind::Identifier, "every value is distinct text, like a customer id".into()));
    }
    Ok(categorical(p, opts, &missing_note))
}

/// A text column that is none of the above: categories, when the frequent levels describe most
/// rows; otherwise high-cardinality text, left out.
fn categorical(p: &Profile, opts: &InferOptions, missing_note: &str) -> (Kind, String) {
    let mut counts: Vec<usize> = p.counts.values().copied().filter(|&c| c >= opts.min_level_count).collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let covered: usize = counts.iter().take(opts.max_levels).sum();
    let coverage = covered as f64 / p.present() as f64;
    if coverage < MIN_LEVEL_COVERAGE {
        return (
            Kind::Ignored,
            format!(
                "high-cardinality text: {} distinct values, the frequent ones cover {:.0}% of rows, \
                 too little to learn from",
                p.counts.len(),
                coverage * 100.0
            ),
        );
    }
    let kept = counts.len().min(opts.max_levels);
    let pooled = p.counts.len() - kept;
    let pooled_note =
        if pooled > 0 { format!(", {pooled} rare pooled into \"other\"") } else { String::new() };
    let numbers_note = if p.numbers > 0 { "; some values look like numbers" } else { "" };
    (
        Kind::Categorical,
        format!("categories, {} levels{pooled_note}{numbers_note}{missing_note}", p.counts.len()),
    )
}

/// Words that name the churn value of a target.
const POSITIVE_WORDS: [&str; 8] =
    ["churn", "churned", "exited", "left", "lost", "cancelled", "canceled", "attrited"];

/// A target value as a level: trimmed text, a number written as a level, `true`/`false`; `None`
/// when missing. Streaming training reads the target with the same rule.
pub(crate) fn target_key(v: Value<'_>) -> Option<Cow<'_, str>> {
    match v {
        Value::Text(s) if !is_missing_text(s) => Some(Cow::Borrowed(s.trim())),
        Value::Number(x) if x.is_finite() => Some(Cow::Owned(number_as_level(x))),
        Value::Bool(b) => Some(Cow::Borrowed(if b { "true" } else { "false" })),
        _ => None,
    }
}

/// The target's plan from its profile: which value is churn, and each row's label. Fails when the
/// target is missing in some rows, or does not have exactly two values.
fn decide_target(table: &Table, index: usize, p: &Profile, opts: &InferOptions) -> Result<TargetPlan> {
    let name = &table.names[index];
    let fail = |m: String| Error::data(&table.path, format!("target \"{name}\" {m}"));
    if p.missing > 0 {
        let first: Vec<String> = p.first_missing.iter().map(|&r| table.locate(r)).collect();
        return Err(fail(format!(
            "is missing in {} rows ({}{}); fill them in or remove those rows",
            p.missing,
            first.join(", "),
            if p.missing > first.len() { ", …" } else { "" }
        )));
    }
    let mut values: Vec<(&str, usize)> = p.counts.iter().map(|(v, &c)| (v.as_str(), c)).collect();
    values.sort_unstable();
    let (a, b) = match values[..] {
        [] => return Err(fail("has no values: the file has no rows".into())),
        [(only, _)] => {
            return Err(fail(format!("has a single value, \"{only}\": there is nothing to learn")));
        }
        [a, b] => (a, b),
        _ => {
            let shown: Vec<String> = values.iter().take(5).map(|(v, _)| format!("\"{v}\"")).collect();
            let (count, more) = if values.len() > 5 {
                ("more than 5".to_string(), ", …")
            } else {
                (values.len().to_string(), "")
            };
            return Err(fail(format!(
                "has {count} distinct values ({}{more}); churn prediction needs exactly two, such as Yes/No",
                shown.join(", ")
            )));
        }
    };
    let (positive, reason) = positive_value(name, a, b, opts)?;
    let negative = if positive == a.0 { b.0 } else { a.0 };
    let labels = table.columns[index]
        .values()
        .map(|cell| if target_key(cell).as_deref() == Some(positive) { 1.0 } else { 0.0 })
        .collect();
    Ok(TargetPlan {
        index,
        name: name.clone(),
        positive: positive.to_string(),
        negative: negative.to_string(),
        reason: reason.to_string(),
        labels,
    })
}

/// Which of the target's two values (with their counts) means churn, and why: `--positive`, a
/// churn word or yes/true/1, else the minority class.
fn positive_value<'a>(
    name: &str,
    a: (&'a str, usize),
    b: (&'a str, usize),
    opts: &InferOptions,
) -> Result<(&'a str, &'static str)> {
    if let Some(p) = &opts.positive {
        let p = p.trim();
        return if p == a.0 || p == b.0 {
            Ok((if p == a.0 { a.0 } else { b.0 }, "named with --positive"))
        } else {
            Err(Error::Usage(format!(
                "--positive \"{p}\" is not a value of target \"{name}\"; its values are \"{}\" and \"{}\"",
                a.0, b.0
            )))
        };
    }
    let churn_word =
        |v: &str| parse_bool(v) == Some(true) || POSITIVE_WORDS.iter().any(|w| v.eq_ignore_ascii_case(w));
    match (churn_word(a.0), churn_word(b.0)) {
        (true, false) => Ok((a.0, "reads as yes/true/1")),
        (false, true) => Ok((b.0, "reads as yes/true/1")),
        _ if a.1 < b.1 => Ok((a.0, "the minority class")),
        _ if b.1 < a.1 => Ok((b.0, "the minority class")),
        _ => Err(Error::Usage(format!(
            "cannot tell which value of target \"{name}\" means churn (\"{}\" and \"{}\" are \
             equally frequent); name it with --positive",
            a.0, b.0
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scorer_wasm::Value;

    use crate::input::data::{Column, Format};

    fn decide_column(name: &str, values: &[&str]) -> (Kind, String) {
        let cells = Column::of(values.iter().map(|v| Value::Text(v))).unwrap();
        let opts = InferOptions { max_levels: 32, min_level_count: 2, ..Default::default() };
        decide(name, &Profile::of(&cells), &opts).unwrap()
    }

    fn numbers(f: impl Fn(usize) -> String) -> Vec<String> {
        (0..30).map(f).collect()
    }

    #[test]
    fn distinct_whole_numbers_are_identifiers_only_when_they_look_like_codes() {
        let rows = numbers(|i| (i + 1).to_string());
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        assert_eq!(decide_column("RowNumber", &rows).0, Kind::Identifier);
        let codes = numbers(|i| (15_634_602 + i * 7919).to_string());
        let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
        assert_eq!(decide_column("CustomerCode", &codes).0, Kind::Identifier);
        let spend = numbers(|i| (i * 37 % 1000 + i).to_string());
        let spend: Vec<&str> = spend.iter().map(String::as_str).collect();
        assert_eq!(decide_column("spend_cents", &spend).0, Kind::Numeric);
        assert_eq!(decide_column("account_id", &spend).0, Kind::Identifier);
    }

    #[test]
    fn booleans_dates_and_categories() {
        assert_eq!(
            decide_column("Partner", &["Yes", "No", "yes", " ", "No", "TRUE"]),
            (
                Kind::Boolean { true_label: "TRUE".into(), false_label: "No".into() },
                "two values, TRUE/No (4 spellings); 1 blank or NA cells treated as missing".into()
            )
        );
        assert_eq!(
            decide_column("Partner", &["Yes", "No", "No", " "]).0,
            Kind::Boolean { true_label: "Yes".into(), false_label: "No".into() }
        );
        assert_eq!(
            decide_column("senior", &["0", "1", "1"]).0,
            Kind::Boolean { true_label: "1".into(), false_label: "0".into() }
        );
        assert_eq!(decide_column("signup", &["2024-01-02", "2023-12-31", ""]).0, Kind::Date);
        assert_eq!(decide_column("plan", &["a", "b", "a", "b", "c", "c"]).0, Kind::Categorical);
        assert_eq!(
            decide_column("flag", &["x", "x", "x"]),
            (Kind::Ignored, "constant: every value is \"x\"".into())
        );
        assert_eq!(
            decide_column("reason", &["moved", "", "moved", " "]),
            (
                Kind::Categorical,
                "one value, \"moved\", or missing (2 rows): learned as present or absent".into()
            )
        );
    }

    #[test]
    fn unknown_target_lists_the_columns() {
        let table = Table {
            path: "t.csv".into(),
            format: Format::Csv,
            names: vec!["a".into(), "Churn".into()],
            columns: vec![Column::of([Value::Text("1")]).unwrap(), Column::of([Value::Text("Yes")]).unwrap()],
            lines: vec![2],
            first_row: 0,
        };
        let opts =
            InferOptions { target: "churn".into(), max_levels: 32, min_level_count: 1, ..Default::default() };
        assert_eq!(
            infer(&table, &opts).unwrap_err().to_string(),
            "t.csv: target \"churn\" is not a column of the file; did you mean \"Churn\"? the columns are: a, Churn"
        );
    }
}
