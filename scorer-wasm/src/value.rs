//! Raw input values and the rules that turn text into numbers, booleans, dates or "missing".
//!
//! These rules are the contract between every place that reads customer data: the trainer
//! reading a CSV export, the edge function reading JSON, the page reading a dropped file. They
//! live here, once, so that "is `" "` missing?" has one answer everywhere.

use core::fmt;

/// One raw input value, as it arrives from a CSV cell, a JSON field or a JavaScript value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// Absent, `null`, or a text that spells missing (see [`is_missing_text`]).
    Missing,
    /// A number. Not yet checked for being finite: the encoder rejects NaN and infinities.
    Number(f64),
    /// Text, not yet interpreted: a numeric column parses it, a categorical one looks it up.
    Text(&'a str),
    /// A boolean (JSON `true`/`false`).
    Bool(bool),
}

impl<'a> Value<'a> {
    /// Reads a CSV cell: every cell is text, and text that spells missing becomes [`Value::Missing`].
    pub fn from_cell(cell: &'a str) -> Self {
        if is_missing_text(cell) { Value::Missing } else { Value::Text(cell) }
    }

    /// The value as an identifier: text trimmed, numbers as levels (`1001.0` is `"1001"`),
    /// `None` when missing.
    pub fn as_id(&self) -> Option<String> {
        match self {
            Value::Missing => None,
            Value::Number(x) => Some(number_as_level(*x)),
            Value::Text(s) => Some(s.trim().to_string()),
            Value::Bool(b) => Some(b.to_string()),
        }
    }

    /// Whether this value means "no value" (including text that spells missing).
    pub fn is_missing(&self) -> bool {
        match self {
            Value::Missing => true,
            Value::Text(s) => is_missing_text(s),
            Value::Number(_) | Value::Bool(_) => false,
        }
    }
}

/// Shows a value the way an error message should quote it: text in quotes, numbers as numbers.
impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Missing => f.write_str("a missing value"),
            Value::Number(x) => f.write_str(&format_number(*x)),
            Value::Text(s) => {
                // Long cells are shortened so that one bad value cannot flood a report.
                const MAX: usize = 40;
                match s.char_indices().nth(MAX) {
                    Some((cut, _)) => write!(f, "\"{}…\"", s.get(..cut).unwrap_or(s)),
                    None => write!(f, "\"{s}\""),
                }
            }
            Value::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// Texts that mean "missing", compared after trimming spaces: the blank cell (Telco's
/// `TotalCharges = " "`) and the spellings among pandas' default `na_values` that real exports
/// contain, so a file means the same here as in the notebook it was last opened in.
pub const MISSING_TOKENS: [&str; 14] =
    ["", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "NULL", "null", "None", "#N/A", "#NA", "<NA>"];

/// Whether a text cell spells a missing value.
pub fn is_missing_text(s: &str) -> bool {
    let t = s.trim();
    MISSING_TOKENS.contains(&t)
}

/// Parses a number the way a spreadsheet export writes it: surrounding spaces allowed, decimal
/// point, optional sign and exponent (`9.3448e-05`). Rejects `inf`, `NaN` and anything with
/// thousands separators, so that a text column is never half-read as numbers.
pub fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    let first = *t.as_bytes().first()?;
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None; // rules out "inf", "NaN", "infinity" that Rust's parser would accept
    }
    let x = <f64 as lexical_parse_float::FromLexical>::from_lexical(t.as_bytes()).ok()?;
    x.is_finite().then_some(x)
}

/// Parses the spellings of a boolean found in exports: yes/no, true/false, y/n, t/f, 1/0,
/// case-insensitive, surrounding spaces allowed.
pub fn parse_bool(s: &str) -> Option<bool> {
    let t = s.trim();
    const TRUE: [&str; 5] = ["yes", "true", "y", "t", "1"];
    const FALSE: [&str; 5] = ["no", "false", "n", "f", "0"];
    if TRUE.iter().any(|w| t.eq_ignore_ascii_case(w)) {
        Some(true)
    } else if FALSE.iter().any(|w| t.eq_ignore_ascii_case(w)) {
        Some(false)
    } else {
        None
    }
}

/// Parses an ISO 8601 calendar date (`2024-03-09`, optionally followed by `T` or a space and a
/// time of day, which is ignored) into days since 1970-01-01.
pub fn parse_date(s: &str) -> Option<i32> {
    let t = s.trim();
    let b = t.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    if b.len() > 10 && !matches!(b[10], b'T' | b' ') {
        return None;
    }
    let digits = |r: core::ops::Range<usize>| -> Option<i32> {
        let mut v = 0i32;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i32::from(c - b'0');
        }
        Some(v)
    };
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Formats days since 1970-01-01 as `YYYY-MM-DD`.
pub fn format_date(days: i32) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: i32) -> i32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's `days_from_civil`: proleptic Gregorian date to days since 1970-01-01.
fn days_from_civil(y: i32, m: i32, d: i32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i32) -> (i32, i32, i32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i32::from(m <= 2);
    (y, m, d)
}

/// The text a number stands for when it is looked up among category levels: `2.0` and `2` both
/// become `"2"`, so a JSON number matches a level that was read from a CSV file.
pub fn number_as_level(x: f64) -> String {
    format_number(x)
}

