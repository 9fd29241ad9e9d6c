//! `churn synth --events`: an event log, a customer table and the truth, from a documented
//! mechanism in which churn follows behaviour.
//!
//! Each customer starts on a day of the first 600 of a two-year span (2024-01-01 to 2025-12-31)
//! with a plan (basic, standard, premium; a monthly fee around 15, 30 or 55) and a sign-up
//! channel (web, store, partner), and moves day by day through four hidden engagement states,
//! engaged → normal → waning → disengaged: down one state with probability 0.005 a day, up one
//! with 0.003. The state sets everything that happens on a day:
//!
//! | state | logins a day | minutes a login | support tickets a day | a payment fails | daily churn logit |
//! |---|---|---|---|---|---|
//! | engaged | 3.0 | 25 | 0.004 | 1 % | −8.2 |
//! | normal | 1.5 | 18 | 0.008 | 2 % | −7.2 |
//! | waning | 0.6 | 10 | 0.030 | 10 % | −5.6 |
//! | disengaged | 0.15 | 5 | 0.050 | 25 % | −4.4 |
//!
//! (logins vary by a per-customer factor, log-normal with σ = 0.15; minutes are exponential).
//! The daily churn logit adds 0.03 for every unit of monthly fee above 30 and 0.3 for the partner
//! channel. Every 30 days from the start the customer pays the fee (`payment`, `amount`), or the
//! payment fails (`payment_failed`). A customer who churns on day E has an end date E and no
//! events from E on, except the **leakage trap**: 70 % answer an `exit_survey` 1 to 10 days after
//! leaving, which no honest feature can see.
//!
//! `truth.csv` holds, for exactly the snapshot rows `churn train` builds from these files by
//! default, the label and two probabilities of churn within the horizon, both exact (no
//! sampling):
//! - `true_churn_probability`, given everything these files show before the snapshot: the
//!   customer's plan, fee, channel and start, and every event. A forward filter over the hidden
//!   states (and the login factor, on a grid of 41 points) weighs each day's logins, minutes,
//!   tickets and payments, and the customer's staying, by the table above; the engagement chain
//!   then runs forward 30 days from the filtered state. No model of these files can rank the
//!   rows better, so this is the ceiling a trained model's ROC AUC is measured against.
//! - `hidden_state_churn_probability`, given the hidden state itself at the snapshot, which no
//!   file shows: an oracle's ranking, above what any model can reach.

use std::path::Path;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, LogNormal, Poisson};
use scorer_wasm::events::DAY;
use scorer_wasm::math::sigmoid;
use scorer_wasm::value::parse_date;

use crate::error::{Error, Result};
use crate::input::data::Format;
use crate::input::events::{LogOptions, read_log};
use crate::input::snapshots::{self, SnapshotOptions};
use crate::input::synth::{Field, Kind, write_lines, write_parquet};

const STATES: usize = 4;
const LOGINS: [f64; STATES] = [3.0, 1.5, 0.6, 0.15];
const MINUTES: [f64; STATES] = [25.0, 18.0, 10.0, 5.0];
const TICKETS: [f64; STATES] = [0.004, 0.008, 0.03, 0.05];
const FAILS: [f64; STATES] = [0.01, 0.02, 0.10, 0.25];
const CHURN_LOGIT: [f64; STATES] = [-8.2, -7.2, -5.6, -4.4];
const DOWN: f64 = 0.005;
const UP: f64 = 0.003;
const FIRST_STATE: [f64; STATES] = [0.35, 0.35, 0.2, 0.1];
const SPAN_DAYS: i64 = 731;
const START_DAYS: i64 = 600;
const PLANS: [(&str, f64); 3] = [("basic", 15.0), ("standard", 30.0), ("premium", 55.0)];
const CHANNELS: [&str; 3] = ["web", "store", "partner"];

