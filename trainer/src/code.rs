//! Enums with stable text forms: file formats, model families, calibration methods, finding
//! codes, registry aliases. The text is what flags, files and JSON carry; [`Code::parse`] is the
//! one way back, and an unknown text is an error that lists the known ones and suggests the
//! closest. The command line builds its flag parsers from the same list, so a flag accepts
//! exactly the values the domain knows.
//!
//! ```
//! use trainer::code::Code;
//! use trainer::prepare::validate::FindingCode;
//! assert_eq!(FindingCode::parse("leakage"), Ok(FindingCode::Leakage));
//! assert_eq!(
//!     FindingCode::parse("leakge").unwrap_err(),
//!     "unknown finding code \"leakge\"; did you mean \"leakage\"?"
//! );
//! ```

/// An enum whose values have a stable text form.
pub trait Code: Copy + Eq + Send + Sync + 'static {
    /// Every value, in the order help lists them.
    const ALL: &'static [Self];
    /// What a value is called in messages: "format", "finding code".
    const WHAT: &'static str;

    /// The stable text form.
    fn as_str(self) -> &'static str;

    /// One line of help for the value, for `--help`; empty when the name says it all.
    fn help(self) -> &'static str {
        ""
    }

    /// The value written `text`; else an error naming the closest value, or listing them all.
    fn parse(text: &str) -> Result<Self, String> {
        if let Some(v) = Self::ALL.iter().copied().find(|v| v.as_str() == text) {
            return Ok(v);
        }
        let names = || Self::ALL.iter().map(|v| v.as_str());
        Err(match scorer_wasm::closest_name(names(), text) {
            Some(near) => format!("unknown {} \"{text}\"; did you mean \"{near}\"?", Self::WHAT),
            None => format!(
                "unknown {} \"{text}\"; use one of {}",
                Self::WHAT,
                names().collect::<Vec<_>>().join(", ")
            ),
        })
    }
}

/// A [`Code`] field in serde's `with` form: written as its text, read back through
/// [`Code::parse`] (so a registry file with an unknown alias fails naming it):
/// `#[serde(with = "crate::code::text")]`.
pub mod text {
    use super::Code;

    pub fn serialize<T: Code, S: serde::Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value.as_str())
    }

    pub fn deserialize<'de, T: Code, D: serde::Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        T::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Implements `serde::Serialize` for a [`Code`] as its text form.
#[macro_export]
macro_rules! serialize_as_code {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str($crate::code::Code::as_str(*self))
            }
        }
    };
}
