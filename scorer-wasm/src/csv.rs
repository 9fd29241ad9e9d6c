//! CSV with a header row, read from memory with `csv-core`, the same way everywhere.
//!
//! The trainer, the edge function's `text/csv` route and the page's file drop all read CSV through
//! [`Csv`], so quoting, CRLF, a UTF-8 byte-order mark and the delimiter are handled identically and
//! a broken file gets the same message wherever it is loaded. `csv-core` itself never reports an
//! error (it "prefers a parse over no parse"); the checks that make bad files visible — ragged
//! rows, an unterminated quote, invalid UTF-8, empty or duplicate column names — are made here.

use crate::error::CsvError;

/// A CSV document with a header row, read record by record.
pub struct Csv<'a> {
    reader: RecordReader<'a>,
    header: Vec<String>,
    rows: u64,
}

impl<'a> Csv<'a> {
    /// Reads the header row. The delimiter (comma, semicolon, tab or pipe) is taken from whichever
    /// occurs most often, outside quotes, in the first line.
    pub fn new(input: &'a [u8]) -> Result<Self, CsvError> {
        let mut reader = RecordReader::new(input, sniff_delimiter(input));
        let Some(record) = reader.next_record()? else {
            return Err(CsvError::Empty);
        };
        let mut header: Vec<String> = Vec::with_capacity(record.len());
        for (i, name) in record.fields().enumerate() {
            let name = name.trim();
            if name.is_empty() {
                return Err(CsvError::EmptyColumnName { column: i + 1 });
            }
            if header.iter().any(|h| h == name) {
                return Err(CsvError::DuplicateColumn { name: name.to_string() });
            }
            header.push(name.to_string());
        }
        Ok(Csv { reader, header, rows: 0 })
    }

    /// Column names, trimmed, in file order.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The delimiter in use.
    pub fn delimiter(&self) -> u8 {
        self.reader.delimiter
    }

    /// The next data row, checked to have exactly as many fields as the header.
    pub fn next_row(&mut self) -> Result<Option<Record<'_>>, CsvError> {
        let width = self.header.len();
        let row = self.rows + 1;
        let Some(record) = self.reader.next_record()? else {
            return Ok(None);
        };
        if record.len() != width {
            return Err(CsvError::Ragged { row, line: record.line, expected: width, found: record.len() });
        }
        self.rows = row;
        Ok(Some(Record { row, ..record }))
    }
}

/// One record: its fields, the 1-based line it starts on and its 1-based data row number.
#[derive(Clone, Copy, Debug)]
pub struct Record<'r> {
    /// Data row number: 1 for the first row after the header.
    pub row: u64,
    /// Physical line in the file where the record starts (the header is line 1).
    pub line: u64,
    text: &'r str,
    ends: &'r [usize],
}

impl<'r> Record<'r> {
    /// Number of fields.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the record has no fields (never true for a parsed record).
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Field `i`, unquoted, or `None` past the end.
    pub fn get(&self, i: usize) -> Option<&'r str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..end)
    }

    /// All fields in order.
    pub fn fields(&self) -> impl Iterator<Item = &'r str> + '_ {
        (0..self.len()).filter_map(move |i| self.get(i))
    }
}

/// Reads raw records (no header logic) from an in-memory CSV document.
struct RecordReader<'a> {
    input: &'a [u8],
    pos: usize,
    delimiter: u8,
    core: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    /// Number of line feeds consumed so far.
    newlines: u64,
}

impl<'a> RecordReader<'a> {
    fn new(input: &'a [u8], delimiter: u8) -> Self {
        let core = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
        RecordReader { input, pos: 0, delimiter, core, out: vec![0; 4096], ends: vec![0; 64], newlines: 0 }
    }