const EVENT_COLUMNS: [(&str, Kind); 5] = [
    ("customer_id", Kind::Text),
    ("time", Kind::Time),
    ("event", Kind::Text),
    ("minutes", Kind::Float),
    ("amount", Kind::Float),
];
const CUSTOMER_COLUMNS: [(&str, Kind); 6] = [
    ("customer_id", Kind::Text),
    ("start_date", Kind::Date),
    ("end_date", Kind::Date),
    ("plan", Kind::Text),
    ("monthly_fee", Kind::Float),
    ("channel", Kind::Text),
];
const TRUTH_COLUMNS: [(&str, Kind); 5] = [
    ("customer_id", Kind::Text),
    ("snapshot", Kind::Date),
    ("churned", Kind::Text),
    ("true_churn_probability", Kind::Float),
    ("hidden_state_churn_probability", Kind::Float),
];

/// One simulated customer.
struct Customer {
    id: u64,
    start: i64,
    end: Option<i64>,
    plan: usize,
    fee: f64,
    channel: usize,
    /// The hidden state on each day from the start (index 0) while the customer stays.
    states: Vec<u8>,
    events: Vec<Event>,
}

/// One event, compactly (32 bytes: ten million events fit in memory while they are written).
struct Event {
    time: i64,
    kind: &'static str,
    minutes: Option<f64>,
    amount: Option<f64>,
}

impl Event {
    fn fields(&self, id: u64) -> Vec<Field> {
        let number = |x: Option<f64>| x.map_or(Field::Missing, Field::Float);
        vec![
            Field::Id(id),
            Field::Time(self.time),
            Field::Text(self.kind),
            number(self.minutes),
            number(self.amount),
        ]
    }
}

/// The daily churn probability in each state, for a customer's fee and channel.
fn hazards(fee: f64, channel: usize) -> [f64; STATES] {
    CHURN_LOGIT.map(|a| sigmoid(a + 0.03 * (fee - 30.0) + if channel == 2 { 0.3 } else { 0.0 }))
}

/// The probability of churning within `days` days, starting the day after one spent in `state`.
fn churn_within(state: usize, hazard: &[f64; STATES], days: u32) -> f64 {
    let mut alive = [0.0; STATES];
    alive[state] = 1.0;
    let mut churned = 0.0;
    for _ in 0..days {
        let next = transition(&alive);
        for s in 0..STATES {
            churned += next[s] * hazard[s];
            alive[s] = next[s] * (1.0 - hazard[s]);
        }
    }
    churned
}

/// One day of the engagement chain: the weight of each state after a step from `weights`.
fn transition(weights: &[f64; STATES]) -> [f64; STATES] {
    let mut next = [0.0; STATES];
    for s in 0..STATES {
        let down = if s + 1 < STATES { DOWN } else { 0.0 };
        let up = if s > 0 { UP } else { 0.0 };
        next[s] += weights[s] * (1.0 - down - up);
        if s + 1 < STATES {
            next[s + 1] += weights[s] * down;
        }
        if s > 0 {
            next[s - 1] += weights[s] * up;
        }
    }
    next
}

/// Points of the grid over the customer's login factor (log-normal, σ = 0.15) in the filter: 41
/// points, ±5 standard deviations.
const FACTOR_POINTS: usize = 41;

/// The belief of the forward filter: the weight of each (login factor, state) pair given the
/// customer's days so far, normalised.
struct Filter {
    factors: [f64; FACTOR_POINTS],
    belief: Vec<[f64; STATES]>,
    hazard: [f64; STATES],
}

impl Filter {
    fn new(hazard: [f64; STATES]) -> Filter {
        let z = |j: usize| -5.0 + 10.0 * j as f64 / (FACTOR_POINTS - 1) as f64;
        let factors = std::array::from_fn(|j| (0.15 * z(j)).exp());
        let belief =
            (0..FACTOR_POINTS).map(|j| FIRST_STATE.map(|w| w * (-z(j) * z(j) / 2.0).exp())).collect();
        let mut filter = Filter { factors, belief, hazard };
        filter.normalise();
        filter
    }

