//! Behaviour features from one customer's events at an as-of time: the one definition the
//! trainer computes for every (customer, snapshot) and every scorer computes for a request.
//!
//! An [`EventSpec`] (stored in an event model's file) names the event types and numeric values a
//! model counts and the windows it counts them over. [`EventSpec::features`] turns one customer's
//! [`Events`], in [canonical order](canonical_order), and an as-of time `T` into the feature
//! values, in the order of [`EventSpec::feature_names`]:
//!
//! - for each window of `w` days, over events at `T − w·86400 ≤ t < T`: the events, the active
//!   days (distinct 24-hour periods counted back from `T` with an event), the change in events
//!   from the `w` days before (`T − 2w` to `T − w`), for each event type its events, and for
//!   each numeric value its sum, mean and the change in its sum;
//! - days since the last event, and since the last event of each type;
//! - tenure in days, when the customer's start is known.
//!
//! Only events strictly before `T` are read: an event at or after it changes nothing, whatever
//! the order it is given in. A feature without events to measure (a mean over an empty window,
//! days since an event that never happened, an unknown start) is missing (`NaN`), which the
//! pipeline imputes and reports as for any missing input. No IO, no allocation per event.

use bincode::{Decode, Encode};

/// Seconds in a day: windows and ages are counted in 24-hour periods from the as-of time.
pub const DAY: i64 = 86_400;

/// The type index of an event whose type the model does not know: it counts among all events
/// (and their days) but in no type's features.
pub const OTHER_TYPE: u32 = u32::MAX;

/// The event table a model learned from, and the features it computes from it.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
pub struct EventSpec {
    /// The event table's columns: the customer identifier, the time, the event type (if any).
    pub id_column: String,
    pub time_column: String,
    pub type_column: Option<String>,
    /// The event types that have features of their own, in feature order.
    pub types: Vec<String>,
    /// Numeric value columns of the event table, in feature order.
    pub values: Vec<String>,
    /// Windows in days, shortest first.
    pub windows: Vec<u32>,
    /// Whether tenure (days since the customer's start) is a feature.
    pub tenure: bool,
    /// The customer table's lifecycle columns, when it has them.
    pub start_column: Option<String>,
    pub end_column: Option<String>,
    /// Days after a snapshot in which churn is counted: its label's horizon.
    pub horizon_days: u32,
    /// Without an end date, a customer is active at `T` with an event in the `active_days` before.
    pub active_days: u32,
    /// Days between snapshots in training.
    pub every_days: u32,
}

/// One customer's events as columns, in [`canonical_order`]: times in seconds since
/// 1970-01-01 UTC, type indices into [`EventSpec::types`] (or [`OTHER_TYPE`]), and the numeric
/// values row by row (`times.len() × spec.values.len()`, `NaN` where missing).
#[derive(Clone, Copy, Debug)]
pub struct Events<'a> {
    pub times: &'a [i64],
    pub types: &'a [u32],
    pub values: &'a [f64],
}

/// The order [`EventSpec::features`] reads events in: by time, then type, then values (by their
/// bits). Sums depend on the order of their terms, so every runtime sorts the same way and gets
/// the same bits whatever order the events came in.
pub fn canonical_order(times: &[i64], types: &[u32], values: &[f64], width: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..times.len()).collect();
    let row = |i: usize| values.get(i * width..(i + 1) * width).unwrap_or(&[]);
    order.sort_by(|&a, &b| {
        (times[a], types[a])
            .cmp(&(times[b], types[b]))
            .then_with(|| row(a).iter().map(|v| v.to_bits()).cmp(row(b).iter().map(|v| v.to_bits())))
    });
    order
}

/// Sums over one window of events.
#[derive(Clone, Copy, Default)]
struct Tally {
    events: f64,
    active_days: f64,
}

/// The longest window, horizon or grid step a model may have, in days (ten years).
pub const MAX_DAYS: u32 = 3660;

