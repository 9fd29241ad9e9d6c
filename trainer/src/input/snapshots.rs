//! Snapshots: the rows a model learns from an event log. At each time `T` of a grid, every
//! customer active at `T` gets a row: its behaviour features from its events before `T`, computed
//! by the scorer's own code (`scorer_wasm::events::EventSpec::features`), its static attributes,
//! and, when the data covers `T + horizon`, whether it churned in `(T, T + horizon]`.
//!
//! - **Active at `T`.** With lifecycle dates: started before `T` (or, without a start date, an
//!   event before `T`) and not yet ended (an end date after `T`). Without them: an event in the
//!   `active` days before `T`.
//! - **Churned.** With end dates: the end falls in `(T, T + horizon]` (contractual churn).
//!   Without them: no event in `(T, T + horizon]` (churn by inactivity).
//! - **The grid.** Every `every` days back from the last time whose horizon the data covers
//!   (the last event, minus the horizon, at midnight UTC), down to the first time with a whole
//!   longest window of history after the first event.

use scorer_wasm::Value;
use scorer_wasm::events::{DAY, EventSpec};

use crate::error::{Error, Result};
use crate::input::data::{ColumnBuilder, ColumnFull, Format, Table};
use crate::input::events::EventLog;

/// How snapshots are taken: the windows of the features, the grid, the label's horizon, and the
/// inactivity that counts as gone when there are no end dates. All in days.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotOptions {
    pub windows: Vec<u32>,
    pub every: u32,
    pub horizon: u32,
    pub active: u32,
}

impl Default for SnapshotOptions {
    fn default() -> Self {
        SnapshotOptions { windows: vec![7, 28, 90], every: 28, horizon: 30, active: 90 }
    }
}

/// The feature definitions a model of this log keeps in its file.
pub fn spec(log: &EventLog, opts: &SnapshotOptions) -> EventSpec {
    let mut windows = opts.windows.clone();
    windows.sort_unstable();
    windows.dedup();
    let column = |c: Option<usize>| log.customers.as_ref().and_then(|t| c.map(|c| t.table.names[c].clone()));
    let customers = log.customers.as_ref();
    EventSpec {
        id_column: log.id_column.clone(),
        time_column: log.time_column.clone(),
        type_column: log.type_column.clone(),
        types: log.types.clone(),
        values: log.values.clone(),
        windows,
        tenure: customers.is_some_and(|c| c.start.is_some()),
        start_column: column(customers.and_then(|c| c.start)),
        end_column: column(customers.and_then(|c| c.end)),
        horizon_days: opts.horizon,
        active_days: opts.active,
        every_days: opts.every,
    }
}

/// The labelled snapshot times, ascending.
pub fn grid(log: &EventLog, opts: &SnapshotOptions) -> Result<Vec<i64>> {
    let longest = i64::from(opts.windows.iter().copied().max().unwrap_or(0));
    let earliest = log.first + longest * DAY;
    let mut t = (log.last - i64::from(opts.horizon) * DAY).div_euclid(DAY) * DAY;
    let mut times = Vec::new();
    while t >= earliest {
        times.push(t);
        t -= i64::from(opts.every.max(1)) * DAY;
    }
    if times.is_empty() {
        return Err(Error::data(
            &log.events_path,
            format!(
                "the events span {} days, from {} to {}; a labelled snapshot needs the longest window ({longest} \
                 days) of history before it and the horizon ({} days) after it: shorten --windows or --horizon",
                (log.last - log.first) / DAY,
                day(log.first),
                day(log.last),
                opts.horizon
            ),
        ));
    }
    times.reverse();
    Ok(times)
}

/// The as-of time that scores "now": midnight UTC after the last event, so that every event of
/// the last day counts.
pub fn latest(log: &EventLog) -> i64 {
    (log.last.div_euclid(DAY) + 1) * DAY
}

/// A date, for messages and cards.
pub fn day(t: i64) -> String {
    scorer_wasm::value::format_date(t.div_euclid(DAY).clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32)
}

/// Whether customer `c` is active at `t`.
fn active(log: &EventLog, spec: &EventSpec, c: usize, t: i64) -> bool {
    let times = log.events(c).times;
    let lifecycle = spec.start_column.is_some() || spec.end_column.is_some();
    if lifecycle {
        let started = match log.starts[c] {
            Some(s) => s < t,
            None => times.first().is_some_and(|&e| e < t),
        };
        started && log.ends[c].is_none_or(|e| e > t)
    } else {
        let from = t - i64::from(spec.active_days) * DAY;
        let i = times.partition_point(|&e| e < from);
        times.get(i).is_some_and(|&e| e < t)
    }
}

/// Whether customer `c`, active at `t`, churned within the horizon after it.
fn churned(log: &EventLog, spec: &EventSpec, c: usize, t: i64) -> bool {
    let until = t + i64::from(spec.horizon_days) * DAY;
    if spec.end_column.is_some() {
        log.ends[c].is_some_and(|e| e > t && e <= until)
    } else {
        let times = log.events(c).times;
        let i = times.partition_point(|&e| e <= t);
        times.get(i).is_none_or(|&e| e > until)
    }
}