    fn normalise(&mut self) {
        let total: f64 = self.belief.iter().flatten().sum();
        if total > 0.0 {
            self.belief.iter_mut().flatten().for_each(|w| *w /= total);
        }
    }

    /// A day's step of the chain, and the customer's staying through it.
    fn advance(&mut self) {
        for weights in &mut self.belief {
            let next = transition(weights);
            *weights = std::array::from_fn(|s| next[s] * (1.0 - self.hazard[s]));
        }
    }

    /// Weighs the belief by the likelihood of one day's events (`day` of the customer's life,
    /// counted from 0 at the start).
    fn observe(&mut self, day: i64, events: &[Event]) {
        let logins = events.iter().filter(|e| e.kind == "login").count() as f64;
        let ticket = events.iter().any(|e| e.kind == "support_ticket");
        let mut log_state = [0.0; STATES];
        for (s, l) in log_state.iter_mut().enumerate() {
            // Minutes are exponential, rounded to a tenth: the chance of the interval each lies in.
            for m in events.iter().filter_map(|e| e.minutes) {
                let cdf = |x: f64| 1.0 - (-x.max(0.0) / MINUTES[s]).exp();
                *l += (cdf(m + 0.05) - cdf(m - 0.05)).max(f64::MIN_POSITIVE).ln();
            }
            *l += if ticket { TICKETS[s] } else { 1.0 - TICKETS[s] }.ln();
            if day % 30 == 0 {
                let failed = events.iter().any(|e| e.kind == "payment_failed");
                *l += if failed { FAILS[s] } else { 1.0 - FAILS[s] }.ln();
            }
        }
        let mut log_likelihood: Vec<[f64; STATES]> = self
            .factors
            .iter()
            .map(|f| std::array::from_fn(|s| log_state[s] + logins * (LOGINS[s] * f).ln() - LOGINS[s] * f))
            .collect();
        let top = log_likelihood.iter().flatten().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        for (weights, ll) in self.belief.iter_mut().zip(&mut log_likelihood) {
            for s in 0..STATES {
                weights[s] *= (ll[s] - top).exp();
            }
        }
        self.normalise();
    }

    /// The probability of churn within `days` after the next day, given the customer stays
    /// through it: the snapshot's churn probability, given the days observed so far.
    fn churn_within(&self, days: u32) -> f64 {
        let mut state = [0.0; STATES];
        for weights in &self.belief {
            let next = transition(weights);
            for s in 0..STATES {
                state[s] += next[s] * (1.0 - self.hazard[s]);
            }
        }
        let total: f64 = state.iter().sum();
        (0..STATES).map(|s| state[s] / total * churn_within(s, &self.hazard, days)).sum()
    }
}

/// The churn probability within `horizon` days of each snapshot day in `snapshots` (ascending,
/// each after the customer's start, while the customer stays), given the customer's events
/// before it: [`Filter`] run over the customer's days.
fn observable_churn(person: &Customer, snapshots: &[i64], horizon: u32) -> Vec<f64> {
    let mut filter = Filter::new(hazards(person.fee, person.channel));
    let mut events = person.events.as_slice();
    let mut observe = |filter: &mut Filter, day: i64| {
        let today = events.iter().take_while(|e| e.time.div_euclid(DAY) == day).count();
        filter.observe(day - person.start, &events[..today]);
        events = &events[today..];
    };
    observe(&mut filter, person.start);
    let mut day = person.start;
    snapshots
        .iter()
        .map(|&snapshot| {
            while day + 1 < snapshot {
                day += 1;
                filter.advance();
                observe(&mut filter, day);
            }
            filter.churn_within(horizon)
        })
        .collect()
}

fn draw_state(rng: &mut ChaCha8Rng, weights: &[f64; STATES]) -> usize {
    let mut u: f64 = rng.random();
    for (s, w) in weights.iter().enumerate() {
        if u < *w {
            return s;
        }
        u -= w;
    }
    STATES - 1
}