impl EventSpec {
    /// Checks a spec read from a model file: bounded sizes, and a pipeline column for every
    /// feature it computes.
    pub fn check(&self, pipeline: &crate::pipeline::Pipeline) -> Result<(), String> {
        let days = |d: u32| (1..=MAX_DAYS).contains(&d);
        if self.windows.is_empty() || self.windows.len() > 16 || !self.windows.iter().all(|&w| days(w)) {
            return Err(format!("the event windows must be 1 to 16 spans of 1 to {MAX_DAYS} days"));
        }
        if !(days(self.horizon_days) && days(self.active_days) && days(self.every_days)) {
            return Err(format!(
                "the event horizon, activity window and grid step must be 1 to {MAX_DAYS} days"
            ));
        }
        if self.types.len() > 256 || self.values.len() > 64 {
            return Err("an event model counts at most 256 event types and 64 values".into());
        }
        let columns = pipeline.columns();
        for name in self.feature_names() {
            if !columns.iter().any(|c| c.name == name) {
                return Err(format!("the behaviour feature \"{name}\" has no column in the pipeline"));
            }
        }
        Ok(())
    }

    /// The features' names, in the order [`features`](Self::features) writes them; plain words,
    /// as the report and explanations show them.
    pub fn feature_names(&self) -> Vec<String> {
        let mut names = Vec::with_capacity(self.feature_count());
        for &w in &self.windows {
            names.push(format!("events in the last {w} days"));
            names.push(format!("active days in the last {w} days"));
            names.push(format!("change in events, last {w} days against the {w} before"));
            for t in &self.types {
                names.push(format!("{t} events in the last {w} days"));
            }
            for v in &self.values {
                names.push(format!("{v} sum in the last {w} days"));
                names.push(format!("{v} mean in the last {w} days"));
                names.push(format!("change in {v} sum, last {w} days against the {w} before"));
            }
        }
        names.push("days since the last event".into());
        for t in &self.types {
            names.push(format!("days since the last {t} event"));
        }
        if self.tenure {
            names.push("tenure in days".into());
        }
        names
    }

    /// How many features the spec computes.
    pub fn feature_count(&self) -> usize {
        let per_window = 3 + self.types.len() + 3 * self.values.len();
        self.windows.len() * per_window + 1 + self.types.len() + usize::from(self.tenure)
    }

    /// Appends to `out` the features of a customer with these `events` (in [`canonical_order`])
    /// at `as_of` (seconds since 1970-01-01 UTC), who started at `start` if known.
    pub fn features(&self, events: &Events<'_>, as_of: i64, start: Option<i64>, out: &mut Vec<f64>) {
        let width = self.values.len();
        // Only events strictly before the as-of time exist for the features.
        let seen = events.times.partition_point(|&t| t < as_of).min(events.types.len());
        let times = &events.times[..seen];
        let types = &events.types[..seen];
        let values = events.values.get(..seen * width).unwrap_or(&[]);
        for &w in &self.windows {
            let span = i64::from(w) * DAY;
            let recent = window(times, as_of.saturating_sub(span), as_of);
            let before = window(times, as_of.saturating_sub(2 * span), as_of.saturating_sub(span));
            let now = tally(&times[recent.clone()], as_of);
            out.push(now.events);
            out.push(now.active_days);
            out.push(now.events - before.len() as f64);
            for k in 0..self.types.len() as u32 {
                let count =
                    |r: &core::ops::Range<usize>| types[r.clone()].iter().filter(|&&t| t == k).count();
                out.push(count(&recent) as f64);
            }
            for v in 0..width {
                let (sum, n) = sum_of(values, width, v, recent.clone());
                let (sum_before, _) = sum_of(values, width, v, before.clone());
                out.push(sum);
                out.push(if n == 0 { f64::NAN } else { sum / n as f64 });
                out.push(sum - sum_before);
            }
        }
        let age = |t: Option<&i64>| t.map_or(f64::NAN, |&t| as_of.saturating_sub(t) as f64 / DAY as f64);
        out.push(age(times.last()));
        for k in 0..self.types.len() as u32 {
            out.push(age(types.iter().rposition(|&t| t == k).map(|i| &times[i])));
        }
        if self.tenure {
            out.push(start.map_or(f64::NAN, |s| as_of.saturating_sub(s) as f64 / DAY as f64));
        }
    }
}

