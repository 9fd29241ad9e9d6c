//! `churn train --events`: a model from an event log. The log becomes snapshot rows
//! (`input::snapshots`), which the pipeline trains on as on any table, with every customer's
//! rows in one fold; then the final model's recipe is fitted again on the early snapshots only
//! and scored on the later ones (the out-of-time check), and the feature definitions go into the
//! model file, so that every scorer computes them from raw events with the same code.

use indicatif::ProgressBar;
use scorer_wasm::events::{DAY, EventSpec};
use scorer_wasm::{Model, ModelSpec};

use crate::error::{Error, Result};
use crate::input::data::Table;
use crate::input::events::{EventLog, LogOptions, read_log};
use crate::input::snapshots::{self, SnapshotOptions, Snapshots, day};
use crate::model::card::{EventsReport, OutOfTime};
use crate::stats::metrics;
use crate::training::train::{self, Groups, TrainOptions, Trained};

/// Share of the snapshot times, the latest, that the out-of-time check scores.
const OUT_OF_TIME_SHARE: f64 = 0.25;

/// What `--events` training reads and how it takes snapshots.
#[derive(Clone, Debug, Default)]
pub struct EventTraining {
    pub log: LogOptions,
    pub snapshots: SnapshotOptions,
}

/// A model trained from an event log, with the snapshot table it learned from.
pub struct EventTrained {
    pub trained: Trained,
    pub table: Table,
}

/// An event log's labelled snapshot rows, as training builds them.
pub struct SnapshotRows {
    pub log: EventLog,
    pub spec: EventSpec,
    /// The snapshot grid.
    pub times: Vec<i64>,
    pub table: Table,
    /// Each row's customer and snapshot time.
    pub customers: Vec<u32>,
    pub row_times: Vec<i64>,
    /// The label column's name.
    pub target: String,
    /// Behaviour features with nothing to measure in any row, which training leaves out.
    pub drops: Vec<String>,
}

/// Reads an event log and builds its labelled snapshot rows.
pub fn snapshot_rows(log: &LogOptions, opts: &SnapshotOptions) -> Result<SnapshotRows> {
    let mut log = read_log(log)?;
    let spec = snapshots::spec(&log, opts);
    let times = snapshots::grid(&log, opts)?;
    let Snapshots { table, customers, times: row_times, target } =
        snapshots::build(&log, &spec, &times, true)?;
    let Some(target) = target else {
        return Err(Error::Training("snapshot rows built for training have no label".into()));
    };
    let drops = never_measured(&table, &spec);
    for name in &drops {
        log.findings.push(format!(
            "\"{name}\" has nothing to measure at any snapshot (no such event before one); it is left out"
        ));
    }
    Ok(SnapshotRows { log, spec, times, table, customers, row_times, target, drops })
}

/// Trains the model of an event log: `opts` as for a table, except that the target, the
/// identifier and the groups come from the snapshots.
pub fn train_events(ev: &EventTraining, opts: &TrainOptions, progress: &ProgressBar) -> Result<EventTrained> {
    fits_in_memory(&ev.log.events, crate::training::stream::memory_limit_mb(opts.memory_mb)?)?;
    progress.set_message("reading the event log and computing behaviour features at every snapshot");
    let rows = snapshot_rows(&ev.log, &ev.snapshots)?;
    let split = out_of_time_split(&rows);
    let SnapshotRows { log, spec, times, mut table, customers, target, drops, .. } = rows;
    let mut opts = snapshot_options(opts, &log, target);
    opts.columns.drops.extend(drops);
    let rows_per_customer = rows_per_customer(&customers);
    opts.fit.l2 *= rows_per_customer;
    let holdout = split.as_ref().map(|s| (s.train.as_slice(), s.test.as_slice()));
    let groups = Groups { of_row: &customers, holdout };
    let mut trained = train::train_grouped(&mut table, Some(&groups), &opts, progress)?;
    let out_of_time = split.zip(trained.holdout.take()).map(|(split, logits)| split.score(&logits));
    let report = EventsReport { rows_per_customer, out_of_time, ..report(&log, &spec, &times) };
    attach(&mut trained, spec, report)?;
    Ok(EventTrained { trained, table })
}

/// What training from an event log costs per event, at its peak: the event read, its place in the
/// customer's sorted events, its share of the snapshot rows and of the two fits that run at once.
/// Measured with the default recipe: 10.2 million synthetic events peak at 1.7 GB, 2.2 million
/// at 0.5 GB, 155–168 bytes an event besides the program.
const BYTES_PER_EVENT: u64 = 170;
/// What the program needs besides the data.
const PROGRAM_BYTES: u64 = 150 << 20;

