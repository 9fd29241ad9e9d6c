//! Reading customer tables: CSV, NDJSON and Parquet into one in-memory [`Table`] of raw cells.
//!
//! Cells stay raw (text as written, numbers as stored) until column types are inferred, stored by
//! type in [`Column`]s, and are interpreted through the scorer's value rules, so the trainer reads
//! a file exactly as the edge function and the page will. CSV goes through the scorer's own reader (one CSV dialect
//! everywhere), NDJSON through `serde_json` line by line (errors name the line), Parquet through
//! polars (typed columns from warehouses and Spark).

use std::fmt;
use std::path::{Path, PathBuf};

use scorer_wasm::{Csv, Value};

use crate::error::{Error, Result};
pub use crate::input::column::{Column, ColumnBuilder, ColumnFull};

/// File formats the trainer reads and writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
    Ndjson,
}

impl crate::code::Code for Format {
    const ALL: &'static [Format] = &[Format::Csv, Format::Parquet, Format::Ndjson];
    const WHAT: &'static str = "format";
    fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
            Format::Ndjson => "ndjson",
        }
    }
}

impl Format {
    /// The format a file name implies: `.csv`/`.tsv`/`.txt`, `.parquet`/`.pq`, `.ndjson`/`.jsonl`.
    pub fn from_path(path: &Path) -> Result<Format> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "tsv" | "txt" => Ok(Format::Csv),
            "parquet" | "pq" => Ok(Format::Parquet),
            "ndjson" | "jsonl" | "json" => Ok(Format::Ndjson),
            _ => Err(Error::data(
                path,
                format!(
                    "cannot tell the file format from the extension \"{ext}\"; \
                     use .csv, .parquet or .ndjson, or pass --format"
                ),
            )),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
            Format::Ndjson => "ndjson",
        })
    }
}

/// A table read into memory, column by column.
#[derive(Debug)]
pub struct Table {
    pub path: PathBuf,
    pub format: Format,
    pub names: Vec<String>,
    pub columns: Vec<Column>,
    /// Line in the file where each row starts (CSV, NDJSON); empty for Parquet.
    pub lines: Vec<u64>,
    /// The file's row number (0-based) of the table's first row: not 0 for a shard.
    pub first_row: usize,
}

impl Table {
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, Column::len)
    }

    /// "row 12 (line 13)" for text formats, "row 12" otherwise, counted in the file; `row` is
    /// the table's, 0-based.
    pub fn locate(&self, row: usize) -> String {
        let number = self.first_row + row + 1;
        match self.lines.get(row) {
            Some(line) => format!("row {number} (line {line})"),
            None => format!("row {number}"),
        }
    }

    /// The file name without directories, for cards and messages.
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map_or_else(|| self.path.display().to_string(), |n| n.to_string_lossy().into_owned())
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Columns `indices`, numbers written as text (a CSV's), stored as the numbers the scorer
    /// reads them as (see [`Column::read_numbers`]), so that fitting and encoding them does not
    /// parse every cell again for every fold. A column with a cell that is not a number stays as
    /// it is. Call it once the data checks have read the cells as they were written.
    pub fn read_numbers(&mut self, indices: &[usize]) {
        let read = crate::parallel::map(indices, |&i| self.columns.get(i).and_then(Column::read_numbers));
        for (&i, column) in indices.iter().zip(read) {
            if let Some(column) = column {
                self.columns[i] = column;
            }
        }
    }

    /// The table of these rows, in this order. Messages give each row's line in the file (text
    /// formats) and its row number in the new table.
    pub fn take(&self, rows: &[usize]) -> Result<Table> {
        let columns = crate::parallel::map(&self.columns, |c| Column::of(rows.iter().map(|&r| c.value(r))));
        let columns = columns
            .into_iter()
            .zip(&self.names)
            .map(|(c, name)| c.map_err(|e| Error::data(&self.path, format!("column \"{name}\": {e}"))))
            .collect::<Result<Vec<_>>>()?;
        Ok(Table {
            path: self.path.clone(),
            format: self.format,
            names: self.names.clone(),
            columns,
            lines: if self.lines.is_empty() {
                Vec::new()
            } else {
                rows.iter().map(|&r| self.lines[r]).collect()
            },
            first_row: 0,
        })
    }
}

