//! Deciding what each column is: the target and its positive value, identifiers, numbers,
//! booleans, dates, categories, and columns to leave out — each decision with its reason.
//!
//! Inference looks at input columns only (never at the target's relationship to them), so it can
//! run once on the whole file before cross-validation without leaking the held-out labels; the
//! encoders' parameters are fitted later, inside each fold.

use std::borrow::Cow;
use std::collections::HashMap;

use scorer_wasm::Value;
use scorer_wasm::value::{is_missing_text, number_as_level, parse_bool, parse_date, parse_number};

use crate::error::{Error, Result};
use crate::input::data::{Cell, Table};

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

pub fn infer(table: &Table, opts: &InferOptions) -> Result<Plan> {
    let fail = |m: String| Error::data(&table.path, m);
    let find = |name: &str, what: &str| -> Result<usize> {
        table.column_index(name).ok_or_else(|| {
            let hint = scorer_wasm::closest_name(table.names.iter().map(String::as_str), name)
                .map(|s| format!("did you mean \"{s}\"? "))
                .unwrap_or_default();
            fail(format!(
                "{what} \"{name}\" is not a column of the file; {hint}the columns are: {}",
                table.names.join(", ")
            ))
        })
    };
    let target_index = find(&opts.target, "target")?;
    for name in opts.ids.iter().chain(&opts.drops) {
        let i = find(name, "column")?;
        if i == target_index {
            return Err(Error::Usage(format!(
                "\"{name}\" is the target; it cannot also be an --id or --drop"
            )));
        }
    }
    let target = infer_target(table, target_index, opts)?;

    let mut columns = Vec::with_capacity(table.names.len() - 1);
    for (index, name) in table.names.iter().enumerate() {
        if index == target_index {
            continue;
        }
        let profile = Profile::of(&table.columns[index]);
        let (kind, reason) = if opts.ids.contains(name) {
            (Kind::Identifier, "marked with --id".to_string())
        } else if opts.drops.contains(name) {
            (Kind::Ignored, "dropped with --drop".to_string())
        } else {
            decide(name, &profile, opts).map_err(|m| fail(format!("column \"{name}\" {m}")))?
        };
        columns.push(ColumnPlan {
            index,
            name: name.clone(),
            kind,
            reason,
            missing: profile.missing,
            distinct: profile.counts.len(),
        });
    }
    if !columns.iter().any(|c| c.kind.is_feature()) {
        return Err(fail(
            "no column is left to learn from: every column is the target, an identifier or ignored".into(),
        ));
    }
    Ok(Plan { target, columns })
}

/// Counts that decide a column's kind.
pub(crate) struct Profile {
    pub rows: usize,
    pub missing: usize,
    /// How the missing cells were written: `""` for absent cells, else the text as written.
    pub missing_spellings: HashMap<String, usize>,
    /// Distinct non-missing values (text trimmed, numbers and booleans as text) with counts.
    pub counts: HashMap<String, usize>,
    pub numbers: usize,
    whole_numbers: usize,
    booleans: usize,
    dates: usize,
    /// Native booleans (JSON, Parquet) among the values.
    native_bools: usize,
    /// Range of the numeric values, and of their digit counts when whole.
    pub min: f64,
    pub max: f64,
    digits: (usize, usize),
}

impl Profile {
    pub(crate) fn of(cells: &[Cell]) -> Profile {
        let mut p = Profile {
            rows: cells.len(),
            missing: 0,
            missing_spellings: HashMap::new(),
            counts: HashMap::new(),
            numbers: 0,
            whole_numbers: 0,
            booleans: 0,
            dates: 0,
            native_bools: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            digits: (usize::MAX, 0),
        };
        for cell in cells {
            let (key, number) = match cell {
                Cell::Missing => (None, None),
                Cell::Text(s) if is_missing_text(s) => (None, None),
                Cell::Text(s) => {
                    let t = s.trim();
                    if parse_bool(t).is_some() {
                        p.booleans += 1;
                    }
                    if parse_date(t).is_some() {
                        p.dates += 1;
                    }
                    (Some(t.to_string()), parse_number(t))
                }
                Cell::Number(x) if x.is_finite() => (Some(number_as_level(*x)), Some(*x)),
                Cell::Number(_) => (None, None),
                Cell::Bool(b) => {
                    p.booleans += 1;
                    p.native_bools += 1;
                    (Some(b.to_string()), None)
                }
            };
            let Some(key) = key else {
                p.missing += 1;
                let spelling = match cell {
                    Cell::Text(s) => s.to_string(),
                    Cell::Number(x) => number_as_level(*x),
                    _ => String::new(),
                };
                *p.missing_spellings.entry(spelling).or_insert(0) += 1;
                continue;
            };
            if let Some(x) = number {
                p.numbers += 1;
                p.min = p.min.min(x);
                p.max = p.max.max(x);
                if x.fract() == 0.0 {
                    p.whole_numbers += 1;
                    let digits = number_as_level(x.abs()).len();
                    p.digits = (p.digits.0.min(digits), p.digits.1.max(digits));
                }
            }
            *p.counts.entry(key).or_insert(0) += 1;
        }
        p
    }

    pub(crate) fn present(&self) -> usize {
        self.rows - self.missing
    }

    fn all_distinct(&self) -> bool {
        self.counts.len() == self.present() && self.missing == 0 && self.rows >= MIN_ROWS_FOR_UNIQUE_ID
    }