/// A number as the scorer writes it in messages and category lookups: whole numbers without a
/// decimal point, others in their shortest round-trip form (`0.1`, `1e-7`), and `NaN`, `inf`.
///
/// This is the only place the scorer turns a float into text. It uses `ryu` with its small tables
/// rather than `core::fmt`, whose float formatting would add about 25 KB to the browser module.
pub fn format_number(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        (if x > 0.0 { "inf" } else { "-inf" }).into()
    } else if x.fract() == 0.0 && x.abs() < 1e15 {
        (x as i64).to_string()
    } else {
        ryu::Buffer::new().format_finite(x).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanks_and_pandas_tokens_are_missing() {
        for s in ["", " ", "  \t", "NA", "N/A", "nan", "NULL", "None", " null "] {
            assert!(is_missing_text(s), "{s:?}");
        }
        for s in ["0", "No", "Unknown", "none of these"] {
            assert!(!is_missing_text(s), "{s:?}");
        }
    }

    #[test]
    fn numbers_as_exported() {
        assert_eq!(parse_number(" 29.85 "), Some(29.85));
        assert_eq!(parse_number("9.3448e-05"), Some(9.3448e-05));
        assert_eq!(parse_number("-3"), Some(-3.0));
        assert_eq!(parse_number("+.5"), Some(0.5));
        for s in ["", " ", "inf", "NaN", "infinity", "1,000", "12abc", "1e999", "Yes"] {
            assert_eq!(parse_number(s), None, "{s:?}");
        }
    }

    /// `parse_number` as it was with core's `str::parse`: the reference for the compact parser.
    fn with_core(s: &str) -> Option<f64> {
        let t = s.trim();
        let first = *t.as_bytes().first()?;
        if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
            return None;
        }
        t.parse::<f64>().ok().filter(|x| x.is_finite())
    }

    fn same(s: &str) {
        let (ours, core) = (parse_number(s), with_core(s));
        assert_eq!(ours.map(f64::to_bits), core.map(f64::to_bits), "{s:?}: {ours:?} vs core's {core:?}");
    }

    #[test]
    fn the_grammars_corners_parse_to_the_same_bits_as_with_core() {
        // The grammar's corners, the ends of the range, halfway cases and long digit strings.
        for s in [
            "0",
            "-0",
            "+0",
            "0.0",
            "-0.0",
            "00.5",
            "1.",
            ".5",
            "+.5",
            "-.5e3",
            "1e5",
            "1E5",
            "1e+5",
            "1e-5",
            "1e0005",
            "1e",
            "1e+",
            "e5",
            ".",
            "+",
            "-",
            "+-1",
            "1..2",
            "1e5e5",
            "1.2.3",
            "0x10",
            "1_000",
            "١",
            "1 2",
            "9007199254740993",
            "9007199254740992.5",
            "4.9406564584124654e-324",
            "2.4703282292062327e-324",
            "2.4703282292062328e-324",
            "1e-400",
            "2.2250738585072011e-308",
            "2.2250738585072014e-308",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.7976931348623159e308",
            "1e309",
            "0.1000000000000000055511151231257827021181583404541015625",
            "0.1000000000000000055511151231257827021181583404541015626",
            "123456789012345678901234567890",
        ] {
            same(s);
        }
        same(&format!("0.{}1", "0".repeat(330)));
        same(&format!("1{}", "0".repeat(308)));
        same(&format!("{}.5e-700", "9".repeat(800)));
    }

    #[test]
    fn random_numbers_parse_to_the_same_bits_as_with_core() {
        // 250,000 random numbers written as exports write them, and random doubles in shortest
        // and long form.
        let mut state = 0x5eed_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..250_000 {
            same(&export_number(&mut next));
            let x = f64::from_bits(next());
            same(&format!("{x}"));
            same(&format!("{x:e}"));
            same(&format!("{x:.20e}"));
        }
    }

    /// A random number as an export writes one: a sign or none, 1 to 25 digits with leading
    /// zeros, a point anywhere or none, and sometimes an exponent.
    fn export_number(next: &mut impl FnMut() -> u64) -> String {
        let r = next();
        let mut t = String::new();
        match r % 4 {
            0 => t.push('-'),
            1 => t.push('+'),
            _ => {}
        }
        let digits = 1 + (r >> 2) % 25;
        let point = (r >> 8) % (digits + 2);
        for i in 0..digits {
            if i == point {
                t.push('.');
            }
            t.push(char::from(b'0' + (next() % 10) as u8));
        }
        if (r >> 16).is_multiple_of(3) {
            t.push(if (r >> 18).is_multiple_of(2) { 'e' } else { 'E' });
            match (r >> 19) % 3 {
                0 => t.push('-'),
                1 => t.push('+'),
                _ => {}
            }
            t.push_str(&((r >> 21) % 400).to_string());
        }
        t
    }

    #[test]
    fn booleans_in_several_spellings() {
        assert_eq!(parse_bool("Yes"), Some(true));
        assert_eq!(parse_bool("FALSE"), Some(false));
        assert_eq!(parse_bool(" t "), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }

    #[test]
    fn dates_round_trip() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2000-03-01"), Some(11_017));
        assert_eq!(parse_date("2024-02-29T10:00:00Z"), Some(19_782));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2023-13-01"), None);
        assert_eq!(parse_date("01/02/2023"), None);
        for d in [-700_000, -1, 0, 59, 19_782, 2_000_000] {
            assert_eq!(parse_date(&format_date(d)), Some(d));
        }
    }

    #[test]
    fn numbers_are_written_shortest() {
        for (x, s) in [(2.0, "2"), (-0.5, "-0.5"), (29.85, "29.85"), (1e-7, "1e-7"), (1e300, "1e300")] {
            assert_eq!(format_number(x), s);
        }
        assert_eq!(format_number(f64::NAN), "NaN");
        assert_eq!(format_number(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn numbers_match_levels_read_from_text() {
        assert_eq!(number_as_level(2.0), "2");
        assert_eq!(number_as_level(0.1), "0.1");
        assert_eq!(number_as_level(-7.5), "-7.5");
    }
}
