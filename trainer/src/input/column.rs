//! One column of a table, stored by the type of its cells, not as a value object per cell.
//!
//! A cell is read back as the scorer's [`Value`], exactly as it was given: text as written (a CSV
//! field keeps its spaces and spelling), numbers with their bits, booleans, missing cells. What
//! changes is the storage:
//! - text is kept once per distinct value in one buffer, and each row holds a 4-byte code: a
//!   `Yes`/`No` column costs 4 bytes a row, an identifier or a number written as text its bytes
//!   plus 8;
//! - numbers are a `Vec<f64>` (with a byte a row for missing cells, only once one appears),
//!   booleans a byte a row;
//! - a column that mixes types (NDJSON allows it) keeps a 16-byte cell per row.
//!
//! Before, a cell was a 24-byte enum with its text on the heap: about 400 bytes a cell of a
//! parsed CSV table in all.

use std::collections::HashMap;
use std::fmt;

use scorer_wasm::Value;

/// Distinct texts a column remembers to store each only once. A column with more distinct texts
/// than this is an identifier or a number written as text; its further texts are stored as they
/// come, which costs what deduplicating would save.
const DISTINCT_TEXTS: usize = 4096;

/// The code of a missing cell in a text column.
const MISSING: u32 = u32::MAX;

/// One column of a table. Build it with [`ColumnBuilder`]; read it with [`Column::value`].
#[derive(Debug, Default)]
pub struct Column {
    len: usize,
    cells: Cells,
    texts: Texts,
}

#[derive(Debug, Default)]
enum Cells {
    /// Only missing cells so far.
    #[default]
    Missing,
    /// Text cells: each row's code into the texts, [`MISSING`] for a missing cell.
    Text(Vec<u32>),
    /// Numbers; `missing` is empty until a cell is missing, then one flag a row.
    Number {
        values: Vec<f64>,
        missing: Vec<bool>,
    },
    Bool(Vec<Option<bool>>),
    /// Cells of more than one type.
    Mixed(Vec<Mixed>),
}

#[derive(Clone, Copy, Debug)]
enum Mixed {
    Missing,
    Number(f64),
    /// A code into the texts.
    Text(u32),
    Bool(bool),
}

/// The distinct texts of a column, end to end in one buffer.
#[derive(Debug, Default)]
struct Texts {
    buffer: String,
    /// Where each text ends in `buffer`; text `k` starts where text `k − 1` ends.
    ends: Vec<u32>,
}

impl Texts {
    fn get(&self, code: u32) -> &str {
        let k = code as usize;
        let start = if k == 0 { 0 } else { self.ends[k - 1] as usize };
        &self.buffer[start..self.ends[k] as usize]
    }
}

impl Column {
    /// A column of these values.
    pub fn of<'v>(values: impl IntoIterator<Item = Value<'v>>) -> Result<Column, ColumnFull> {
        let mut b = ColumnBuilder::new();
        for v in values {
            b.push(v)?;
        }
        Ok(b.finish())
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Row `r`'s cell, as it was given. Missing past the end.
    pub fn value(&self, r: usize) -> Value<'_> {
        if r >= self.len {
            return Value::Missing;
        }
        match &self.cells {
            Cells::Missing => Value::Missing,
            Cells::Text(codes) => match codes[r] {
                MISSING => Value::Missing,
                code => Value::Text(self.texts.get(code)),
            },
            Cells::Number { values, missing } => {
                if missing.get(r).copied().unwrap_or(false) {
                    Value::Missing
                } else {
                    Value::Number(values[r])
                }
            }
            Cells::Bool(values) => values[r].map_or(Value::Missing, Value::Bool),
            Cells::Mixed(cells) => match cells[r] {
                Mixed::Missing => Value::Missing,
                Mixed::Number(x) => Value::Number(x),
                Mixed::Text(code) => Value::Text(self.texts.get(code)),
                Mixed::Bool(b) => Value::Bool(b),
            },
        }
    }

    /// Every row's cell, in order.
    pub fn values(&self) -> impl ExactSizeIterator<Item = Value<'_>> + Clone + '_ {
        (0..self.len).map(|r| self.value(r))
    }

    /// The column with every cell as the scorer's number rule reads it (`read::number`): numbers,
    /// and missing cells for the blanks and missing spellings; `None` when it holds no text or a
    /// cell does not read as a number. Every encoder that reads a number gets the same value from
    /// either column, without parsing the text again.
    pub fn read_numbers(&self) -> Option<Column> {
        if !matches!(self.cells, Cells::Text(_) | Cells::Mixed(_)) {
            return None;
        }
        let numbers: Vec<Option<f64>> =
            self.values().map(scorer_wasm::read::number).collect::<Result<_, _>>().ok()?;
        Column::of(numbers.into_iter().map(|x| x.map_or(Value::Missing, Value::Number))).ok()
    }
}

