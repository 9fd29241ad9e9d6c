//! Event logs: an event table (a customer id, a time, optionally an event type, any numeric
//! values) and optionally a customer table (id, lifecycle dates, static attributes), read into
//! each customer's events in the scorer's canonical order (`scorer_wasm::events`), with what
//! the reading found.
//!
//! Columns are found by what their cells hold, never by their names: the event table's id is
//! the column it shares with the customer table (else its first column), its time the one column
//! whose cells are timestamps, its type the one other text column, its values the number
//! columns; the customer table's start and end are its date columns (the one with gaps is the
//! end). Flags name any of them instead.
//!
//! Nothing is dropped without saying so: a timestamp that does not parse, a number that is not
//! one, an event of a customer the customer table does not list, or a column mixing times with
//! and without a UTC offset is an error naming the row; exact duplicate events (same customer,
//! time, type and values) count once and are reported, as are events before a customer's start
//! or after its end.

use std::collections::HashMap;
use std::path::PathBuf;

use scorer_wasm::Value;
use scorer_wasm::events::{Events, OTHER_TYPE, canonical_order, parse_timestamp};
use scorer_wasm::value::{parse_date, parse_number};

use crate::error::{Error, Result};
use crate::input::data::{Table, read_table};

/// Most event types with features of their own; rarer ones count among all events only.
pub const MAX_TYPES: usize = 24;

/// Cells a column is sampled on to tell what it holds.
const SAMPLE: usize = 200;

/// The files of an event log and the columns flags name (`None`: found from the cells).
#[derive(Clone, Debug, Default)]
pub struct LogOptions {
    pub events: PathBuf,
    pub customers: Option<PathBuf>,
    pub id: Option<String>,
    pub time: Option<String>,
    pub kind: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    /// A model's event types and value columns, when scoring with it: its features count these,
    /// whatever the data holds.
    pub types: Option<Vec<String>>,
    pub values: Option<Vec<String>>,
}

impl LogOptions {
    /// The options to read a log for a model: its columns, types and values, unless the flags
    /// name other columns.
    pub fn for_model(given: &LogOptions, spec: &scorer_wasm::EventSpec) -> LogOptions {
        let or = |flag: &Option<String>, model: Option<&String>| flag.clone().or_else(|| model.cloned());
        LogOptions {
            events: given.events.clone(),
            customers: given.customers.clone(),
            id: or(&given.id, Some(&spec.id_column)),
            time: or(&given.time, Some(&spec.time_column)),
            kind: or(&given.kind, spec.type_column.as_ref()),
            start: or(&given.start, spec.start_column.as_ref()),
            end: or(&given.end, spec.end_column.as_ref()),
            types: Some(spec.types.clone()),
            values: Some(spec.values.clone()),
        }
    }
}

/// The customer table and the roles of its columns.
pub struct Customers {
    pub table: Table,
    pub start: Option<usize>,
    pub end: Option<usize>,
    /// Static attributes: every column but the id and the lifecycle dates.
    pub attributes: Vec<usize>,
}

/// An event log read into memory: every customer's events, as columns, in canonical order.
pub struct EventLog {
    pub events_path: PathBuf,
    pub id_column: String,
    pub time_column: String,
    pub type_column: Option<String>,
    /// Event types with features of their own, most frequent first.
    pub types: Vec<String>,
    /// Numeric value columns.
    pub values: Vec<String>,
    /// Customer ids: the customer table's rows in order, or the event table's in first-seen order.
    pub ids: Vec<String>,
    pub customers: Option<Customers>,
    /// Customer `c`'s events are `offsets[c]..offsets[c + 1]` of `times`, `kinds`, and of
    /// `amounts` times the number of values.
    pub offsets: Vec<usize>,
    pub times: Vec<i64>,
    pub kinds: Vec<u32>,
    pub amounts: Vec<f64>,
    /// Lifecycle instants (midnight UTC of the dates), when the customer table has them.
    pub starts: Vec<Option<i64>>,
    pub ends: Vec<Option<i64>>,
    /// The first and last event times.
    pub first: i64,
    pub last: i64,
    /// Events read from the file, before duplicates were counted once.
    pub rows_read: usize,
    /// What reading found that a user should know: duplicates, events outside a life, columns
    /// not used.
    pub findings: Vec<String>,
}