/// The snapshot rows of a log: a table the pipeline trains on or scores, and where each row
/// comes from.
pub struct Snapshots {
    pub table: Table,
    /// Each row's customer (an index into the log's ids) and snapshot time.
    pub customers: Vec<u32>,
    pub times: Vec<i64>,
    /// The target column's name, when the rows are labelled.
    pub target: Option<String>,
}

/// The name of the label column: `churned`, unless the customer table already has one.
fn target_name(log: &EventLog, spec: &EventSpec) -> String {
    let taken = |n: &str| {
        log.customers.as_ref().is_some_and(|c| c.table.names.iter().any(|m| m == n)) || n == log.id_column
    };
    let plain = "churned".to_string();
    if taken(&plain) { format!("churned within {} days", spec.horizon_days) } else { plain }
}

/// One customer's rows: (snapshot time, label, features), for the times it is active.
type CustomerRows = Vec<(i64, bool, Vec<f64>)>;

fn customer_rows(log: &EventLog, spec: &EventSpec, c: usize, times: &[i64]) -> CustomerRows {
    customer_snapshots(log, spec, c, times)
        .map(|(t, churned)| {
            let mut features = Vec::with_capacity(spec.feature_count());
            spec.features(&log.events(c), t, log.starts[c], &mut features);
            (t, churned, features)
        })
        .collect()
}

/// Customer `c`'s rows among `times`, in order: the times it is active at, each with whether it
/// churned within the horizon after it. [`build`] gives each of them its features.
pub fn customer_snapshots<'a>(
    log: &'a EventLog,
    spec: &'a EventSpec,
    c: usize,
    times: &'a [i64],
) -> impl Iterator<Item = (i64, bool)> + 'a {
    times.iter().filter(move |&&t| active(log, spec, c, t)).map(move |&t| (t, churned(log, spec, c, t)))
}

/// The rows of every customer active at each of `times`; labelled when `labelled`.
pub fn build(log: &EventLog, spec: &EventSpec, times: &[i64], labelled: bool) -> Result<Snapshots> {
    let chunk = 256;
    let chunks: Vec<std::ops::Range<usize>> =
        (0..log.customer_count()).step_by(chunk).map(|a| a..(a + chunk).min(log.customer_count())).collect();
    let rows: Vec<Vec<(usize, CustomerRows)>> = crate::parallel::map(&chunks, |range| {
        range.clone().map(|c| (c, customer_rows(log, spec, c, times))).collect()
    });
    let names = spec.feature_names();
    let attributes: Vec<usize> = log.customers.as_ref().map_or_else(Vec::new, |c| c.attributes.clone());
    let mut id = ColumnBuilder::new();
    let mut attribute_columns: Vec<ColumnBuilder> = attributes.iter().map(|_| ColumnBuilder::new()).collect();
    let mut feature_columns: Vec<ColumnBuilder> = names.iter().map(|_| ColumnBuilder::new()).collect();
    let mut label = ColumnBuilder::new();
    let (mut customers, mut row_times) = (Vec::new(), Vec::new());
    let full = |e: ColumnFull| {
        Error::data(&log.events_path, format!("the snapshot table is too large to hold: {e}"))
    };
    for (c, mine) in rows.into_iter().flatten() {
        for (t, churned, features) in mine {
            customers.push(c as u32);
            row_times.push(t);
            id.push(Value::Text(&log.ids[c])).map_err(full)?;
            if let Some(table) = log.customers.as_ref().map(|c| &c.table) {
                for (builder, &a) in attribute_columns.iter_mut().zip(&attributes) {
                    builder.push(table.columns[a].value(c)).map_err(full)?;
                }
            }
            for (builder, x) in feature_columns.iter_mut().zip(features) {
                builder.push(if x.is_nan() { Value::Missing } else { Value::Number(x) }).map_err(full)?;
            }
            label.push(Value::Text(if churned { "Yes" } else { "No" })).map_err(full)?;
        }
    }
    if customers.is_empty() {
        return Err(Error::data(&log.events_path, "no customer is active at any snapshot time"));
    }
    let target = labelled.then(|| target_name(log, spec));
    let mut column_names = vec![log.id_column.clone()];
    if let Some(c) = &log.customers {
        column_names.extend(attributes.iter().map(|&a| c.table.names[a].clone()));
    }
    column_names.extend(names);
    let mut columns: Vec<_> = std::iter::once(id).chain(attribute_columns).chain(feature_columns).collect();
    if let Some(name) = &target {
        column_names.push(name.clone());
        columns.push(label);
    }
    let table = Table {
        path: log.events_path.clone(),
        format: Format::from_path(&log.events_path).unwrap_or(Format::Csv),
        names: column_names,
        columns: columns.into_iter().map(ColumnBuilder::finish).collect(),
        lines: Vec::new(),
        first_row: 0,
    };
    Ok(Snapshots { table, customers, times: row_times, target })
}
