//! One pass over each column: the counts that inference decides a column's role from and that
//! validation reports from. Neither of those reads the cells again for them.
//!
//! A cell's key is its value as a category level, by the same rule everywhere: text trimmed,
//! numbers written as levels (`2`, `0.5`), native booleans as `true`/`false`; missing (a blank or
//! NA text, a non-finite number, an absent cell) has no key.

use std::collections::HashMap;

use scorer_wasm::Value;
use scorer_wasm::value::{is_missing_text, number_as_level, parse_bool, parse_date, parse_number};

use crate::input::data::{Column, Table};

/// How many missing rows a profile remembers by position, for messages that point at them.
const MISSING_ROWS_KEPT: usize = 3;

/// The counts of one column.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    pub rows: usize,
    pub missing: usize,
    /// The first few missing rows (indexes into the table), in row order.
    pub first_missing: Vec<usize>,
    /// How the missing cells were written: `""` for absent cells, else the text as written.
    pub missing_spellings: HashMap<String, usize>,
    /// Distinct non-missing values (their keys) with counts.
    pub counts: HashMap<String, usize>,
    /// Values that read as a number, a whole number, a boolean, a date.
    pub numbers: usize,
    pub whole_numbers: usize,
    pub booleans: usize,
    pub dates: usize,
    /// Native booleans (JSON, Parquet) among the values.
    pub native_bools: usize,
    /// Range of the numeric values (infinite when there are none).
    pub min: f64,
    pub max: f64,
    /// Fewest and most digits of the whole numbers.
    pub digits: (usize, usize),
}

impl Profile {
    pub fn of(column: &Column) -> Profile {
        let mut p = Profile {
            rows: column.len(),
            missing: 0,
            first_missing: Vec::new(),
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
        for (row, cell) in column.values().enumerate() {
            match read(cell) {
                Read::Missing(spelling) => p.add_missing(row, spelling),
                Read::Present { key, number, boolean, date } => {
                    p.booleans += usize::from(boolean);
                    p.native_bools += usize::from(matches!(cell, Value::Bool(_)));
                    p.dates += usize::from(date);
                    if let Some(x) = number {
                        p.add_number(x);
                    }
                    // The key is copied only the first time it is seen.
                    match p.counts.get_mut(key.as_ref()) {
                        Some(count) => *count += 1,
                        None => {
                            p.counts.insert(key.into_owned(), 1);
                        }
                    }
                }
            }
        }
        p
    }

    fn add_missing(&mut self, row: usize, spelling: String) {
        self.missing += 1;
        if self.first_missing.len() < MISSING_ROWS_KEPT {
            self.first_missing.push(row);
        }
        *self.missing_spellings.entry(spelling).or_insert(0) += 1;
    }

    fn add_number(&mut self, x: f64) {
        self.numbers += 1;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        if x.fract() == 0.0 {
            self.whole_numbers += 1;
            let digits = number_as_level(x.abs()).len();
            self.digits = (self.digits.0.min(digits), self.digits.1.max(digits));
        }
    }

    /// Cells that hold a value.
    pub fn present(&self) -> usize {
        self.rows - self.missing
    }

    /// Distinct values per present cell (0 when nothing is present).
    pub fn distinct_share(&self) -> f64 {
        self.counts.len() as f64 / self.present().max(1) as f64
    }

    /// The values with their counts, most frequent first, ties by value; at most `n`.
    pub fn top(&self, n: usize) -> Vec<(String, u64)> {
        top_values(&self.counts, n)
    }

    /// [`Profile::top`] of the values `keep` takes (by value and count).
    pub fn top_where(&self, n: usize, keep: impl Fn(&str, usize) -> bool) -> Vec<(String, u64)> {
        top_of(self.counts.iter().filter(|(k, c)| keep(k, **c)), n)
    }

    /// The most frequent spelling of true and of false, when every value spells a boolean
    /// (yes/no, true/false, y/n, t/f, 1/0 in any case) and both occur.
    pub fn boolean_labels(&self) -> Option<(String, String)> {
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

/// The `n` most frequent entries of a count map, ties by value.
pub fn top_values(counts: &HashMap<String, usize>, n: usize) -> Vec<(String, u64)> {
    top_of(counts.iter(), n)
}

fn top_of<'a>(counts: impl Iterator<Item = (&'a String, &'a usize)>, n: usize) -> Vec<(String, u64)> {
    let order = |a: &(&String, usize), b: &(&String, usize)| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0));
    let mut v: Vec<(&String, usize)> = counts.map(|(k, &c)| (k, c)).collect();
    // Only the first `n` are sorted: a column of a million distinct numbers has a million entries.
    if n < v.len() {
        v.select_nth_unstable_by(n, order);
        v.truncate(n);
    }
    v.sort_unstable_by(order);
    v.into_iter().map(|(k, c)| (k.clone(), c as u64)).collect()
}