impl EventLog {
    pub fn customer_count(&self) -> usize {
        self.ids.len()
    }

    /// Customer `c`'s events.
    pub fn events(&self, c: usize) -> Events<'_> {
        let (a, b) = (self.offsets[c], self.offsets[c + 1]);
        let width = self.values.len();
        Events {
            times: &self.times[a..b],
            types: &self.kinds[a..b],
            values: &self.amounts[a * width..b * width],
        }
    }
}

/// Reads the event log `opts` names.
pub fn read_log(opts: &LogOptions) -> Result<EventLog> {
    let table = read_table(&opts.events, None)?;
    let customers = opts.customers.as_deref().map(|p| read_table(p, None)).transpose()?;
    let columns = event_columns(&table, customers.as_ref(), opts)?;
    let mut findings = Vec::new();
    if !columns.unused.is_empty() {
        findings.push(format!(
            "{}: not used (text columns beside the event type; name the type with --event-type)",
            columns.unused.join(", ")
        ));
    }
    let customers = customers.map(|t| customer_columns(t, &table.names[columns.id], opts)).transpose()?;
    let parsed = parse_events(&table, &columns)?;
    let (ids, customer_of) = index_customers(&parsed, &table.names[columns.id], customers.as_ref())?;
    let types = match &opts.types {
        Some(types) => types.clone(),
        None => frequent_types(&parsed.type_names, &parsed.type_codes, &mut findings)
            .into_iter()
            .map(|t| parsed.type_names[t as usize].clone())
            .collect(),
    };
    let mut log = EventLog {
        events_path: opts.events.clone(),
        id_column: table.names[columns.id].clone(),
        time_column: table.names[columns.time].clone(),
        type_column: columns.kind.map(|k| table.names[k].clone()),
        types,
        values: columns.values.iter().map(|&v| table.names[v].clone()).collect(),
        starts: Vec::new(),
        ends: Vec::new(),
        first: parsed.times.iter().copied().min().unwrap_or(0),
        last: parsed.times.iter().copied().max().unwrap_or(0),
        rows_read: table.rows(),
        offsets: Vec::new(),
        times: Vec::new(),
        kinds: Vec::new(),
        amounts: Vec::new(),
        ids,
        customers,
        findings,
    };
    arrange(&mut log, &parsed, &customer_of);
    lifecycle(&mut log)?;
    Ok(log)
}

/// The event table's columns by role.
struct EventColumns {
    id: usize,
    time: usize,
    kind: Option<usize>,
    values: Vec<usize>,
    unused: Vec<String>,
}

/// What a column's first non-missing cells look like.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Looks {
    Timestamps,
    Numbers,
    Text,
    Empty,
}

fn looks(table: &Table, column: usize) -> Looks {
    let col = &table.columns[column];
    let cells: Vec<Value<'_>> =
        (0..col.len()).map(|r| col.value(r)).filter(|v| !v.is_missing()).take(SAMPLE).collect();
    // Mostly is enough: a stray bad cell is then an error naming its row, not a column gone.
    let mostly = |test: &dyn Fn(&Value<'_>) -> bool| {
        cells.first().is_some_and(test) && cells.iter().filter(|v| test(v)).count() * 10 >= cells.len() * 9
    };
    if cells.is_empty() {
        Looks::Empty
    } else if mostly(&|v| matches!(v, Value::Text(s) if parse_timestamp(s).is_some())) {
        Looks::Timestamps
    } else if mostly(&|v| match v {
        Value::Number(_) => true,
        Value::Text(s) => parse_number(s).is_some(),
        _ => false,
    }) {
        Looks::Numbers
    } else {
        Looks::Text
    }
}

fn find(table: &Table, name: &str, what: &str) -> Result<usize> {
    table.column_index(name).ok_or_else(|| {
        Error::data(
            &table.path,
            format!("no column \"{name}\" for the {what}; the columns are {}", quoted(&table.names)),
        )
    })
}