/// Refuses, before reading it, an event log whose training would need more memory than `limit_mb`:
/// event logs are read whole (they do not stream yet), so the refusal says what to change rather
/// than let the kernel end the run. The events are counted from a Parquet file's metadata, or
/// estimated from a text file's size and the length of its first lines.
fn fits_in_memory(path: &std::path::Path, limit_mb: u64) -> Result<()> {
    let events = event_count(path)?;
    let need_mb = (events * BYTES_PER_EVENT + PROGRAM_BYTES) >> 20;
    if need_mb <= limit_mb {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "{} holds about {events} events: training from it needs about {need_mb} MB, more than the {limit_mb} MB it \
         may use (--memory, 80 % of the memory available, or CHURN_MEMORY_LIMIT_MB). Event logs are read whole and \
         do not stream yet: raise --memory, or train on a sample of customers with every event of each",
        path.display()
    )))
}

/// The events in `path`: a Parquet file's row count, or a text file's size over the mean length
/// of its first lines (64 KB of them).
fn event_count(path: &std::path::Path) -> Result<u64> {
    use polars::prelude::SerReader;
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    if crate::input::data::Format::from_path(path).ok() == Some(crate::input::data::Format::Parquet) {
        let rows = polars::prelude::ParquetReader::new(file)
            .num_rows()
            .map_err(|e| Error::data(path, format!("cannot read Parquet: {e}")))?;
        return Ok(rows as u64);
    }
    let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let mut head = Vec::with_capacity(1 << 16);
    file.take(1 << 16).read_to_end(&mut head).map_err(|e| Error::io(path, e))?;
    let lines = head.iter().filter(|&&b| b == b'\n').count().max(1) as u64;
    Ok(size * lines / head.len().max(1) as u64)
}

/// The training options for snapshot rows: their target, the customer id as an identifier.
fn snapshot_options(opts: &TrainOptions, log: &EventLog, target: String) -> TrainOptions {
    let mut opts = opts.clone();
    opts.columns.target = target;
    opts.columns.positive = Some("Yes".into());
    if !opts.columns.ids.contains(&log.id_column) {
        opts.columns.ids.push(log.id_column.clone());
    }
    opts
}

/// Snapshot rows per customer with any. A customer's snapshots are not independent evidence:
/// their static attributes are the same row after row, and their behaviour drifts slowly, so the
/// log-likelihood counts much of what one customer shows once per snapshot. The ridge penalty is
/// a prior of fixed weight against that sum, so training multiplies `--l2` by this factor: the
/// prior weighs against customers, as it weighs against rows of a table of one row a customer.
/// On `churn synth --events` (8.3 rows a customer) this raised the cross-validated ROC AUC from
/// 0.7933 to 0.7966 at 5,000 customers and changed nothing at 22,500 (0.8018, 0.8019).
fn rows_per_customer(customers: &[u32]) -> f64 {
    let mut seen = customers.to_vec();
    seen.sort_unstable();
    seen.dedup();
    customers.len() as f64 / seen.len().max(1) as f64
}

/// The behaviour features missing in every row: days since an event type that never happens
/// before a snapshot (an event that only follows leaving, say), a mean of a value never given.
fn never_measured(table: &Table, spec: &EventSpec) -> Vec<String> {
    spec.feature_names()
        .into_iter()
        .filter(|name| {
            table
                .column_index(name)
                .is_some_and(|c| (0..table.rows()).all(|r| table.columns[c].value(r).is_missing()))
        })
        .collect()
}

/// The out-of-time check's rows: the final model's recipe is fitted on the snapshots whose
/// horizon ends by the latest quarter of snapshot times and scored on those later snapshots,
/// what the model would have done had it been trained then. The recipe is the one chosen on every
/// snapshot, not chosen again on the early ones: a choice among a few penalties and knot rules,
/// which a second search (as long as the whole training) would barely move. `None` when the grid
/// is too short, or a side lacks a class.
struct OutOfTimeSplit {
    train: Vec<usize>,
    test: Vec<usize>,
    train_until: i64,
    cutoff: i64,
    /// The labels of the scored rows.
    labels: Vec<f64>,
}

fn out_of_time_split(rows: &SnapshotRows) -> Option<OutOfTimeSplit> {
    let (row_times, times) = (&rows.row_times, &rows.times);
    let test_count = ((times.len() as f64 * OUT_OF_TIME_SHARE).round() as usize).max(1);
    if times.len() < test_count + 2 {
        return None;
    }
    let cutoff = times[times.len() - test_count];
    let horizon = i64::from(rows.spec.horizon_days) * DAY;
    let train: Vec<usize> = (0..row_times.len()).filter(|&r| row_times[r] + horizon <= cutoff).collect();
    let test: Vec<usize> = (0..row_times.len()).filter(|&r| row_times[r] >= cutoff).collect();
    let label = rows.table.column_index(&rows.target)?;
    let churned = |r: usize| rows.table.columns[label].value(r).as_id().as_deref() == Some("Yes");
    let both = |rows: &[usize]| {
        let positive = rows.iter().filter(|&&r| churned(r)).count();
        positive > 0 && positive < rows.len()
    };
    if !both(&train) || !both(&test) {
        return None;
    }
    let labels = test.iter().map(|&r| f64::from(u8::from(churned(r)))).collect();
    let train_until = train.iter().map(|&r| row_times[r]).max().unwrap_or(cutoff);
    Some(OutOfTimeSplit { train, test, train_until, cutoff, labels })
}