/// A column too large for its 32-bit codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnFull;

impl fmt::Display for ColumnFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the column holds more than 4 GiB of text or 4,294,967,294 rows, more than a table in \
             memory can; train on it with --stream (Parquet)",
        )
    }
}

impl std::error::Error for ColumnFull {}

/// Builds a [`Column`] a cell at a time, choosing its storage from the cells.
#[derive(Debug, Default)]
pub struct ColumnBuilder {
    column: Column,
    /// The code of each distinct text seen, while there are at most [`DISTINCT_TEXTS`].
    seen: Option<HashMap<Box<str>, u32, foldhash::fast::FixedState>>,
}

impl ColumnBuilder {
    pub fn new() -> ColumnBuilder {
        ColumnBuilder { column: Column::default(), seen: Some(HashMap::default()) }
    }

    /// Cells so far.
    pub fn len(&self) -> usize {
        self.column.len
    }

    pub fn is_empty(&self) -> bool {
        self.column.len == 0
    }

    /// Appends one cell.
    pub fn push(&mut self, v: Value<'_>) -> Result<(), ColumnFull> {
        if self.column.len >= MISSING as usize {
            return Err(ColumnFull);
        }
        let fits = matches!(
            (&self.column.cells, v),
            (_, Value::Missing)
                | (Cells::Missing | Cells::Mixed(_), _)
                | (Cells::Text(_), Value::Text(_))
                | (Cells::Number { .. }, Value::Number(_))
                | (Cells::Bool(_), Value::Bool(_))
        );
        if !fits {
            self.mix();
        }
        let len = self.column.len;
        let code = match v {
            Value::Text(t) => self.code(t)?,
            _ => MISSING,
        };
        let cells = &mut self.column.cells;
        if let Cells::Missing = cells {
            *cells = match v {
                Value::Missing => Cells::Missing,
                Value::Text(_) => Cells::Text(vec![MISSING; len]),
                Value::Number(_) => Cells::Number { values: vec![0.0; len], missing: vec![true; len] },
                Value::Bool(_) => Cells::Bool(vec![None; len]),
            };
        }
        match (cells, v) {
            (Cells::Missing, _) => {}
            (Cells::Text(codes), _) => codes.push(code),
            (Cells::Number { values, missing }, v) => {
                let is_missing = !matches!(v, Value::Number(_));
                if is_missing && missing.is_empty() {
                    missing.resize(len, false);
                }
                if !missing.is_empty() {
                    missing.push(is_missing);
                }
                values.push(if let Value::Number(x) = v { x } else { 0.0 });
            }
            (Cells::Bool(values), v) => values.push(if let Value::Bool(b) = v { Some(b) } else { None }),
            (Cells::Mixed(cells), v) => cells.push(match v {
                Value::Missing => Mixed::Missing,
                Value::Number(x) => Mixed::Number(x),
                Value::Text(_) => Mixed::Text(code),
                Value::Bool(b) => Mixed::Bool(b),
            }),
        }
        self.column.len += 1;
        Ok(())
    }

    /// The finished column, its spare room given back.
    pub fn finish(mut self) -> Column {
        let c = &mut self.column;
        match &mut c.cells {
            Cells::Missing => {}
            Cells::Text(codes) => codes.shrink_to_fit(),
            Cells::Number { values, missing } => {
                values.shrink_to_fit();
                missing.shrink_to_fit();
            }
            Cells::Bool(values) => values.shrink_to_fit(),
            Cells::Mixed(cells) => cells.shrink_to_fit(),
        }
        c.texts.buffer.shrink_to_fit();
        c.texts.ends.shrink_to_fit();
        self.column
    }