fn event_columns(table: &Table, customers: Option<&Table>, opts: &LogOptions) -> Result<EventColumns> {
    let id = match (&opts.id, customers) {
        (Some(name), _) => find(table, name, "customer id (--event-id)")?,
        (None, Some(c)) => c.names.iter().find_map(|n| table.column_index(n)).ok_or_else(|| {
            Error::data(
                &table.path,
                format!(
                    "shares no column with the customer table {} to join them by; name the customer id with --event-id",
                    c.path.display()
                ),
            )
        })?,
        (None, None) => 0,
    };
    let others: Vec<(usize, Looks)> =
        (0..table.names.len()).filter(|&c| c != id).map(|c| (c, looks(table, c))).collect();
    let pick = |given: &Option<String>, kind: Looks, what: &str, flag: &str| -> Result<Option<usize>> {
        if let Some(name) = given {
            return find(table, name, what).map(Some);
        }
        let found: Vec<usize> = others.iter().filter(|(_, l)| *l == kind).map(|&(c, _)| c).collect();
        match found.as_slice() {
            [] | [_] => Ok(found.first().copied()),
            many => Err(Error::data(
                &table.path,
                format!(
                    "several columns could be the {what} ({}); name it with {flag}",
                    quoted(&many.iter().map(|&c| table.names[c].clone()).collect::<Vec<_>>())
                ),
            )),
        }
    };
    let time = pick(&opts.time, Looks::Timestamps, "event time", "--event-time")?.ok_or_else(|| {
        Error::data(
            &table.path,
            "no column holds timestamps (ISO 8601, e.g. 2024-03-09 or 2024-03-09T10:15:00Z); name the \
             time column with --event-time",
        )
    })?;
    let texts: Vec<usize> =
        others.iter().filter(|&&(c, l)| l == Looks::Text && c != time).map(|&(c, _)| c).collect();
    let kind = match &opts.kind {
        Some(name) => Some(find(table, name, "event type (--event-type)")?),
        None if texts.len() <= 1 => texts.first().copied(),
        None => pick(&None, Looks::Text, "event type", "--event-type")?,
    };
    let values: Vec<usize> = match &opts.values {
        Some(names) => {
            names.iter().map(|n| find(table, n, "event value the model counts")).collect::<Result<_>>()?
        }
        None => others
            .iter()
            .filter(|&&(c, l)| l == Looks::Numbers && c != time && Some(c) != kind)
            .map(|&(c, _)| c)
            .collect(),
    };
    let unused = texts.iter().filter(|&&c| Some(c) != kind).map(|&c| table.names[c].clone()).collect();
    Ok(EventColumns { id, time, kind, values, unused })
}

/// The customer table's roles; its id column must be the event table's.
fn customer_columns(table: Table, id_name: &str, opts: &LogOptions) -> Result<Customers> {
    let id = find(&table, id_name, "customer id shared with the event table")?;
    let dates: Vec<usize> = (0..table.names.len())
        .filter(|&c| c != id)
        .filter(|&c| {
            let col = &table.columns[c];
            let cells: Vec<Value<'_>> =
                (0..col.len()).map(|r| col.value(r)).filter(|v| !v.is_missing()).take(SAMPLE).collect();
            !cells.is_empty() && cells.iter().all(|v| matches!(v, Value::Text(s) if parse_date(s).is_some()))
        })
        .collect();
    let has_gaps = |c: usize| (0..table.rows()).any(|r| table.columns[c].value(r).is_missing());
    let given = |name: &Option<String>, what| name.as_deref().map(|n| find(&table, n, what)).transpose();
    let (mut start, mut end) =
        (given(&opts.start, "start date (--start)")?, given(&opts.end, "end date (--end)")?);
    if start.is_none() && end.is_none() {
        match dates.as_slice() {
            [] => {}
            [one] if has_gaps(*one) => end = Some(*one),
            [one] => start = Some(*one),
            [a, b] => {
                (start, end) =
                    if has_gaps(*a) && !has_gaps(*b) { (Some(*b), Some(*a)) } else { (Some(*a), Some(*b)) }
            }
            many => {
                return Err(Error::data(
                    &table.path,
                    format!(
                        "several date columns ({}) could be the customers' start and end; name them with --start and --end",
                        quoted(&many.iter().map(|&c| table.names[c].clone()).collect::<Vec<_>>())
                    ),
                ));
            }
        }
    }
    let attributes =
        (0..table.names.len()).filter(|&c| c != id && Some(c) != start && Some(c) != end).collect();
    Ok(Customers { table, start, end, attributes })
}