/// Every column of `table`, profiled once, in table order; columns on every core.
pub fn columns(table: &Table) -> Vec<Profile> {
    crate::parallel::map(&table.columns, Profile::of)
}

/// What one cell contributes to a profile.
enum Read<'a> {
    /// How it was written: `""` for an absent cell, else the text or number as written.
    Missing(String),
    Present {
        key: std::borrow::Cow<'a, str>,
        number: Option<f64>,
        boolean: bool,
        date: bool,
    },
}

fn read(cell: Value<'_>) -> Read<'_> {
    match cell {
        Value::Missing => Read::Missing(String::new()),
        Value::Text(s) if is_missing_text(s) => Read::Missing(s.to_string()),
        Value::Text(s) => {
            let t = s.trim();
            Read::Present {
                key: t.into(),
                number: parse_number(t),
                boolean: parse_bool(t).is_some(),
                date: parse_date(t).is_some(),
            }
        }
        Value::Number(x) if x.is_finite() => {
            Read::Present { key: number_as_level(x).into(), number: Some(x), boolean: false, date: false }
        }
        Value::Number(x) => Read::Missing(number_as_level(x)),
        Value::Bool(b) => {
            Read::Present { key: b.to_string().into(), number: None, boolean: true, date: false }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pass_counts_every_kind_of_cell() {
        let cells = Column::of([
            Value::Text(" 12 "),
            Value::Text("NA"),
            Value::Number(12.0),
            Value::Number(f64::NAN),
            Value::Text("2024-03-01"),
            Value::Bool(true),
            Value::Missing,
            Value::Text("yes"),
            Value::Number(-0.5),
        ])
        .unwrap();
        let p = Profile::of(&cells);
        assert_eq!((p.rows, p.missing, p.present()), (9, 3, 6));
        assert_eq!(p.first_missing, vec![1, 3, 6]);
        assert_eq!(
            p.missing_spellings,
            HashMap::from([("NA".to_string(), 1), ("NaN".to_string(), 1), (String::new(), 1)])
        );
        assert_eq!(
            p.top(10),
            vec![
                ("12".to_string(), 2),
                ("-0.5".to_string(), 1),
                ("2024-03-01".to_string(), 1),
                ("true".to_string(), 1),
                ("yes".to_string(), 1),
            ]
        );
        assert_eq!((p.numbers, p.whole_numbers, p.booleans, p.native_bools, p.dates), (3, 2, 2, 1, 1));
        assert_eq!((p.min, p.max, p.digits), (-0.5, 12.0, (2, 2)));
    }

    #[test]
    fn boolean_labels_take_the_most_frequent_spelling_of_each_side() {
        let texts = |t: &[&'static str]| Column::of(t.iter().map(|s| Value::Text(s))).unwrap();
        let cells = texts(&["Yes", "No", "yes", "yes", "N", "No"]);
        assert_eq!(Profile::of(&cells).boolean_labels(), Some(("yes".into(), "No".into())));
        let one_sided = texts(&["Yes", "yes"]);
        assert_eq!(Profile::of(&one_sided).boolean_labels(), None);
    }
}
