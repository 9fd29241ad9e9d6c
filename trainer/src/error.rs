//! The trainer's error: every message says which file, and where in it, and what to do.

use scorer_wasm::{ArtifactError, CsvError};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{path}: {}", plain(source))]
    Io { path: String, source: std::io::Error },
    /// A CSV file could not be read.
    #[error("{path}: {source}")]
    Csv { path: String, source: CsvError },
    /// A file was readable but its content does not fit (bad JSON line, unusable column, …).
    #[error("{path}: {message}")]
    Data { path: String, message: String },
    /// The flags contradict each other or the data.
    #[error("{0}")]
    Usage(String),
    /// A model file could not be loaded.
    #[error("{path}: {source}")]
    Model { path: String, source: ArtifactError },
    /// The numerical work failed (candle, the optimiser).
    #[error("training failed: {0}")]
    Training(String),
    /// The trained model scores differently in the scorer than in the trainer.
    #[error(
        "parity check failed: the scorer and the trainer's forward pass differ by {max_abs_diff:e} \
         on row {row} (limit {limit:e})"
    )]
    Parity { max_abs_diff: f64, row: usize, limit: f64 },
}

impl Error {
    pub fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Error::Io { path: path.display().to_string(), source }
    }

    pub fn data(path: &std::path::Path, message: impl Into<String>) -> Self {
        Error::Data { path: path.display().to_string(), message: message.into() }
    }
}

/// An I/O error in words, without the OS error number.
fn plain(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "is a folder, not a file".into(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(cut) => text[..cut].to_string(),
                None => text,
            }
        }
    }
}

impl From<candle_core::Error> for Error {
    fn from(e: candle_core::Error) -> Self {
        Error::Training(e.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