/// The event table's cells, checked and converted, in file order.
struct Parsed {
    ids: Vec<u32>,
    id_names: Vec<String>,
    times: Vec<i64>,
    /// Each event's type code into `type_names` (every distinct type, in first-seen order).
    type_codes: Vec<u32>,
    type_names: Vec<String>,
    /// Row by row, `values.len()` a row.
    amounts: Vec<f64>,
}

fn parse_events(table: &Table, columns: &EventColumns) -> Result<Parsed> {
    let n = table.rows();
    let bad = |r: usize, message: String| Error::data(&table.path, format!("{}: {message}", table.locate(r)));
    let mut parsed = Parsed {
        ids: Vec::with_capacity(n),
        id_names: Vec::new(),
        times: Vec::with_capacity(n),
        type_codes: Vec::with_capacity(n),
        type_names: Vec::new(),
        amounts: Vec::with_capacity(n * columns.values.len()),
    };
    let mut id_codes: HashMap<String, u32> = HashMap::new();
    let mut type_codes: HashMap<String, u32> = HashMap::new();
    let mut zoned: [Option<usize>; 2] = [None, None];
    let (id_col, time_col) = (&table.columns[columns.id], &table.columns[columns.time]);
    let time_name = &table.names[columns.time];
    for r in 0..n {
        let Some(id) = id_col.value(r).as_id().filter(|s| !s.is_empty()) else {
            return Err(bad(r, format!("the customer id ({}) is missing", table.names[columns.id])));
        };
        let next = id_codes.len() as u32;
        parsed.ids.push(*id_codes.entry(id).or_insert_with_key(|k| {
            parsed.id_names.push(k.clone());
            next
        }));
        let (time, has_offset) = match time_col.value(r) {
            Value::Text(s) => parse_timestamp(s).ok_or_else(|| {
                bad(
                    r,
                    format!(
                        "{time_name} \"{s}\" is not a timestamp (ISO 8601: 2024-03-09, 2024-03-09T10:15:00Z)"
                    ),
                )
            })?,
            Value::Missing => return Err(bad(r, format!("{time_name} is missing"))),
            other => return Err(bad(r, format!("{time_name} is {other:?}, not an ISO 8601 timestamp"))),
        };
        zoned[usize::from(has_offset)].get_or_insert(r);
        parsed.times.push(time);
        let kind = match columns.kind {
            Some(k) => table.columns[k]
                .value(r)
                .as_id()
                .filter(|s| !s.is_empty())
                .ok_or_else(|| bad(r, format!("the event type ({}) is missing", table.names[k])))?,
            None => String::new(),
        };
        let next = type_codes.len() as u32;
        parsed.type_codes.push(*type_codes.entry(kind).or_insert_with_key(|k| {
            parsed.type_names.push(k.clone());
            next
        }));
        for &v in &columns.values {
            parsed.amounts.push(match table.columns[v].value(r) {
                Value::Number(x) => x,
                Value::Missing => f64::NAN,
                Value::Text(s) if scorer_wasm::value::is_missing_text(s) => f64::NAN,
                Value::Text(s) => parse_number(s)
                    .ok_or_else(|| bad(r, format!("{} \"{s}\" is not a number", table.names[v])))?,
                Value::Bool(b) => return Err(bad(r, format!("{} is {b}, not a number", table.names[v]))),
            });
        }
    }
    if let [Some(naive), Some(offset)] = zoned {
        return Err(Error::data(
            &table.path,
            format!(
                "{time_name} mixes times with a UTC offset ({}) and without one ({}): which instant a time \
                 without an offset means is unknown; write every time in UTC (…Z) or every time without an offset",
                table.locate(offset),
                table.locate(naive)
            ),
        ));
    }
    Ok(parsed)
}