/// Reads a table, in the given format or the one its extension implies.
pub fn read_table(path: &Path, format: Option<Format>) -> Result<Table> {
    let format = match format {
        Some(f) => f,
        None => Format::from_path(path)?,
    };
    if !path.exists() {
        return Err(Error::io(path, std::io::Error::new(std::io::ErrorKind::NotFound, "no such file")));
    }
    let table = match format {
        Format::Csv => read_csv(path)?,
        Format::Ndjson => read_ndjson(path)?,
        Format::Parquet => read_parquet(path)?,
    };
    if table.rows() == 0 {
        return Err(Error::data(path, "the file has a header but no data rows"));
    }
    Ok(table)
}

fn read_csv(path: &Path) -> Result<Table> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let csv_error = |source| Error::Csv { path: path.display().to_string(), source };
    let mut csv = Csv::new(&bytes).map_err(csv_error)?;
    let names = csv.header().to_vec();
    let mut columns: Vec<ColumnBuilder> = names.iter().map(|_| ColumnBuilder::new()).collect();
    let mut lines = Vec::new();
    while let Some(record) = csv.next_row().map_err(csv_error)? {
        lines.push(record.line);
        for ((col, field), name) in columns.iter_mut().zip(record.fields()).zip(&names) {
            col.push(Value::Text(field)).map_err(|e| full(path, name, e))?;
        }
    }
    let columns = columns.into_iter().map(ColumnBuilder::finish).collect();
    Ok(Table { path: path.to_owned(), format: Format::Csv, names, columns, lines, first_row: 0 })
}

/// The error of a column too large to hold.
fn full(path: &Path, name: &str, e: ColumnFull) -> Error {
    Error::data(path, format!("column \"{name}\": {e}"))
}

/// One NDJSON line's fields in the order the line gives them: the first line's order is the
/// table's column order.
struct Record(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for Record {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Record, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = Record;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Record, A::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some(field) = map.next_entry()? {
                    fields.push(field);
                }
                Ok(Record(fields))
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

fn read_ndjson(path: &Path) -> Result<Table> {
    let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidData => {
            Error::data(path, "text is not valid UTF-8 (save the file as UTF-8)")
        }
        _ => Error::io(path, e),
    })?;
    let mut names: Vec<String> = Vec::new();
    let mut columns: Vec<ColumnBuilder> = Vec::new();
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        let Record(record) = serde_json::from_str(line)
            .map_err(|e| Error::data(path, format!("line {line_no}: not a JSON object ({e})")))?;
        let row = lines.len();
        lines.push(line_no);
        for (key, value) in &record {
            let cell = match value {
                serde_json::Value::Null => Value::Missing,
                serde_json::Value::Bool(b) => Value::Bool(*b),
                serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
                serde_json::Value::String(s) => Value::Text(s),
                other => {
                    let kind = if other.is_array() { "an array" } else { "an object" };
                    return Err(Error::data(
                        path,
                        format!("line {line_no}, field \"{key}\": expected a single value, got {kind}"),
                    ));
                }
            };
            let col = match names.iter().position(|n| n == key) {
                Some(c) if columns[c].len() > row => {
                    return Err(Error::data(
                        path,
                        format!("line {line_no}: field \"{key}\" appears twice; keep one of them"),
                    ));
                }
                Some(c) => c,
                None => {
                    // A field first seen here is missing in the rows before.
                    let mut column = ColumnBuilder::new();
                    for _ in 0..row {
                        column.push(Value::Missing).map_err(|e| full(path, key, e))?;
                    }
                    names.push(key.clone());
                    columns.push(column);
                    columns.len() - 1
                }
            };
            columns[col].push(cell).map_err(|e| full(path, key, e))?;
        }
        // Fields absent from this record are missing.
        for (col, name) in columns.iter_mut().zip(&names) {
            if col.len() == row {
                col.push(Value::Missing).map_err(|e| full(path, name, e))?;
            }
        }
    }
    if lines.is_empty() {
        return Err(Error::data(path, "the file is empty: expected one JSON object per line"));
    }
    let columns = columns.into_iter().map(ColumnBuilder::finish).collect();
    Ok(Table { path: path.to_owned(), format: Format::Ndjson, names, columns, lines, first_row: 0 })
}

