//! Errors of the scorer: every message names the place (line, row, field) and what was expected.

use thiserror::Error;

/// Any error the scorer can return.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum Error {
    /// A CSV document could not be read.
    #[error(transparent)]
    Csv(#[from] CsvError),
    /// A model file could not be loaded.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// An input value does not fit the model's schema.
    #[error(transparent)]
    Input(#[from] InputError),
}

/// A CSV document that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CsvError {
    /// No header row (the document is empty or only blank lines).
    #[error("the file is empty: expected a header row with column names")]
    Empty,
    /// A header cell is blank.
    #[error("column {column} of the header has no name")]
    EmptyColumnName { column: usize },
    /// Two header cells have the same name.
    #[error("column \"{name}\" appears twice in the header")]
    DuplicateColumn { name: String },
    /// A row has more or fewer fields than the header.
    #[error("row {row} (line {line}) has {found} field{}, but the header has {expected}", plural(*.found))]
    Ragged { row: u64, line: u64, expected: usize, found: usize },
    /// A quoted field is never closed.
    #[error("line {line}: a quoted field is never closed (missing \")")]
    UnterminatedQuote { line: u64 },
    /// A record is not UTF-8.
    #[error("line {line}: text is not valid UTF-8 (save the file as UTF-8)")]
    NotUtf8 { line: u64 },
}

/// A model file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ArtifactError {
    /// Fewer bytes than the fixed header.
    #[error("not a churn model: {len} bytes is shorter than the {header}-byte header")]
    TooShort { len: usize, header: usize },
    /// The magic bytes are wrong.
    #[error("not a churn model: the file does not start with the churn model signature")]
    NotAModel,
    /// Written by a newer trainer.
    #[error(
        "model format version {found} is newer than this scorer understands (up to {supported}); \
         upgrade the scorer or retrain with this version"
    )]
    NewerVersion { found: u32, supported: u32 },
    /// Written by an older trainer, in a format this scorer no longer reads.
    #[error(
        "model format version {found} is older than this scorer reads ({supported}); retrain the model \
         with this version's churn train"
    )]
    OlderVersion { found: u32, supported: u32 },
    /// Fewer payload bytes than the header announces.
    #[error("model file is truncated: the header announces {expected} payload bytes, {found} are present")]
    Truncated { expected: u64, found: u64 },
    /// More bytes than the header announces.
    #[error("model file has {extra} unexpected bytes after the payload")]
    TrailingBytes { extra: u64 },
    /// The payload does not match its checksum.
    #[error("model file is corrupt: payload checksum {found} does not match the recorded {expected}")]
    Checksum { expected: String, found: String },
    /// The payload is not a valid encoding of a model.
    #[error("model payload could not be decoded: {0}")]
    Decode(String),
    /// The payload decodes but describes an impossible model.
    #[error("model is inconsistent: {0}")]
    Invalid(String),
}

/// An input value that does not fit the model. `field` is a path: the column name, prefixed by
/// callers with where the record sits (`customers[3].tenure`).
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{field}: {problem}")]
pub struct InputError {
    pub field: String,
    pub problem: Problem,
}

impl InputError {
    pub fn new(field: impl Into<String>, problem: Problem) -> Self {
        InputError { field: field.into(), problem }
    }

    /// Prefixes the field path, e.g. with `customers[3]`.
    pub fn within(mut self, prefix: &str) -> Self {
        self.field = if self.field.is_empty() {
            prefix.to_string()
        } else if self.field.starts_with('[') {
            format!("{prefix}{}", self.field)
        } else {
            format!("{prefix}.{}", self.field)
        };
        self
    }

    /// A stable, machine-readable code for the problem (used in HTTP error bodies).
    pub fn code(&self) -> &'static str {
        self.problem.code()
    }
}

/// What is wrong with one input value.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum Problem {
    #[error("expected a number, got {got}")]
    ExpectedNumber { got: String },
    #[error("expected a finite number, got {got} (send null for a missing value)")]
    NotFinite { got: String },
    #[error("expected {true_label} or {false_label} (or true/false), got {got}")]
    ExpectedBoolean { got: String, true_label: String, false_label: String },
    #[error("expected a date as YYYY-MM-DD, got {got}")]
    ExpectedDate { got: String },
    #[error("expected a single value, got {got}")]
    NotScalar { got: String },
    #[error("unknown field{}", suggestion_text(.suggestion))]
    UnknownField { suggestion: Option<String> },
    #[error("expected an object with one field per column, got {got}")]
    ExpectedObject { got: String },
    #[error("expected an array of customers, got {got}")]
    ExpectedArray { got: String },
    #[error("expected at least one customer")]
    EmptyBatch,
    #[error("the model needs this column, but it is not in the input")]
    MissingColumn,
    #[error("field appears twice")]
    DuplicateField,
}

impl Problem {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::ExpectedNumber { .. } => "expected_number",
            Problem::NotFinite { .. } => "not_finite",
            Problem::ExpectedBoolean { .. } => "expected_boolean",
            Problem::ExpectedDate { .. } => "expected_date",
            Problem::NotScalar { .. } => "not_scalar",
            Problem::UnknownField { .. } => "unknown_field",
            Problem::ExpectedObject { .. } => "expected_object",
            Problem::ExpectedArray { .. } => "expected_array",
            Problem::EmptyBatch => "empty_batch",
            Problem::MissingColumn => "missing_column",
            Problem::DuplicateField => "duplicate_field",
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn suggestion_text(s: &Option<String>) -> String {
    match s {
        Some(name) => format!("; did you mean \"{name}\"?"),
        None => String::new(),
    }
}
