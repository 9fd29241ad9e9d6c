//! `churn predict`: batch scoring of a table with the scorer crate.

use std::io::{BufWriter, Write};
use std::path::Path;

use scorer_wasm::{Model, Value};

use crate::error::{Error, Result};
use crate::input::data::{Format, Shard, Table, read_shard, read_table};

/// What a batch run did.
#[derive(Debug, serde::Serialize)]
pub struct PredictSummary {
    pub model_id: String,
    /// `I/N` when one shard of the file was scored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// The file's rows this run scored, 1-based and inclusive (a shard's range, or all).
    pub first_row: usize,
    pub last_row: usize,
    pub rows: usize,
    pub scored: usize,
    pub failed: usize,
    /// Expected number of churners: the sum of probabilities.
    pub expected_churners: f64,
    pub contact: usize,
    /// The first few rows that could not be scored, with the reason.
    pub first_errors: Vec<String>,
}

pub fn load_model(path: &Path) -> Result<Model> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    Model::from_bytes(&bytes).map_err(|source| Error::Model { path: path.display().to_string(), source })
}

/// Scores every row of `data` (or of one shard of it); writes one output row per input row, with
/// an error message in place of a probability for rows that do not fit the model. The outputs of
/// shards `0/N` … `N−1/N`, each with its header, are the unsharded output when put end to end
/// with the first header only.
pub fn predict(
    model_path: &Path,
    data: &Path,
    format: Option<Format>,
    shard: Option<Shard>,
    out: &Path,
) -> Result<PredictSummary> {
    let model = load_model(model_path)?;
    if model.spec().events.is_some() {
        return Err(Error::Usage(format!(
            "{} learned from an event log: score it with --events (and --customers) instead of --data",
            model_path.display()
        )));
    }
    let table = match shard {
        Some(s) => read_shard(data, format, s)?,
        None => read_table(data, format)?,
    };
    score_table(&model, &table, shard, out)
}

/// Scores every customer of an event log active at `as_of` (default: midnight after the last
/// event), each from its own events with the model's feature definitions.
pub fn predict_events(
    model_path: &Path,
    log: &crate::input::events::LogOptions,
    as_of: Option<i64>,
    out: &Path,
) -> Result<PredictSummary> {
    use crate::input::{events, snapshots};
    let model = load_model(model_path)?;
    let Some(spec) = model.spec().events.clone() else {
        return Err(Error::Usage(format!(
            "{} learned from a customer table, not an event log: score it with --data",
            model_path.display()
        )));
    };
    let log = events::read_log(&events::LogOptions::for_model(log, &spec))?;
    let at = as_of.unwrap_or_else(|| snapshots::latest(&log));
    let rows = snapshots::build(&log, &spec, &[at], false)?;
    score_table(&model, &rows.table, None, out)
}

/// Scores the rows of `table` into `out` (see [`predict`]).
fn score_table(model: &Model, table: &Table, shard: Option<Shard>, out: &Path) -> Result<PredictSummary> {
    let data = &table.path;
    let binding = model.bind_header(&table.names).map_err(|e| Error::data(data, format!("header: {e}")))?;
    let id_columns: Vec<(usize, &str)> = model
        .columns()
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c.role, scorer_wasm::Role::Identifier))
        .map(|(i, c)| (i, c.name.as_str()))
        .collect();

    let io = |e| Error::io(out, e);
    let mut w = BufWriter::new(std::fs::File::create(out).map_err(io)?);
    let mut header: Vec<String> = id_columns.iter().map(|(_, n)| csv_field(n)).collect();
    header.extend(["probability", "risk_band", "decision", "error"].map(String::from));
    writeln!(w, "{}", header.join(",")).map_err(io)?;

    let mut scorer = model.scorer();
    let mut row: Vec<Value<'_>> = Vec::with_capacity(model.columns().len());
    let mut summary = PredictSummary {
        model_id: model.id().to_string(),
        shard: shard.map(|s| s.to_string()),
        first_row: table.first_row + 1,
        last_row: table.first_row + table.rows(),
        rows: table.rows(),
        scored: 0,
        failed: 0,
        expected_churners: 0.0,
        contact: 0,
        first_errors: Vec::new(),
    };
    let mut line = String::new();
    for r in 0..table.rows() {
        binding.fill(table.columns.iter().map(|c| c.value(r)), &mut row);
        line.clear();
        for (i, _) in &id_columns {
            line.push_str(&csv_field(&id_text(row[*i])));
            line.push(',');
        }
        match scorer.score(&row) {
            Ok(s) => {
                let contact = model.decide(s.probability);
                summary.scored += 1;
                summary.expected_churners += s.probability;
                summary.contact += usize::from(contact == scorer_wasm::Verdict::Contact);
                line.push_str(&format!(
                    "{},{},{},",
                    s.probability,
                    model.band(s.probability).as_str(),
                    contact.as_str()
                ));
            }
            Err(e) => {
                summary.failed += 1;
                let message = format!("{}: {e}", table.locate(r));
                line.push_str(",,,");
                line.push_str(&csv_field(&e.to_string()));
                if summary.first_errors.len() < 5 {
                    summary.first_errors.push(message);
                }
            }
        }
        line.push('\n');
        w.write_all(line.as_bytes()).map_err(io)?;
    }
    w.flush().map_err(io)?;
    Ok(summary)
}

fn id_text(v: Value<'_>) -> String {
    match v {
        Value::Missing => String::new(),
        Value::Number(x) => scorer_wasm::value::number_as_level(x),
        Value::Text(s) => s.to_string(),
        Value::Bool(b) => b.to_string(),
    }
}

/// Quotes a CSV field when it needs it.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}