fn step(rng: &mut ChaCha8Rng, s: usize) -> usize {
    let u: f64 = rng.random();
    if s + 1 < STATES && u < DOWN {
        s + 1
    } else if s > 0 && (DOWN..DOWN + UP).contains(&u) {
        s - 1
    } else {
        s
    }
}

fn simulate(rng: &mut ChaCha8Rng, id: u64, first_day: i64) -> Result<Customer> {
    let start = first_day + rng.random_range(0..START_DAYS);
    let plan = rng.random_range(0..PLANS.len());
    let fee = (PLANS[plan].1 * (1.0 + 0.1 * (rng.random::<f64>() - 0.5)) * 100.0).round() / 100.0;
    let channel = rng.random_range(0..CHANNELS.len());
    let hazard = hazards(fee, channel);
    let factor = LogNormal::new(0.0, 0.15).map_err(|e| Error::Training(e.to_string()))?.sample(rng);
    let mut c = Customer { id, start, end: None, plan, fee, channel, states: Vec::new(), events: Vec::new() };
    let mut s = draw_state(rng, &FIRST_STATE);
    let end_of_data = first_day + SPAN_DAYS;
    for day in start..end_of_data {
        if day > start {
            s = step(rng, s);
            if rng.random::<f64>() < hazard[s] {
                c.end = Some(day);
                break;
            }
        }
        c.states.push(s as u8);
        day_events(rng, &mut c, day, s, factor)?;
    }
    if let Some(end) = c.end
        && rng.random::<f64>() < 0.7
    {
        let t = (end + rng.random_range(1..=10)) * DAY + rng.random_range(0..DAY);
        if t < end_of_data * DAY {
            c.events.push(Event { time: t, kind: "exit_survey", minutes: None, amount: None });
        }
    }
    Ok(c)
}

fn day_events(rng: &mut ChaCha8Rng, c: &mut Customer, day: i64, s: usize, factor: f64) -> Result<()> {
    let bad = |e: rand_distr::PoissonError| Error::Training(e.to_string());
    let logins = Poisson::new(LOGINS[s] * factor).map_err(bad)?.sample(rng) as usize;
    let minutes = Exp::new(1.0 / MINUTES[s]).map_err(|e| Error::Training(e.to_string()))?;
    let at = |rng: &mut ChaCha8Rng| day * DAY + rng.random_range(0..DAY);
    for _ in 0..logins {
        let m = (minutes.sample(rng) * 10.0).round() / 10.0;
        c.events.push(Event { time: at(rng), kind: "login", minutes: Some(m), amount: None });
    }
    if rng.random::<f64>() < TICKETS[s] {
        c.events.push(Event { time: at(rng), kind: "support_ticket", minutes: None, amount: None });
    }
    if (day - c.start) % 30 == 0 {
        let kind = if rng.random::<f64>() < FAILS[s] { "payment_failed" } else { "payment" };
        c.events.push(Event { time: at(rng), kind, minutes: None, amount: Some(c.fee) });
    }
    Ok(())
}

/// What `synth --events` wrote.
#[derive(Clone, Debug, serde::Serialize)]
pub struct EventSynthSummary {
    pub customers: u64,
    pub events: u64,
    pub snapshot_rows: u64,
    pub churn_rate: f64,
    /// The ROC AUC of `true_churn_probability`: the best any model of the files can do.
    pub true_probability_roc_auc: f64,
    /// The ROC AUC of `hidden_state_churn_probability`: an oracle's, which sees the hidden state.
    pub hidden_state_roc_auc: f64,
}

