//! Scoring a whole CSV document: every row is scored or reported, never dropped.

use super::*;

/// One scored row of a CSV batch.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvRow {
    pub row: u64,
    pub line: u64,
    pub id: Option<String>,
    /// Which model scored the row: 0 for the champion, `i` for the `i`-th other model of
    /// [`score_csv_routed`].
    pub model: usize,
    pub probability: f64,
    pub logit: f64,
    pub risk_band: Band,
    pub decision: Verdict,
    /// The columns that raise this customer's risk most, largest first (when asked for).
    pub drivers: Vec<ContributionOut>,
    pub warnings: Vec<WarningOut>,
    /// The model that scored it, where two models share the traffic; `None`, and not written,
    /// otherwise.
    pub model_id: Option<String>,
}

/// A CSV row that could not be scored.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvRowError {
    pub row: u64,
    pub line: u64,
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

/// Totals of a batch.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchSummary {
    pub rows: usize,
    pub scored: usize,
    pub failed: usize,
    /// The sum of probabilities: how many of these customers are expected to churn.
    pub expected_churners: f64,
    /// Customers at or above the decision threshold.
    pub contact: usize,
}

/// A scored CSV document: every row is either in `rows` or in `errors`.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvAnswer {
    pub rows: Vec<CsvRow>,
    pub errors: Vec<CsvRowError>,
    pub summary: BatchSummary,
}

/// Why a CSV document as a whole could not be scored.
#[derive(Clone, Debug, PartialEq)]
pub enum CsvBatchError {
    /// The document is not readable CSV.
    Csv(CsvError),
    /// The header does not fit the model (unknown or missing columns).
    Header(InputError),
    /// More data rows than allowed.
    TooManyRows { limit: usize },
}

impl core::fmt::Display for CsvBatchError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CsvBatchError::Csv(e) => write!(f, "{e}"),
            CsvBatchError::Header(e) => write!(f, "header: {e}"),
            CsvBatchError::TooManyRows { limit } => write!(f, "more than {limit} rows; split the file"),
        }
    }
}

impl CsvBatchError {
    pub fn code(&self) -> &'static str {
        match self {
            CsvBatchError::Csv(_) => "malformed_csv",
            CsvBatchError::Header(e) => e.code(),
            CsvBatchError::TooManyRows { .. } => "batch_too_large",
        }
    }
}

/// The `n` largest positive contributions, largest first. A selection rather than a sort: `n`
/// is a handful, and a general sort would add kilobytes to the browser module.
fn strongest(mut contributions: Vec<ContributionOut>, n: usize) -> Vec<ContributionOut> {
    let mut top = Vec::with_capacity(n);
    while top.len() < n {
        let mut best: Option<usize> = None;
        for (i, c) in contributions.iter().enumerate() {
            if c.contribution > 0.0 && best.is_none_or(|b| c.contribution > contributions[b].contribution) {
                best = Some(i);
            }
        }
        match best {
            Some(i) => top.push(contributions.swap_remove(i)),
            None => break,
        }
    }
    top
}

/// Scores every data row of a CSV document. Rows that do not fit the model are reported in
/// `errors` with their row and line; a broken document or header fails as a whole. With
/// `drivers > 0`, each row lists its strongest risk-raising columns.
pub fn score_csv(
    model: &Model,
    bytes: &[u8],
    drivers: usize,
    max_rows: usize,
) -> Result<CsvAnswer, CsvBatchError> {
    score_csv_routed(model, &[], |_| 0, bytes, drivers, max_rows)
}

/// [`score_csv`] with every row scored by one of several models, as a champion/challenger split
/// does: `route` gets the row's identifier (as `champion` reads it) and answers 0 for the
/// champion or `i` for `others[i - 1]`; [`CsvRow::model`] records the choice. Every model must
/// accept the header. An index past the end means the champion.
pub fn score_csv_routed(
    champion: &Model,
    others: &[&Model],
    mut route: impl FnMut(Option<&str>) -> usize,
    bytes: &[u8],
    drivers: usize,
    max_rows: usize,
) -> Result<CsvAnswer, CsvBatchError> {
    let mut csv = Csv::new(bytes).map_err(CsvBatchError::Csv)?;
    let models: Vec<&Model> = core::iter::once(champion).chain(others.iter().copied()).collect();
    let mut bindings = Vec::with_capacity(models.len());
    for model in &models {
        bindings.push(model.bind_header(csv.header()).map_err(CsvBatchError::Header)?);
    }
    let mut scorers: Vec<_> = models.iter().map(|m| m.scorer()).collect();
    let mut answer = CsvAnswer {
        rows: Vec::new(),
        errors: Vec::new(),
        summary: BatchSummary { rows: 0, scored: 0, failed: 0, expected_churners: 0.0, contact: 0 },
    };
    while let Some(record) = csv.next_row().map_err(CsvBatchError::Csv)? {
        if answer.summary.rows == max_rows {
            return Err(CsvBatchError::TooManyRows { limit: max_rows });
        }
        answer.summary.rows += 1;
        let mut row = Vec::with_capacity(bindings[0].slots().len());
        bindings[0].fill(record.fields().map(Value::from_cell), &mut row);
        let mut chosen = 0;
        if !others.is_empty() {
            chosen = route(champion.row_id(&row).as_deref());
            if chosen >= models.len() {
                chosen = 0;
            }
            if chosen > 0 {
                bindings[chosen].fill(record.fields().map(Value::from_cell), &mut row);
            }
        }
        let scored = score_row(&mut scorers[chosen], &row, drivers, chosen);
        answer.add(record.row, record.line, scored);
    }
    if answer.summary.rows == 0 {
        return Err(CsvBatchError::Header(InputError::new("", Problem::EmptyBatch)));
    }
    Ok(answer)
}

/// One row scored by `scorer` (model `model` of the batch), with its `drivers` strongest
/// contributions when asked for; its place in the document is filled in by [`CsvAnswer::add`].
fn score_row(
    scorer: &mut Scorer<'_>,
    row: &[Value<'_>],
    drivers: usize,
    model: usize,
) -> Result<CsvRow, InputError> {
    let (id, probability, logit, risk_band, decision, drivers, warnings) = if drivers > 0 {
        let e = scorer.answer_explained(row)?;
        let top = strongest(e.contributions, drivers);
        (e.id, e.probability, e.logit, e.risk_band, e.decision, top, e.warnings)
    } else {
        let s = scorer.answer(row)?;
        (s.id, s.probability, s.logit, s.risk_band, s.decision, Vec::new(), s.warnings)
    };
    Ok(CsvRow {
        row: 0,
        line: 0,
        id,
        model,
        probability,
        logit,
        risk_band,
        decision,
        drivers,
        warnings,
        model_id: None,
    })
}

impl CsvAnswer {
    /// Counts a row in the summary and keeps it, or its error, in document order.
    fn add(&mut self, row: u64, line: u64, scored: Result<CsvRow, InputError>) {
        match scored {
            Ok(r) => {
                self.summary.scored += 1;
                self.summary.expected_churners += r.probability;
                self.summary.contact += usize::from(r.decision == Verdict::Contact);
                self.rows.push(CsvRow { row, line, ..r });
            }
            Err(e) => {
                self.summary.failed += 1;
                self.errors.push(CsvRowError {
                    row,
                    line,
                    field: e.field.clone(),
                    code: e.code(),
                    message: e.to_string(),
                });
            }
        }
    }
}
