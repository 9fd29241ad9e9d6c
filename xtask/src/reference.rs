//! The reference datasets: optional for users, required in CI.
//!
//! The accuracy checks, the golden models and part of the benchmark run on two public churn
//! files that the repository never holds (`../shared/data`, or the folder `CHURN_REFERENCE_DATA`
//! names). A clone without them still runs every other check; the checks that need them are
//! counted and named as not run, never skipped in silence. Under `CI=true` their absence is an
//! error, so that those checks cannot vanish from CI unnoticed.

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::util::root;

/// IBM's Telco customer churn sample.
pub const TELCO: &str = "WA_Fn-UseC_-Telco-Customer-Churn.csv";
/// The retail bank customers.
pub const BANK: &str = "Churn_Modelling.csv";
/// Every reference file, as distributed.
pub const FILES: [&str; 2] = [TELCO, BANK];

/// The test modules that need the reference datasets: `cargo test` filters by this prefix.
pub const TEST_FILTER: &str = "reference_data::";

/// Where the reference datasets were looked for, and what was found there.
pub struct Reference {
    /// `CHURN_REFERENCE_DATA`, else the nearest `shared/data` beside the workspace or one of its
    /// ancestors, else where that would be (`../shared/data`).
    pub dir: PathBuf,
    /// The files of [`FILES`] that are not in `dir`.
    pub missing: Vec<&'static str>,
}

impl Reference {
    pub fn locate() -> Reference {
        let dir = match std::env::var_os("CHURN_REFERENCE_DATA") {
            Some(dir) => PathBuf::from(dir),
            None => root()
                .ancestors()
                .map(|a| a.join("shared/data"))
                .find(|d| d.is_dir())
                .unwrap_or_else(|| root().join("../shared/data")),
        };
        let missing = FILES.into_iter().filter(|f| !dir.join(f).is_file()).collect();
        Reference { dir, missing }
    }

    /// Whether every reference file is there.
    pub fn complete(&self) -> bool {
        self.missing.is_empty()
    }

    /// A reference file, if it is there.
    pub fn file(&self, name: &str) -> Option<PathBuf> {
        Some(self.dir.join(name)).filter(|p| p.is_file())
    }

    /// A reference file, or an error naming it and how to provide it.
    pub fn require(&self, name: &str, what: &str) -> Result<PathBuf> {
        match self.file(name) {
            Some(path) => Ok(path),
            None => bail!("{what} needs the reference dataset {}; {}", self.dir.join(name).display(), HOW),
        }
    }

    /// Under `CI=true`, an error naming every missing file: CI must run every check.
    pub fn required_in_ci(&self) -> Result<()> {
        if ci() && !self.complete() {
            let files: Vec<String> =
                self.missing.iter().map(|f| self.dir.join(f).display().to_string()).collect();
            bail!(
                "CI=true, and the reference datasets are missing: {}; the checks that need them must run in CI. {HOW}",
                files.join(", ")
            );
        }
        Ok(())
    }

    /// One line for a user: which files are missing and how to provide them.
    pub fn advice(&self) -> String {
        format!("missing: {} in {}. {HOW}", self.missing.join(", "), self.dir.display())
    }
}

/// How to provide the reference datasets.
const HOW: &str = "Put the two public files (see shared/data/README.md) in ../shared/data beside the checkout, or \
                   set CHURN_REFERENCE_DATA=DIR to the folder that holds them";

/// Whether this is a CI run (`CI=true`, as CI services set it).
pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}