/// Writes `events`, `customers` and `truth` files (in `format`, CSV by default) into `dir`.
pub fn write(dir: &Path, format: Option<Format>, customers: u64, seed: u64) -> Result<EventSynthSummary> {
    if customers == 0 {
        return Err(Error::Usage("--rows must be at least 1".into()));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let format = format.unwrap_or(Format::Csv);
    let file = |name: &str| dir.join(format!("{name}.{format}"));
    let first_day = i64::from(parse_date("2024-01-01").unwrap_or(19_723));
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let people: Vec<Customer> =
        (1..=customers).map(|id| simulate(&mut rng, id, first_day)).collect::<Result<_>>()?;
    let mut events = people.iter().flat_map(|c| c.events.iter().map(|e| e.fields(c.id)));
    let count = people.iter().map(|c| c.events.len() as u64).sum();
    write_file(&file("events"), format, &EVENT_COLUMNS, count, &mut || events.next().unwrap_or_default())?;
    let mut rows = people.iter().map(|c| {
        vec![
            Field::Id(c.id),
            Field::Date(c.start as i32),
            c.end.map_or(Field::Missing, |e| Field::Date(e as i32)),
            Field::Text(PLANS[c.plan].0),
            Field::Float(c.fee),
            Field::Text(CHANNELS[c.channel]),
        ]
    });
    write_file(&file("customers"), format, &CUSTOMER_COLUMNS, customers, &mut || {
        rows.next().unwrap_or_default()
    })?;
    let (truth, summary) = truth(dir, &file, &people, count)?;
    let mut truth = truth.into_iter();
    write_file(&file("truth"), format, &TRUTH_COLUMNS, summary.snapshot_rows, &mut || {
        truth.next().unwrap_or_default()
    })?;
    Ok(summary)
}

fn write_file(
    path: &Path,
    format: Format,
    columns: &[(&str, Kind)],
    rows: u64,
    next: &mut dyn FnMut() -> Vec<Field>,
) -> Result<()> {
    let out = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    match format {
        Format::Csv => write_lines(out, path, false, columns, rows, next),
        Format::Ndjson => write_lines(out, path, true, columns, rows, next),
        Format::Parquet => write_parquet(out, path, columns, rows, next),
    }
}

/// The rows `churn train` builds from the files by default, read back through its own code,
/// each with its label, the true probability given what the files show before the snapshot, and
/// the oracle's given the customer's hidden state.
fn truth(
    dir: &Path,
    file: &dyn Fn(&str) -> std::path::PathBuf,
    people: &[Customer],
    events: u64,
) -> Result<(Vec<Vec<Field>>, EventSynthSummary)> {
    let log = read_log(&LogOptions {
        events: file("events"),
        customers: Some(file("customers")),
        ..LogOptions::default()
    })
    .map_err(|e| Error::Training(format!("reading back what was written to {}: {e}", dir.display())))?;
    let opts = SnapshotOptions::default();
    let spec = snapshots::spec(&log, &opts);
    let times = snapshots::grid(&log, &opts)?;
    let mut rows = Vec::new();
    let (mut y, mut p) = (Vec::new(), Vec::new());
    let mut hidden = Vec::new();
    for (c, person) in people.iter().enumerate() {
        let hazard = hazards(person.fee, person.channel);
        let snapshots: Vec<(i64, bool)> = snapshots::customer_snapshots(&log, &spec, c, &times)
            .map(|(t, churned)| (t / DAY, churned))
            .collect();
        let days: Vec<i64> = snapshots.iter().map(|&(day, _)| day).collect();
        let observable = observable_churn(person, &days, spec.horizon_days);
        for (&(day, churned), prob) in snapshots.iter().zip(observable) {
            let state = person.states.get((day - person.start) as usize).copied().unwrap_or(0) as usize;
            let oracle = churn_within(state, &hazard, spec.horizon_days);
            y.push(if churned { 1.0 } else { 0.0 });
            p.push(prob);
            hidden.push(oracle);
            rows.push(vec![
                Field::Id(person.id),
                Field::Date(day as i32),
                Field::Text(if churned { "Yes" } else { "No" }),
                Field::Float(prob),
                Field::Float(oracle),
            ]);
        }
    }
    let summary = EventSynthSummary {
        customers: people.len() as u64,
        events,
        snapshot_rows: rows.len() as u64,
        churn_rate: y.iter().sum::<f64>() / y.len().max(1) as f64,
        true_probability_roc_auc: crate::stats::metrics::roc_auc(&y, &p),
        hidden_state_roc_auc: crate::stats::metrics::roc_auc(&y, &hidden),
    };
    Ok((rows, summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(day: i64, kind: &'static str, minutes: Option<f64>) -> Event {
        Event { time: day * DAY + 3600, kind, minutes, amount: None }
    }

    /// The likelihood of one day's events in `state` with login factor `f`, written out
    /// independently of `Filter::observe` (the Poisson's n! included).
    fn likelihood(day: i64, events: &[Event], state: usize, f: f64) -> f64 {
        let logins: Vec<&Event> = events.iter().filter(|e| e.kind == "login").collect();
        let rate = LOGINS[state] * f;
        let n = logins.len() as i32;
        let mut l = (-rate).exp() * rate.powi(n) / (1..=n).map(f64::from).product::<f64>();
        for e in logins {
            let m = e.minutes.unwrap_or(0.0);
            let cdf = |x: f64| 1.0 - (-x.max(0.0) / MINUTES[state]).exp();
            l *= cdf(m + 0.05) - cdf(m - 0.05);
        }
        let ticket = events.iter().any(|e| e.kind == "support_ticket");
        l *= if ticket { TICKETS[state] } else { 1.0 - TICKETS[state] };
        if day % 30 == 0 {
            let failed = events.iter().any(|e| e.kind == "payment_failed");
            l *= if failed { FAILS[state] } else { 1.0 - FAILS[state] };
        }
        l
    }

    /// The forward filter's probability equals the one from every path of hidden states summed
    /// out by brute force: 4⁵ paths over a customer's first four days and the snapshot day.
    #[test]
    fn the_filter_sums_out_every_path_of_hidden_states() {
        let days: [Vec<Event>; 4] = [
            vec![event(0, "login", Some(12.3)), event(0, "payment", None)],
            vec![event(1, "support_ticket", None)],
            vec![event(2, "login", Some(0.0)), event(2, "login", Some(31.4)), event(2, "login", Some(4.1))],
            vec![],
        ];
        let hazard = hazards(42.0, 2);
        let person = Customer {
            id: 1,
            start: 0,
            end: None,
            plan: 2,
            fee: 42.0,
            channel: 2,
            states: Vec::new(),
            events: days.iter().flatten().map(|e| Event { ..*e }).collect(),
        };
        let filtered = observable_churn(&person, &[4], 30)[0];
        let filter = Filter::new(hazard);
        let step = |a: usize, b: usize| transition(&std::array::from_fn(|s| f64::from(u8::from(s == a))))[b];
        let (mut total, mut churn) = (0.0, 0.0);
        for (j, f) in filter.factors.iter().enumerate() {
            let z = -5.0 + 10.0 * j as f64 / (FACTOR_POINTS - 1) as f64;
            let prior = (-z * z / 2.0).exp();
            for path in 0..STATES.pow(5) {
                let s: Vec<usize> = (0..5).map(|d| path / STATES.pow(d) % STATES).collect();
                let mut w = prior * FIRST_STATE[s[0]] * likelihood(0, &days[0], s[0], *f);
                for d in 1..5 {
                    w *= step(s[d - 1], s[d]) * (1.0 - hazard[s[d]]);
                    if d < 4 {
                        w *= likelihood(d as i64, &days[d], s[d], *f);
                    }
                }
                total += w;
                churn += w * churn_within(s[4], &hazard, 30);
            }
        }
        let brute = churn / total;
        assert!((filtered - brute).abs() < 1e-12, "filter {filtered}, brute force {brute}");
        // The evidence moved the belief away from the prior.
        let prior = Filter::new(hazard).churn_within(30);
        assert!(filtered != prior, "{filtered}");
    }
}