    fn next_record(&mut self) -> Result<Option<Record<'_>>, CsvError> {
        use csv_core::ReadRecordResult as R;
        let start = self.pos;
        let (mut nout, mut nend) = (0, 0);
        let at_eof = loop {
            let (res, nin, o, e) =
                self.core.read_record(&self.input[self.pos..], &mut self.out[nout..], &mut self.ends[nend..]);
            let was_empty = self.pos == self.input.len();
            self.pos += nin;
            nout += o;
            nend += e;
            match res {
                R::InputEmpty => {}
                R::OutputFull => self.out.resize(self.out.len() * 2, 0),
                R::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                R::Record => break was_empty,
                R::End => return Ok(None),
            }
        };
        let raw = &self.input[start..self.pos];
        // Blank lines before the record are skipped by csv-core; the record starts after them.
        let skipped = raw.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
        let line = self.newlines + 1 + count_newlines(&raw[..skipped]);
        self.newlines += count_newlines(raw);
        if at_eof && ends_inside_quotes(&raw[skipped..], self.delimiter) {
            return Err(CsvError::UnterminatedQuote { line });
        }
        let text = core::str::from_utf8(&self.out[..nout]).map_err(|_| CsvError::NotUtf8 { line })?;
        Ok(Some(Record { row: 0, line, text, ends: &self.ends[..nend] }))
    }
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Whether a record's raw bytes end inside a quoted field, i.e. a quote was opened and the file
/// ended before it was closed. Escaped quotes (`""`) inside a quoted field are handled.
fn ends_inside_quotes(raw: &[u8], delimiter: u8) -> bool {
    let (mut in_quotes, mut at_field_start, mut just_closed) = (false, true, false);
    for &b in raw {
        if in_quotes {
            if b == b'"' {
                in_quotes = false;
                just_closed = true;
            }
            continue;
        }
        if b == b'"' && (at_field_start || just_closed) {
            in_quotes = true;
            at_field_start = false;
            just_closed = false;
            continue;
        }
        just_closed = false;
        at_field_start = b == delimiter || b == b'\n' || b == b'\r';
    }
    in_quotes
}

/// Picks the delimiter that occurs most often outside quotes in the first line; comma on a tie.
fn sniff_delimiter(input: &[u8]) -> u8 {
    const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
    let mut counts = [0usize; 4];
    let mut in_quotes = false;
    for &b in input.iter().take(64 * 1024) {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes => break,
            _ if !in_quotes => {
                if let Some(i) = CANDIDATES.iter().position(|&c| c == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let mut best = 0;
    for i in 1..CANDIDATES.len() {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    CANDIDATES[best]
}

#[cfg(test)]
mod tests {
    use super::*;

    type Rows = (Vec<String>, Vec<(u64, u64, Vec<String>)>);

    fn rows(input: &str) -> Result<Rows, CsvError> {
        rows_of_bytes(input.as_bytes())
    }

    fn rows_of_bytes(input: &[u8]) -> Result<Rows, CsvError> {
        let mut csv = Csv::new(input)?;
        let header = csv.header().to_vec();
        let mut out = Vec::new();
        while let Some(r) = csv.next_row()? {
            out.push((r.row, r.line, r.fields().map(str::to_string).collect()));
        }
        Ok((header, out))
    }

    #[test]
    fn quoted_fields_crlf_and_bom() {
        let (h, r) =
            rows("\u{feff}\"id\",\"note\"\r\n1,\"a, \"\"quoted\"\"\r\nline\"\r\n2,plain\r\n").unwrap();
        assert_eq!(h, ["id", "note"]);
        assert_eq!(r[0], (1, 2, vec!["1".into(), "a, \"quoted\"\r\nline".into()]));
        assert_eq!(r[1], (2, 4, vec!["2".into(), "plain".into()]));
    }

    #[test]
    fn blank_lines_are_skipped_but_counted() {
        let (_, r) = rows("a,b\n\n1,2\n\n\n3,4").unwrap();
        assert_eq!(r.iter().map(|x| (x.0, x.1)).collect::<Vec<_>>(), [(1, 3), (2, 6)]);
    }

    #[test]
    fn semicolons_and_tabs_are_sniffed() {
        assert_eq!(rows("a;b\n1,5;2\n").unwrap().1[0].2, ["1,5", "2"]);
        assert_eq!(rows("a\tb\n1\t2\n").unwrap().1[0].2, ["1", "2"]);
    }

    #[test]
    fn errors_name_the_place() {
        assert_eq!(rows("").unwrap_err(), CsvError::Empty);
        assert_eq!(rows("a,,c\n").unwrap_err(), CsvError::EmptyColumnName { column: 2 });
        assert_eq!(rows("a,b,a\n").unwrap_err(), CsvError::DuplicateColumn { name: "a".into() });
        assert_eq!(
            rows("a,b\n1,2\n3\n").unwrap_err(),
            CsvError::Ragged { row: 2, line: 3, expected: 2, found: 1 }
        );
        assert_eq!(rows("a,b\n1,\"open\n2,3\n").unwrap_err(), CsvError::UnterminatedQuote { line: 2 });
        assert_eq!(rows_of_bytes(b"a,b\n1,\xff\n").unwrap_err(), CsvError::NotUtf8 { line: 2 });
    }

    #[test]
    fn long_rows_grow_the_buffers() {
        let wide: Vec<String> = (0..300).map(|i| format!("c{i}")).collect();
        let text = format!(
            "{}\n{}\n",
            wide.join(","),
            wide.iter().map(|_| "x".repeat(50)).collect::<Vec<_>>().join(",")
        );
        let (h, r) = rows(&text).unwrap();
        assert_eq!(h.len(), 300);
        assert_eq!(r[0].2.len(), 300);
    }
}