    /// Distinct whole numbers that read as identifiers rather than measurements: a consecutive
    /// run (`RowNumber` = 1..n) or fixed-width codes of five or more digits (`CustomerId`).
    fn numeric_codes(&self) -> bool {
        let n = self.present() as f64;
        self.whole_numbers == self.present()
            && self.all_distinct()
            && (self.max - self.min + 1.0 == n || (self.digits.0 == self.digits.1 && self.digits.0 >= 5))
    }

    fn distinct_share(&self) -> f64 {
        self.counts.len() as f64 / self.present().max(1) as f64
    }

    /// The most frequent spelling of true and of false, when every value spells a boolean
    /// (yes/no, true/false, y/n, t/f, 1/0 in any case) and both occur.
    fn boolean_labels(&self) -> Option<(String, String)> {
        let mut best: [Option<(&String, usize)>; 2] = [None, None];
        for (level, &count) in &self.counts {
            let side = usize::from(parse_bool(level)?);
            // Most frequent first; ties broken by spelling so the choice is deterministic.
            if best[side].is_none_or(|(l, c)| count > c || (count == c && level < l)) {
                best[side] = Some((level, count));
            }
        }
        match best {
            [Some((f, _)), Some((t, _))] => Some((t.clone(), f.clone())),
            _ => None,
        }
    }
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

pub(crate) fn decide(name: &str, p: &Profile, opts: &InferOptions) -> Result<(Kind, String), String> {
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
        if p.numeric_codes() || id_by_name {
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
    if p.native_bools == 0 && (p.all_distinct() || id_by_name) {
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

pub(crate) fn infer_target(table: &Table, index: usize, opts: &InferOptions) -> Result<TargetPlan> {
    let name = &table.names[index];
    let fail = |m: String| Error::data(&table.path, format!("target \"{name}\" {m}"));
    let cells = &table.columns[index];
    let mut keys: Vec<Option<String>> = Vec::with_capacity(cells.len());
    let mut missing_rows = Vec::new();
    for (row, cell) in cells.iter().enumerate() {
        let key = target_key(cell.value()).map(Cow::into_owned);
        if key.is_none() {
            missing_rows.push(row);
        }
        keys.push(key);
    }
    if !missing_rows.is_empty() {
        let first: Vec<String> = missing_rows.iter().take(3).map(|&r| table.locate(r)).collect();
        return Err(fail(format!(
            "is missing in {} rows ({}{}); fill them in or remove those rows",
            missing_rows.len(),
            first.join(", "),
            if missing_rows.len() > 3 { ", …" } else { "" }
        )));
    }
    let mut counts: Vec<(String, usize)> = Vec::new();
    for k in keys.iter().flatten() {
        if let Some(i) = counts.iter().position(|(v, _)| v == k) {
            counts[i].1 += 1;
        } else if counts.len() <= 5 {
            counts.push((k.clone(), 1));
        }
    }
    counts.sort_by(|a, b| a.0.cmp(&b.0));
    if counts.len() == 1 {
        return Err(fail(format!("has a single value, \"{}\": there is nothing to learn", counts[0].0)));
    }
    if counts.len() > 2 {
        let shown: Vec<String> = counts.iter().take(5).map(|(v, _)| format!("\"{v}\"")).collect();
        let more = if counts.len() > 5 { ", …" } else { "" };
        return Err(fail(format!(
            "has {} distinct values ({}{more}); churn prediction needs exactly two, such as Yes/No",
            if counts.len() > 5 { "more than 5".to_string() } else { counts.len().to_string() },
            shown.join(", ")
        )));
    }
    let (a, b) = (&counts[0], &counts[1]);
    let (positive, reason) = match &opts.positive {
        Some(p) => {
            let p = p.trim();
            if p != a.0 && p != b.0 {
                return Err(Error::Usage(format!(
                    "--positive \"{p}\" is not a value of target \"{name}\"; its values are \"{}\" and \"{}\"",
                    a.0, b.0
                )));
            }
            (p.to_string(), "named with --positive".to_string())
        }
        None => {
            let churn_word = |v: &str| {
                parse_bool(v) == Some(true) || POSITIVE_WORDS.iter().any(|w| v.eq_ignore_ascii_case(w))
            };
            match (churn_word(&a.0), churn_word(&b.0)) {
                (true, false) => (a.0.clone(), "reads as yes/true/1".to_string()),
                (false, true) => (b.0.clone(), "reads as yes/true/1".to_string()),
                _ if a.1 < b.1 => (a.0.clone(), "the minority class".to_string()),
                _ if b.1 < a.1 => (b.0.clone(), "the minority class".to_string()),
                _ => {
                    return Err(Error::Usage(format!(
                        "cannot tell which value of target \"{name}\" means churn (\"{}\" and \"{}\" are \
                         equally frequent); name it with --positive",
                        a.0, b.0
                    )));
                }
            }
        }
    };
    let negative = if positive == a.0 { b.0.clone() } else { a.0.clone() };
    let labels =
        keys.iter().map(|k| if k.as_deref() == Some(positive.as_str()) { 1.0 } else { 0.0 }).collect();
    Ok(TargetPlan { index, name: name.clone(), positive, negative, reason, labels })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::data::Format;

    fn decide_column(name: &str, values: &[&str]) -> (Kind, String) {
        let cells: Vec<Cell> = values.iter().map(|v| Cell::Text((*v).into())).collect();
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
            columns: vec![vec![Cell::Text("1".into())], vec![Cell::Text("Yes".into())]],
            lines: vec![2],
        };
        let opts =
            InferOptions { target: "churn".into(), max_levels: 32, min_level_count: 1, ..Default::default() };
        assert_eq!(
            infer(&table, &opts).unwrap_err().to_string(),
            "t.csv: target \"churn\" is not a column of the file; did you mean \"Churn\"? the columns are: a, Churn"
        );
    }
}