/// The events with `from ≤ t < to`, as a range of sorted `times`.
fn window(times: &[i64], from: i64, to: i64) -> core::ops::Range<usize> {
    let start = times.partition_point(|&t| t < from);
    let end = times.partition_point(|&t| t < to).max(start);
    start..end
}

/// Events and active days among `times` (sorted, all before `as_of`).
fn tally(times: &[i64], as_of: i64) -> Tally {
    let mut t = Tally { events: times.len() as f64, active_days: 0.0 };
    let mut last_day = None;
    for &time in times {
        let day = (as_of - 1 - time).div_euclid(DAY);
        if last_day != Some(day) {
            t.active_days += 1.0;
            last_day = Some(day);
        }
    }
    t
}

/// The sum of value `v` over events `range`, and how many of them have it.
fn sum_of(values: &[f64], width: usize, v: usize, range: core::ops::Range<usize>) -> (f64, usize) {
    let mut sum = 0.0;
    let mut n = 0;
    for i in range {
        if let Some(&x) = values.get(i * width + v)
            && !x.is_nan()
        {
            sum += x;
            n += 1;
        }
    }
    (sum, n)
}

/// Writes seconds since 1970-01-01 as `YYYY-MM-DDTHH:MM:SS`, with a `Z` when `utc` (the form
/// [`parse_timestamp`] reads back to the same second).
pub fn format_timestamp(seconds: i64, utc: bool) -> String {
    let day = seconds.div_euclid(DAY).clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
    let s = seconds.rem_euclid(DAY);
    let zone = if utc { "Z" } else { "" };
    format!("{}T{:02}:{:02}:{:02}{zone}", crate::value::format_date(day), s / 3600, s / 60 % 60, s % 60)
}

