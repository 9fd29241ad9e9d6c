//! Lining up incoming records with the model's columns.
//!
//! Rows reach the scorer in two shapes: a table with a header (CSV, a Parquet batch) and a record
//! of named fields (a JSON object, a JavaScript object). Both become a slice of [`Value`]s in
//! [`Model::columns`] order here, with the same rules: unknown names are errors (with a "did you
//! mean"), the target column is accepted and ignored, identifier and ignored columns are optional,
//! and a feature column absent from a table is an error while a field absent from a record is a
//! missing value.

use crate::error::{InputError, Problem};
use crate::model::Model;
use crate::pipeline::Role;
use crate::value::Value;

/// Where each column of an input table goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderBinding {
    /// For each input column, the model column it feeds, or `None` for the target.
    slots: Vec<Option<usize>>,
    columns: usize,
}

impl HeaderBinding {
    /// Fills `row` (resized to the model's columns, absent ones missing) from one table row.
    pub fn fill<'a>(&self, cells: impl IntoIterator<Item = Value<'a>>, row: &mut Vec<Value<'a>>) {
        row.clear();
        row.resize(self.columns, Value::Missing);
        for (slot, cell) in self.slots.iter().zip(cells) {
            if let Some(i) = slot {
                row[*i] = cell;
            }
        }
    }

    /// Input column index → model column index (`None` for the target).
    pub fn slots(&self) -> &[Option<usize>] {
        &self.slots
    }
}

impl Model {
    /// Matches a table header against the model's columns.
    pub fn bind_header<S: AsRef<str>>(&self, header: &[S]) -> Result<HeaderBinding, InputError> {
        let mut slots = Vec::with_capacity(header.len());
        let mut seen = vec![false; self.columns().len()];
        for name in header {
            let name = name.as_ref();
            if name == self.target().name {
                slots.push(None);
                continue;
            }
            let i = self.column_index(name).ok_or_else(|| {
                InputError::new(name, Problem::UnknownField { suggestion: self.suggest(name) })
            })?;
            if seen[i] {
                return Err(InputError::new(name, Problem::DuplicateField));
            }
            seen[i] = true;
            slots.push(Some(i));
        }
        for (i, c) in self.columns().iter().enumerate() {
            if !seen[i] && matches!(c.role, Role::Feature(_)) {
                return Err(InputError::new(c.name.as_str(), Problem::MissingColumn));
            }
        }
        Ok(HeaderBinding { slots, columns: self.columns().len() })
    }

    /// Builds a row from named fields; absent fields are missing values.
    pub fn record<'a>(
        &self,
        fields: impl IntoIterator<Item = (&'a str, Value<'a>)>,
        row: &mut Vec<Value<'a>>,
    ) -> Result<(), InputError> {
        row.clear();
        row.resize(self.columns().len(), Value::Missing);
        let mut seen = vec![false; row.len()];
        for (name, value) in fields {
            if name == self.target().name {
                continue;
            }
            let i = self.column_index(name).ok_or_else(|| {
                InputError::new(name, Problem::UnknownField { suggestion: self.suggest(name) })
            })?;
            if seen[i] {
                return Err(InputError::new(name, Problem::DuplicateField));
            }
            seen[i] = true;
            row[i] = value;
        }
        Ok(())
    }

    /// Sets the named fields of an existing row, leaving the others as they are: the changes of
    /// a what-if scenario applied to a customer.
    pub fn overlay<'a>(
        &self,
        fields: impl IntoIterator<Item = (&'a str, Value<'a>)>,
        row: &mut [Value<'a>],
    ) -> Result<(), InputError> {
        let mut seen = vec![false; row.len()];
        for (name, value) in fields {
            let i = self.column_index(name).ok_or_else(|| {
                InputError::new(name, Problem::UnknownField { suggestion: self.suggest(name) })
            })?;
            if seen[i] {
                return Err(InputError::new(name, Problem::DuplicateField));
            }
            seen[i] = true;
            row[i] = value;
        }
        Ok(())
    }

    /// Names of the identifier columns, in column order.
    pub fn identifier_names(&self) -> impl Iterator<Item = &str> {
        self.columns().iter().filter(|c| matches!(c.role, Role::Identifier)).map(|c| c.name.as_str())
    }

    /// Values of the identifier columns of a row, as text, for echoing back with its score.
    pub fn identifiers<'a>(
        &'a self,
        row: &'a [Value<'a>],
    ) -> impl Iterator<Item = (&'a str, Value<'a>)> + 'a {
        self.columns()
            .iter()
            .zip(row)
            .filter(|(c, _)| matches!(c.role, Role::Identifier))
            .map(|(c, v)| (c.name.as_str(), *v))
    }
}
