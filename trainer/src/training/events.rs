//! `churn train --events`: a model from an event log. The log becomes snapshot rows
//! (`input::snapshots`), which the pipeline trains on as on any table, with every customer's
//! rows in one fold; then the same recipe search runs again on the early snapshots only and is
//! scored on the later ones (the out-of-time check), and the feature definitions go into the
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
use crate::training::train::{self, TrainOptions, Trained};

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
    progress.set_message("reading the event log and computing behaviour features at every snapshot");
    let SnapshotRows { log, spec, times, mut table, customers, row_times, target, drops } =
        snapshot_rows(&ev.log, &ev.snapshots)?;
    let mut opts = snapshot_options(opts, &log, target);
    opts.columns.drops.extend(drops);
    let mut trained = train::train_grouped(&mut table, Some(&customers), &opts, progress)?;
    progress.set_message("checking the recipe out of time, on the latest snapshots");
    let out_of_time = out_of_time(&table, &customers, &row_times, &times, &spec, &opts)?;
    let report = report(&log, &spec, &times, out_of_time);
    attach(&mut trained, spec, report)?;
    Ok(EventTrained { trained, table })
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

/// Trains on the snapshots whose horizon ends by the latest quarter of snapshot times, and
/// scores those later snapshots: what the model would have done had it been trained then.
/// `None` when the grid is too short to leave both sides with both classes.
fn out_of_time(
    table: &Table,
    customers: &[u32],
    row_times: &[i64],
    times: &[i64],
    spec: &EventSpec,
    opts: &TrainOptions,
) -> Result<Option<OutOfTime>> {
    let test_count = ((times.len() as f64 * OUT_OF_TIME_SHARE).round() as usize).max(1);
    if times.len() < test_count + 2 {
        return Ok(None);
    }
    let cutoff = times[times.len() - test_count];
    let horizon = i64::from(spec.horizon_days) * DAY;
    let train_rows: Vec<usize> = (0..row_times.len()).filter(|&r| row_times[r] + horizon <= cutoff).collect();
    let test_rows: Vec<usize> = (0..row_times.len()).filter(|&r| row_times[r] >= cutoff).collect();
    let mut early = table.take(&train_rows)?;
    let groups: Vec<u32> = train_rows.iter().map(|&r| customers[r]).collect();
    let trained = match train::train_grouped(&mut early, Some(&groups), opts, &ProgressBar::hidden()) {
        Ok(t) => t,
        // Too few churners among the early snapshots (for the folds, or any at all): no check,
        // rather than a failure; the card then has no `out_of_time`.
        Err(Error::Usage(_) | Error::Data { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    let later = table.take(&test_rows)?;
    let p = train::scorer_probabilities(&trained.model, &later, &trained.plan)?;
    let target = later.column_index(&opts.columns.target).unwrap_or(later.names.len() - 1);
    let y: Vec<f64> = (0..later.rows())
        .map(|r| f64::from(later.columns[target].value(r).as_id().as_deref() == Some("Yes")))
        .collect();
    let last_train = train_rows.iter().map(|&r| row_times[r]).max().unwrap_or(cutoff);
    Ok(Some(OutOfTime {
        train_rows: train_rows.len() as u64,
        train_until: day(last_train),
        test_rows: test_rows.len() as u64,
        test_from: day(cutoff),
        roc_auc: metrics::roc_auc(&y, &p),
        pr_auc: metrics::average_precision(&y, &p),
    }))
}

fn report(log: &EventLog, spec: &EventSpec, times: &[i64], out_of_time: Option<OutOfTime>) -> EventsReport {
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
        out_of_time,
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