impl OutOfTimeSplit {
    fn score(&self, logits: &[f64]) -> OutOfTime {
        OutOfTime {
            train_rows: self.train.len() as u64,
            train_until: day(self.train_until),
            test_rows: self.test.len() as u64,
            test_from: day(self.cutoff),
            roc_auc: metrics::roc_auc(&self.labels, logits),
            pr_auc: metrics::average_precision(&self.labels, logits),
        }
    }
}

/// The card's account of the log and its snapshots (what training found beyond them left empty).
fn report(log: &EventLog, spec: &EventSpec, times: &[i64]) -> EventsReport {
    let name =
        |p: &std::path::Path| p.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let h = spec.horizon_days;
    let (label, active) = match (&spec.start_column, &spec.end_column) {
        (_, Some(end)) => (
            format!("churned: the customer's {end} falls in the {h} days after the snapshot"),
            "active: started before the snapshot and not yet ended".to_string(),
        ),
        (Some(_), None) => (
            format!("churned: no event in the {h} days after the snapshot"),
            "active: started before the snapshot".to_string(),
        ),
        (None, None) => (
            format!("churned: no event in the {h} days after the snapshot"),
            format!("active: an event in the {} days before the snapshot", spec.active_days),
        ),
    };
    EventsReport {
        events_file: name(&log.events_path),
        customers_file: log.customers.as_ref().map(|c| name(&c.table.path)),
        events: log.rows_read as u64,
        customers: log.customer_count() as u64,
        first_event: day(log.first),
        last_event: day(log.last),
        snapshots: times.len() as u64,
        first_snapshot: times.first().map_or_else(String::new, |&t| day(t)),
        last_snapshot: times.last().map_or_else(String::new, |&t| day(t)),
        every_days: spec.every_days,
        label,
        active,
        findings: log.findings.clone(),
        rows_per_customer: 0.0,
        out_of_time: None,
    }
}

/// Puts the feature definitions into the model file and the event report into its card.
fn attach(trained: &mut Trained, spec: EventSpec, report: EventsReport) -> Result<()> {
    trained.card.events = Some(report);
    let mut model_spec: ModelSpec = trained.model.spec().clone();
    model_spec.card =
        serde_json::to_string(&trained.card).map_err(|e| Error::Training(format!("model card: {e}")))?;
    model_spec.events = Some(spec);
    trained.model =
        Model::new(model_spec).map_err(|e| Error::Training(format!("the trained model is invalid: {e}")))?;
    Ok(())
}

/// What `churn validate --events` reports on the log itself, beside the snapshot rows' checks.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LogSummary {
    pub events_file: String,
    pub events_read: u64,
    /// Events kept: exact duplicates count once.
    pub events: u64,
    pub customers: u64,
    pub customers_without_events: u64,
    pub first_event: String,
    pub last_event: String,
    /// Every event type with features of its own, with its events.
    pub types: Vec<(String, u64)>,
    pub values: Vec<String>,
    pub snapshots: u64,
    pub first_snapshot: String,
    pub last_snapshot: String,
    pub rows: u64,
    pub churn_rate: f64,
    pub findings: Vec<String>,
}

/// The report of `churn validate --events`.
#[derive(Debug, serde::Serialize)]
pub struct EventValidation {
    pub events: LogSummary,
    pub snapshot_rows: crate::prepare::validate::Validation,
}

impl SnapshotRows {
    pub fn summary(&self) -> LogSummary {
        let log = &self.log;
        let mut counts = vec![0u64; log.types.len()];
        for &k in &log.kinds {
            if let Some(c) = counts.get_mut(k as usize) {
                *c += 1;
            }
        }
        let target = self.table.column_index(&self.target).unwrap_or(0);
        let churned = (0..self.table.rows())
            .filter(|&r| self.table.columns[target].value(r).as_id().as_deref() == Some("Yes"))
            .count();
        LogSummary {
            events_file: self.table.file_name(),
            events_read: log.rows_read as u64,
            events: log.times.len() as u64,
            customers: log.customer_count() as u64,
            customers_without_events: log.offsets.windows(2).filter(|w| w[0] == w[1]).count() as u64,
            first_event: day(log.first),
            last_event: day(log.last),
            types: log.types.iter().cloned().zip(counts).collect(),
            values: log.values.clone(),
            snapshots: self.times.len() as u64,
            first_snapshot: self.times.first().map_or_else(String::new, |&t| day(t)),
            last_snapshot: self.times.last().map_or_else(String::new, |&t| day(t)),
            rows: self.table.rows() as u64,
            churn_rate: churned as f64 / self.table.rows().max(1) as f64,
            findings: log.findings.clone(),
        }
    }
}