/// The customers (ids in order) and each event's customer index: the customer table's rows,
/// or without one the ids the events name, in first-seen order.
fn index_customers(
    parsed: &Parsed,
    id_name: &str,
    customers: Option<&Customers>,
) -> Result<(Vec<String>, Vec<u32>)> {
    let Some(customers) = customers else {
        return Ok((parsed.id_names.clone(), parsed.ids.clone()));
    };
    let t = &customers.table;
    let id_col = &t.columns[find(t, id_name, "customer id")?];
    let mut index: HashMap<String, u32> = HashMap::with_capacity(t.rows());
    let mut ids = Vec::with_capacity(t.rows());
    for r in 0..t.rows() {
        let Some(id) = id_col.value(r).as_id().filter(|s| !s.is_empty()) else {
            return Err(Error::data(
                &t.path,
                format!("{}: the customer id ({id_name}) is missing", t.locate(r)),
            ));
        };
        if index.insert(id.clone(), r as u32).is_some() {
            return Err(Error::data(
                &t.path,
                format!(
                    "{}: customer \"{id}\" is listed twice; a customer table has one row a customer",
                    t.locate(r)
                ),
            ));
        }
        ids.push(id);
    }
    let code_to_customer: Vec<Option<u32>> = parsed.id_names.iter().map(|n| index.get(n).copied()).collect();
    let unknown: Vec<&String> =
        parsed.id_names.iter().zip(&code_to_customer).filter(|(_, c)| c.is_none()).map(|(n, _)| n).collect();
    if !unknown.is_empty() {
        let events = parsed.ids.iter().filter(|&&i| code_to_customer[i as usize].is_none()).count();
        let examples: Vec<String> = unknown.iter().take(3).map(|n| format!("\"{n}\"")).collect();
        return Err(Error::data(
            &t.path,
            format!(
                "{events} events name {} customers this table does not list (for example {}); add them to the \
                 customer table or leave their events out",
                unknown.len(),
                examples.join(", ")
            ),
        ));
    }
    let customer_of = parsed.ids.iter().map(|&i| code_to_customer[i as usize].unwrap_or(0)).collect();
    Ok((ids, customer_of))
}

/// The types with features of their own: the [`MAX_TYPES`] most frequent (ties by name).
fn frequent_types(names: &[String], codes: &[u32], findings: &mut Vec<String>) -> Vec<u32> {
    let mut counts = vec![0usize; names.len()];
    for &c in codes {
        counts[c as usize] += 1;
    }
    let mut order: Vec<u32> = (0..names.len() as u32).filter(|&t| !names[t as usize].is_empty()).collect();
    order.sort_by(|&a, &b| {
        counts[b as usize].cmp(&counts[a as usize]).then_with(|| names[a as usize].cmp(&names[b as usize]))
    });
    if order.len() > MAX_TYPES {
        let rest = &order[MAX_TYPES..];
        let events: usize = rest.iter().map(|&t| counts[t as usize]).sum();
        findings.push(format!(
            "{} rare event types ({events} events) count among all events but have no features of their own",
            rest.len()
        ));
        order.truncate(MAX_TYPES);
    }
    order
}