/// Parses a timestamp into seconds since 1970-01-01 UTC: an ISO 8601 date (`2024-03-09`, at
/// midnight), optionally with a time of day after `T` or a space (`HH:MM`, `HH:MM:SS`, fractions
/// of a second ignored) and a UTC offset (`Z`, `+02:00`, `-0530`). The second value says whether
/// the text carried an offset: a column that mixes both is ambiguous, which callers refuse.
pub fn parse_timestamp(s: &str) -> Option<(i64, bool)> {
    let t = s.trim();
    let days = i64::from(crate::value::parse_date(t.get(..10)?)?);
    let rest = &t[10..];
    if rest.is_empty() {
        return Some((days * DAY, false));
    }
    let rest = rest.strip_prefix(['T', ' '])?;
    let b = rest.as_bytes();
    let two = |i: usize| -> Option<i64> {
        let (x, y) = (*b.get(i)?, *b.get(i + 1)?);
        (x.is_ascii_digit() && y.is_ascii_digit()).then(|| i64::from((x - b'0') * 10 + (y - b'0')))
    };
    let (hour, minute) = (two(0)?, two(3)?);
    if b.get(2) != Some(&b':') || hour > 23 || minute > 59 {
        return None;
    }
    let mut i = 5;
    let mut second = 0;
    if b.get(i) == Some(&b':') {
        second = two(i + 1)?;
        if second > 60 {
            return None;
        }
        i += 3;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return None;
            }
            i += digits;
        }
    }
    let local = days * DAY + hour * 3600 + minute * 60 + second;
    let (offset, zoned) = match &b[i..] {
        [] => (0, false),
        [b'Z' | b'z'] => (0, true),
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let hm = match tail {
                [_, _, b':', _, _] => [0, 3],
                [_, _, _, _] => [0, 2],
                [_, _] => [0, usize::MAX],
                _ => return None,
            };
            let h = two(i + 1 + hm[0])?;
            let m = if hm[1] == usize::MAX { 0 } else { two(i + 1 + hm[1])? };
            if h > 23 || m > 59 {
                return None;
            }
            let secs = h * 3600 + m * 60;
            (if *sign == b'+' { secs } else { -secs }, true)
        }
        _ => return None,
    };
    Some((local - offset, zoned))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> EventSpec {
        EventSpec {
            id_column: "customer_id".into(),
            time_column: "time".into(),
            type_column: Some("type".into()),
            types: vec!["login".into(), "ticket".into()],
            values: vec!["amount".into()],
            windows: vec![7, 28],
            tenure: true,
            start_column: Some("start".into()),
            end_column: Some("end".into()),
            horizon_days: 30,
            active_days: 90,
            every_days: 28,
        }
    }

    #[test]
    fn timestamps_parse_with_and_without_offsets() {
        assert_eq!(parse_timestamp("1970-01-02"), Some((DAY, false)));
        assert_eq!(parse_timestamp("1970-01-01T01:02:03"), Some((3723, false)));
        assert_eq!(parse_timestamp("1970-01-01 01:02"), Some((3720, false)));
        assert_eq!(parse_timestamp("1970-01-01T01:00:00Z"), Some((3600, true)));
        assert_eq!(parse_timestamp("1970-01-01T01:00:00.250+01:00"), Some((0, true)));
        assert_eq!(parse_timestamp("1970-01-01T00:00-0130"), Some((5400, true)));
        assert_eq!(parse_timestamp("1970-01-01T00:00+02"), Some((-7200, true)));
        assert_eq!(format_timestamp(-1, true), "1969-12-31T23:59:59Z");
        assert_eq!(parse_timestamp(&format_timestamp(93_784, false)), Some((93_784, false)));
        for bad in
            ["", "1970-01-01T", "1970-01-01T24:00", "1970-01-01T1:00", "1970-01-01T01:00+2", "01/02/1970"]
        {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn features_count_only_what_happened_before_the_as_of_time() {
        let spec = spec();
        let as_of = 100 * DAY;
        // A login 1 day before, a ticket 10 days before (amount 5), a login 40 days before
        // (amount 3), and an event at the as-of time that must not count.
        let times = [60 * DAY, 90 * DAY, 99 * DAY, 100 * DAY];
        let types = [0, 1, 0, 1];
        let values = [3.0, 5.0, f64::NAN, 1000.0];
        let mut out = Vec::new();
        spec.features(&Events { times: &times, types: &types, values: &values }, as_of, Some(0), &mut out);
        let names = spec.feature_names();
        assert_eq!(out.len(), names.len());
        assert_eq!(out.len(), spec.feature_count());
        let got = |name: &str| out[names.iter().position(|n| n == name).unwrap()];
        assert_eq!(got("events in the last 7 days"), 1.0);
        assert_eq!(got("events in the last 28 days"), 2.0);
        assert_eq!(got("active days in the last 28 days"), 2.0);
        assert_eq!(got("change in events, last 28 days against the 28 before"), 1.0);
        assert_eq!(got("ticket events in the last 28 days"), 1.0);
        assert_eq!(got("amount sum in the last 28 days"), 5.0);
        assert_eq!(got("amount mean in the last 28 days"), 5.0);
        assert!(got("amount mean in the last 7 days").is_nan());
        assert_eq!(got("change in amount sum, last 28 days against the 28 before"), 2.0);
        assert_eq!(got("days since the last event"), 1.0);
        assert_eq!(got("days since the last ticket event"), 10.0);
        assert_eq!(got("tenure in days"), 100.0);
    }

    #[test]
    fn the_canonical_order_makes_features_independent_of_input_order() {
        let spec = spec();
        let times = [5 * DAY, DAY, 5 * DAY, 3 * DAY];
        let types = [1, 0, 0, OTHER_TYPE];
        let values = [0.1, 0.2, 0.3, 0.7];
        fn reversed<T: Copy>(xs: &[T]) -> Vec<T> {
            xs.iter().rev().copied().collect()
        }
        let features = |times: &[i64], types: &[u32], values: &[f64]| {
            let order = canonical_order(times, types, values, 1);
            let t: Vec<i64> = order.iter().map(|&i| times[i]).collect();
            let k: Vec<u32> = order.iter().map(|&i| types[i]).collect();
            let v: Vec<f64> = order.iter().map(|&i| values[i]).collect();
            let mut out = Vec::new();
            spec.features(&Events { times: &t, types: &k, values: &v }, 10 * DAY, None, &mut out);
            out.iter().map(|x| x.to_bits()).collect::<Vec<u64>>()
        };
        assert_eq!(
            features(&times, &types, &values),
            features(&reversed(&times), &reversed(&types), &reversed(&values))
        );
    }
}