    /// The code of text `t`: the one it already has, or a new one.
    fn code(&mut self, t: &str) -> Result<u32, ColumnFull> {
        if let Some(&code) = self.seen.as_ref().and_then(|seen| seen.get(t)) {
            return Ok(code);
        }
        let texts = &mut self.column.texts;
        let end = u32::try_from(texts.buffer.len() + t.len()).map_err(|_| ColumnFull)?;
        let code = u32::try_from(texts.ends.len()).ok().filter(|&c| c < MISSING).ok_or(ColumnFull)?;
        texts.buffer.push_str(t);
        texts.ends.push(end);
        if let Some(seen) = &mut self.seen {
            if seen.len() < DISTINCT_TEXTS {
                seen.insert(t.into(), code);
            } else {
                self.seen = None;
            }
        }
        Ok(code)
    }

    /// Turns the cells so far into mixed cells, for a cell of another type.
    fn mix(&mut self) {
        let c = &mut self.column;
        let mixed: Vec<Mixed> = match &c.cells {
            Cells::Missing | Cells::Mixed(_) => return,
            Cells::Text(codes) => {
                codes.iter().map(|&k| if k == MISSING { Mixed::Missing } else { Mixed::Text(k) }).collect()
            }
            Cells::Number { values, missing } => {
                values
                    .iter()
                    .enumerate()
                    .map(|(r, &x)| {
                        if missing.get(r).copied().unwrap_or(false) {
                            Mixed::Missing
                        } else {
                            Mixed::Number(x)
                        }
                    })
                    .collect()
            }
            Cells::Bool(values) => values.iter().map(|b| b.map_or(Mixed::Missing, Mixed::Bool)).collect(),
        };
        c.cells = Cells::Mixed(mixed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(v: Value<'_>) -> String {
        match v {
            Value::Missing => "missing".into(),
            Value::Number(x) => format!("number {:#x}", x.to_bits()),
            Value::Text(t) => format!("text {t:?}"),
            Value::Bool(b) => format!("bool {b}"),
        }
    }

    /// Whatever the cells, each reads back exactly as it was given, in its row.
    #[test]
    fn every_cell_reads_back_as_given() {
        let cases: Vec<Vec<Value<'_>>> = vec![
            vec![],
            vec![Value::Missing, Value::Missing],
            vec![
                Value::Missing,
                Value::Text(" Yes "),
                Value::Text("No"),
                Value::Text(" Yes "),
                Value::Text(""),
            ],
            vec![Value::Number(1.5), Value::Missing, Value::Number(f64::NAN), Value::Number(-0.0)],
            vec![Value::Missing, Value::Number(2.0), Value::Number(3.0)],
            vec![Value::Bool(true), Value::Missing, Value::Bool(false)],
            // Mixed: every change of type, with missing cells before and between.
            vec![
                Value::Missing,
                Value::Text("a"),
                Value::Number(7.0),
                Value::Missing,
                Value::Bool(true),
                Value::Text("a"),
                Value::Text("b"),
            ],
            vec![Value::Number(1.0), Value::Missing, Value::Text("x")],
            vec![Value::Bool(false), Value::Number(0.0)],
        ];
        for given in cases {
            let column = Column::of(given.iter().copied()).unwrap();
            assert_eq!(column.len(), given.len());
            let read: Vec<String> = column.values().map(bits).collect();
            let expected: Vec<String> = given.iter().copied().map(bits).collect();
            assert_eq!(read, expected);
            assert_eq!(bits(column.value(given.len())), "missing");
        }
    }

    /// A text column stores each distinct text once while there are few, then every further
    /// text as it comes; either way the rows read back.
    #[test]
    fn few_distinct_texts_are_stored_once_and_many_as_they_come() {
        let few =
            Column::of((0..10_000).map(|i| Value::Text(if i % 3 == 0 { "Yes" } else { "No" }))).unwrap();
        assert_eq!((few.texts.buffer.as_str(), few.texts.ends.as_slice()), ("YesNo", &[3, 5][..]));
        assert_eq!(bits(few.value(9_999)), "text \"Yes\"");
        let names: Vec<String> =
            (0..DISTINCT_TEXTS + 100).map(|i| format!("id{}", i % (DISTINCT_TEXTS + 50))).collect();
        let many = Column::of(names.iter().map(|s| Value::Text(s))).unwrap();
        // The 50 repeats come after the limit, so they are stored again.
        assert_eq!(many.texts.ends.len(), DISTINCT_TEXTS + 100);
        for (r, name) in names.iter().enumerate() {
            assert_eq!(bits(many.value(r)), format!("text {name:?}"));
        }
    }
}