/// Puts every customer's events in canonical order, counting exact duplicates (same time, type
/// and values) once.
fn arrange(log: &mut EventLog, parsed: &Parsed, customer_of: &[u32]) {
    let width = log.values.len();
    let feature_type: Vec<u32> = parsed
        .type_names
        .iter()
        .map(|name| log.types.iter().position(|t| t == name).map_or(OTHER_TYPE, |k| k as u32))
        .collect();
    let customers = log.ids.len();
    let mut offsets = vec![0usize; customers + 1];
    for &c in customer_of {
        offsets[c as usize + 1] += 1;
    }
    for c in 0..customers {
        offsets[c + 1] += offsets[c];
    }
    let mut slots = vec![0u32; customer_of.len()];
    let mut fill = offsets.clone();
    for (e, &c) in customer_of.iter().enumerate() {
        slots[fill[c as usize]] = e as u32;
        fill[c as usize] += 1;
    }
    let row = |e: u32| &parsed.amounts[e as usize * width..(e as usize + 1) * width];
    let (mut times, mut kinds, mut amounts) = (Vec::new(), Vec::new(), Vec::new());
    let mut duplicates = 0usize;
    log.offsets = Vec::with_capacity(customers + 1);
    log.offsets.push(0);
    for c in 0..customers {
        let mut mine: Vec<u32> = slots[offsets[c]..offsets[c + 1]].to_vec();
        // Exact duplicates, by the type as written (two rare types are not one).
        let key = |&e: &u32| (parsed.times[e as usize], parsed.type_codes[e as usize]);
        let bits = |e: u32| row(e).iter().map(|x| x.to_bits());
        mine.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| bits(*a).cmp(bits(*b))));
        let before = mine.len();
        mine.dedup_by(|a, b| key(a) == key(b) && bits(*a).eq(bits(*b)));
        duplicates += before - mine.len();
        let t: Vec<i64> = mine.iter().map(|&e| parsed.times[e as usize]).collect();
        let k: Vec<u32> =
            mine.iter().map(|&e| feature_type[parsed.type_codes[e as usize] as usize]).collect();
        let v: Vec<f64> = mine.iter().flat_map(|&e| row(e).iter().copied()).collect();
        for i in canonical_order(&t, &k, &v, width) {
            times.push(t[i]);
            kinds.push(k[i]);
            amounts.extend_from_slice(&v[i * width..(i + 1) * width]);
        }
        log.offsets.push(times.len());
    }
    if duplicates > 0 {
        log.findings.push(format!(
            "{duplicates} events repeat another event of the same customer exactly (time, type and values); each counts once"
        ));
    }
    (log.times, log.kinds, log.amounts) = (times, kinds, amounts);
}

/// Lifecycle instants from the customer table (midnight UTC of each date), and the events
/// outside a customer's life, reported.
fn lifecycle(log: &mut EventLog) -> Result<()> {
    let n = log.ids.len();
    let Some(customers) = &log.customers else {
        (log.starts, log.ends) = (vec![None; n], vec![None; n]);
        return Ok(());
    };
    let t = &customers.table;
    let read = |column: Option<usize>| -> Result<Vec<Option<i64>>> {
        let Some(c) = column else { return Ok(vec![None; n]) };
        (0..n)
            .map(|r| match t.columns[c].value(r) {
                v if v.is_missing() => Ok(None),
                Value::Text(s) => {
                    parse_date(s).map(|d| Some(i64::from(d) * scorer_wasm::events::DAY)).ok_or_else(|| {
                        Error::data(
                            &t.path,
                            format!("{}: {} \"{s}\" is not a date (YYYY-MM-DD)", t.locate(r), t.names[c]),
                        )
                    })
                }
                other => Err(Error::data(
                    &t.path,
                    format!("{}: {} is {other:?}, not a date (YYYY-MM-DD)", t.locate(r), t.names[c]),
                )),
            })
            .collect()
    };
    let (starts, ends) = (read(customers.start)?, read(customers.end)?);
    if let Some(r) = (0..n).find(|&r| matches!((starts[r], ends[r]), (Some(s), Some(e)) if e < s)) {
        return Err(Error::data(&t.path, format!("{}: the customer ends before it starts", t.locate(r))));
    }
    let (mut early, mut late) = (0usize, 0usize);
    for c in 0..n {
        for &time in &log.times[log.offsets[c]..log.offsets[c + 1]] {
            early += usize::from(starts[c].is_some_and(|s| time < s));
            late += usize::from(ends[c].is_some_and(|e| time >= e + scorer_wasm::events::DAY));
        }
    }
    if early > 0 {
        log.findings.push(format!(
            "{early} events come before their customer's start date; they count in the features as they happened"
        ));
    }
    if late > 0 {
        log.findings.push(format!(
            "{late} events come after their customer's end date; no snapshot reads them, since a customer who has \
             left is not scored"
        ));
    }
    (log.starts, log.ends) = (starts, ends);
    Ok(())
}

/// Names in quotes, comma-separated.
fn quoted(names: &[String]) -> String {
    names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
}
