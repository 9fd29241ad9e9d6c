//! One rule for reading a raw value, per kind of column. The scorer's encoders
//! ([`crate::Encoder::encode`]) and the trainer's fitting code both read cells through these
//! functions, so a value is missing, read, or refused the same way when a model is fitted and
//! when it scores.
//!
//! ```
//! use scorer_wasm::read;
//! use scorer_wasm::Value;
//! assert_eq!(read::boolean(Value::Text(" Yes "), "Yes", "No"), Ok(Some(true)));
//! assert_eq!(read::boolean(Value::Text("NA"), "Yes", "No"), Ok(None));
//! assert_eq!(read::boolean(Value::Number(2.0), "Yes", "No").unwrap_err().code(), "expected_boolean");
//! assert_eq!(read::number(Value::Text("9.3448e-05")), Ok(Some(9.3448e-05)));
//! ```

use std::borrow::Cow;

use crate::error::Problem;
use crate::value::{Value, format_number, number_as_level, parse_bool, parse_date, parse_number};

/// A number: a finite number, or text that reads as one; `None` when missing.
pub fn number(value: Value<'_>) -> Result<Option<f64>, Problem> {
    match value {
        Value::Missing => Ok(None),
        Value::Number(x) if x.is_finite() => Ok(Some(x)),
        Value::Number(x) => Err(Problem::NotFinite { got: format_number(x) }),
        Value::Text(_) if value.is_missing() => Ok(None),
        Value::Text(s) => {
            parse_number(s).map(Some).ok_or_else(|| Problem::ExpectedNumber { got: value.to_string() })
        }
        Value::Bool(_) => Err(Problem::ExpectedNumber { got: value.to_string() }),
    }
}

/// An ISO 8601 date as days since 1970-01-01; `None` when missing.
pub fn date(value: Value<'_>) -> Result<Option<i32>, Problem> {
    match value {
        Value::Missing => Ok(None),
        Value::Text(_) if value.is_missing() => Ok(None),
        Value::Text(s) => {
            parse_date(s).map(Some).ok_or_else(|| Problem::ExpectedDate { got: value.to_string() })
        }
        Value::Number(_) | Value::Bool(_) => Err(Problem::ExpectedDate { got: value.to_string() }),
    }
}

/// A boolean: the column's own two labels, a JSON boolean, 1 or 0, or a common spelling
/// (`yes`/`no`, `true`/`false`, `y`/`n`, `t`/`f`, any case); `None` when missing.
pub fn boolean(value: Value<'_>, true_label: &str, false_label: &str) -> Result<Option<bool>, Problem> {
    let refused = || Problem::ExpectedBoolean {
        got: value.to_string(),
        true_label: true_label.to_string(),
        false_label: false_label.to_string(),
    };
    match value {
        Value::Missing => Ok(None),
        Value::Bool(v) => Ok(Some(v)),
        Value::Number(1.0) => Ok(Some(true)),
        Value::Number(0.0) => Ok(Some(false)),
        Value::Number(_) => Err(refused()),
        Value::Text(_) if value.is_missing() => Ok(None),
        Value::Text(s) => {
            let t = s.trim();
            if t == true_label {
                Ok(Some(true))
            } else if t == false_label {
                Ok(Some(false))
            } else {
                parse_bool(t).map(Some).ok_or_else(refused)
            }
        }
    }
}

/// A category level: trimmed text, a finite number in its shortest form (`2`, `2.5`), or
/// `true`/`false`; `None` when missing.
pub fn level(value: Value<'_>) -> Result<Option<Cow<'_, str>>, Problem> {
    match value {
        Value::Missing => Ok(None),
        Value::Text(_) if value.is_missing() => Ok(None),
        Value::Text(s) => Ok(Some(Cow::Borrowed(s.trim()))),
        Value::Number(x) if x.is_finite() => Ok(Some(Cow::Owned(number_as_level(x)))),
        Value::Number(x) => Err(Problem::NotFinite { got: format_number(x) }),
        Value::Bool(b) => Ok(Some(Cow::Borrowed(if b { "true" } else { "false" }))),
    }
}