fn read_parquet(path: &Path) -> Result<Table> {
    use polars::prelude::*;
    let fail = |e: PolarsError| Error::data(path, format!("cannot read Parquet: {e}"));
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let frame = ParquetReader::new(file).finish().map_err(fail)?;
    if frame.width() == 0 {
        return Err(Error::data(path, "the file is empty: it has no columns"));
    }
    frame_table(path, &frame, 0)
}

/// A polars frame as a table, its first row being row `first_row` of the file.
fn frame_table(path: &Path, frame: &polars::prelude::DataFrame, first_row: usize) -> Result<Table> {
    let names: Vec<String> = frame.columns().iter().map(|c| c.name().to_string()).collect();
    // Columns convert on every core.
    let converted = crate::parallel::map(frame.columns(), |c| series_column(c.as_materialized_series()));
    let mut columns = Vec::with_capacity(frame.width());
    for (cells, name) in converted.into_iter().zip(&names) {
        columns.push(cells.map_err(|e| Error::data(path, format!("column \"{name}\": {e}")))?);
    }
    Ok(Table { path: path.to_owned(), format: Format::Parquet, names, columns, lines: Vec::new(), first_row })
}

/// Shard `index` of `count`: the rows from `index·R/count` up to `(index + 1)·R/count` of a
/// file of `R` rows, so the shards of a file cover it in order, each row once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Its rows in a file of `rows` rows, as (first, end).
    pub fn rows(self, rows: u64) -> (u64, u64) {
        let at = |i: u64| (u128::from(i) * u128::from(rows) / u128::from(self.count)) as u64;
        (at(self.index), at(self.index + 1))
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// `I/N`, `I` counted from 0: `0/4` … `3/4`.
    fn from_str(s: &str) -> std::result::Result<Shard, String> {
        let bad = || format!("\"{s}\" is not a shard; write I/N with 0 ≤ I < N, e.g. 0/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u64, u64) =
            (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The rows of one shard of a table. A Parquet file is read with a slice of the shard's rows,
/// which decodes only the row groups they are in; a text file is read whole, then cut.
/// A shard may be empty (a file of fewer rows than shards).
pub fn read_shard(path: &Path, format: Option<Format>, shard: Shard) -> Result<Table> {
    let format = match format {
        Some(f) => f,
        None => Format::from_path(path)?,
    };
    if format != Format::Parquet {
        let table = read_table(path, Some(format))?;
        let (first, end) = shard.rows(table.rows() as u64);
        let mut part = table.take(&(first as usize..end as usize).collect::<Vec<_>>())?;
        part.first_row = first as usize;
        return Ok(part);
    }
    use polars::prelude::*;
    let fail = |e: PolarsError| Error::data(path, format!("cannot read Parquet: {e}"));
    let open = || std::fs::File::open(path).map_err(|e| Error::io(path, e));
    let mut reader = ParquetReader::new(open()?);
    let rows = reader.num_rows().map_err(fail)? as u64;
    let (first, end) = shard.rows(rows);
    let metadata = reader.get_metadata().map_err(fail)?.clone();
    let mut reader = ParquetReader::new(open()?).with_slice(Some((first as usize, (end - first) as usize)));
    reader.set_metadata(metadata);
    let frame = reader.finish().map_err(fail)?;
    if frame.width() == 0 {
        return Err(Error::data(path, "the file is empty: it has no columns"));
    }
    frame_table(path, &frame, first as usize)
}

/// Converts a typed polars column to a [`Column`]: numbers stay numbers, booleans booleans,
/// dates become ISO text (the scorer's date rule), everything else its text form.
pub fn series_column(series: &polars::prelude::Series) -> Result<Column, String> {
    let data = ColumnData::of(series).map_err(|e| e.to_string())?;
    Column::of(data.values()).map_err(|e| e.to_string())
}

/// A typed polars column converted once, so that its rows can be read as [`Value`]s without
/// copying text: numbers as `f64`, dates as ISO text (the scorer's date rule), other types as text.
pub enum ColumnData {
    Numbers(Vec<Option<f64>>),
    Bools(Vec<Option<bool>>),
    Texts(polars::prelude::StringChunked),
    Dates(Vec<Option<String>>),
}

impl ColumnData {
    pub fn of(series: &polars::prelude::Series) -> Result<ColumnData, polars::prelude::PolarsError> {
        use polars::prelude::*;
        let dtype = series.dtype();
        Ok(if dtype.is_primitive_numeric() {
            ColumnData::Numbers(series.cast(&DataType::Float64)?.f64()?.iter().collect())
        } else if dtype.is_bool() {
            ColumnData::Bools(series.bool()?.iter().collect())
        } else if matches!(dtype, DataType::Date) {
            let days = series.cast(&DataType::Int32)?;
            ColumnData::Dates(days.i32()?.iter().map(|d| d.map(scorer_wasm::value::format_date)).collect())
        } else if let DataType::Datetime(_, zone) = dtype {
            // The time of day is kept (an event log's order within a day depends on it), to the
            // second, in UTC with a `Z` when the column has a time zone, as written otherwise.
            let zoned = zone.is_some();
            let seconds = series
                .cast(&DataType::Datetime(TimeUnit::Milliseconds, zone.clone()))?
                .cast(&DataType::Int64)?;
            ColumnData::Dates(
                seconds
                    .i64()?
                    .iter()
                    .map(|ms| ms.map(|ms| scorer_wasm::events::format_timestamp(ms.div_euclid(1000), zoned)))
                    .collect(),
            )
        } else {
            ColumnData::Texts(series.cast(&DataType::String)?.str()?.clone())
        })
    }

    /// Every row's value.
    pub fn values(&self) -> Vec<Value<'_>> {
        match self {
            ColumnData::Numbers(v) => v.iter().map(|x| x.map_or(Value::Missing, Value::Number)).collect(),
            ColumnData::Bools(v) => v.iter().map(|b| b.map_or(Value::Missing, Value::Bool)).collect(),
            ColumnData::Texts(ca) => ca.iter().map(|t| t.map_or(Value::Missing, Value::Text)).collect(),
            ColumnData::Dates(v) => {
                v.iter().map(|t| t.as_deref().map_or(Value::Missing, Value::Text)).collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::*;

    #[test]
    fn parquet_datetimes_keep_their_time_of_day_and_dates_stay_dates() {
        let ms = [0i64, 90_061_500, -1_000];
        let naive =
            Series::new("t".into(), ms).cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).unwrap();
        let zoned = Int64Chunked::new("t".into(), &ms)
            .into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
            .into_series();
        assert!(matches!(zoned.dtype(), DataType::Datetime(_, Some(_))), "{:?}", zoned.dtype());
        let text = |s: &Series| -> Vec<String> {
            ColumnData::of(s).unwrap().values().iter().map(|v| format!("{v:?}")).collect()
        };
        assert_eq!(
            text(&naive),
            [
                "Text(\"1970-01-01T00:00:00\")",
                "Text(\"1970-01-02T01:01:01\")",
                "Text(\"1969-12-31T23:59:59\")"
            ]
        );
        assert_eq!(text(&zoned)[1], "Text(\"1970-01-02T01:01:01Z\")");
        let dates = Series::new("d".into(), [1i32]).cast(&DataType::Date).unwrap();
        assert_eq!(text(&dates), ["Text(\"1970-01-02\")"]);
    }
}
