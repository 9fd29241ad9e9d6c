//! `churn synth`: a realistic subscription-customer table from a known churn mechanism.
//!
//! The data are drawn customer by customer from a seeded ChaCha8 generator, so the same seed
//! always gives the same table on every machine. The probability of churn is `sigmoid(z)` with
//!
//! ```text
//! z = −2.2
//!   + contract            Month-to-month +0.9, One year −0.5, Two year −1.7
//!   + tenure              1.3 − 0.75·ln(1 + months/3)              steep early, flat later
//!   + age                 0.0008·(age − 45)² − 0.25                U-shaped
//!   + fiber optic         +0.45
//!   + price × contract    0.025·(monthly − 65) on month-to-month, 0.005·(monthly − 65) otherwise
//!   + tech support        −0.45
//!   + electronic check    +0.35
//!   + support calls       +0.4·max(0, calls − 2)                   hinge
//!   + satisfaction        −0.35·(score − 3) when answered
//!   + last login          +1.4·sigmoid((days − 30) / 4)            threshold near a month
//!   + partner −0.15, dependents −0.2
//! ```
//!
//! Age is missing for 2% of customers (the effect uses the population median, 45), satisfaction
//! for 35% (not surveyed; no effect), and total charges are blank for customers in their first
//! month, as in the Telco export.
//!
//! Two kinds of drift can be asked for ([`Drift`]), to show what monitoring and retraining do
//! with each. Neither changes the random draws, so a seed gives the same customers with any
//! amount of either, only changed where the drift changes them.
//!
//! - `concept` (0 to 1) blends `z` with a changed mechanism `z′`, `(1 − c)·z + c·z′`: a
//!   competitor's fibre offer and a price war, where contracts hold customers less, price drives
//!   churn on every contract, tech support no longer helps, and disengagement shows sooner:
//!
//!   ```text
//!   z′ = −3.0
//!      + contract          Month-to-month +0.3, One year −0.2, Two year −0.6
//!      + tenure            1.3 − 0.75·ln(1 + months/3)
//!      + fiber optic       +1.3
//!      + price             0.035·(monthly − 65) on every contract
//!      + electronic check  +0.35
//!      + support calls     +0.7·max(0, calls − 1)
//!      + satisfaction      −0.35·(score − 3) when answered
//!      + last login        +1.4·sigmoid((days − 10) / 3)
//!      + partner −0.15, dependents −0.2
//!   ```
//! - `shift` (0 to 1) moves the inputs and keeps the mechanism: the share of customers in their
//!   first year goes from 30% to 30 + 30·s %, fibre from 44% to 44 + 20·s % (out of DSL), every
//!   price rises by 15·s %, and the disengaged from 15% to 15 + 15·s %.

use std::io::{BufWriter, Write};
use std::path::Path;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, Normal, Poisson};
use scorer_wasm::events::format_timestamp;
use scorer_wasm::math::sigmoid;
use scorer_wasm::value::{format_date, parse_date};

use crate::error::{Error, Result};
use crate::input::data::Format;

/// The day the table is a snapshot of.
const SNAPSHOT: &str = "2026-01-01";
/// Rows per Parquet row group, which bounds memory when writing millions of rows.
const PARQUET_BATCH: usize = 500_000;

#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    Text,
    Int,
    Float,
    Date,
    /// A timestamp, written as ISO 8601 text in UTC.
    Time,
}

/// Position of `churned` in [`COLUMNS`].
const CHURNED: usize = 18;
const COLUMNS: [(&str, Kind); 19] = [
    ("customer_id", Kind::Text),
    ("signup_date", Kind::Date),
    ("age", Kind::Int),
    ("gender", Kind::Text),
    ("region", Kind::Text),
    ("partner", Kind::Text),
    ("dependents", Kind::Text),
    ("contract", Kind::Text),
    ("internet_service", Kind::Text),
    ("tech_support", Kind::Text),
    ("streaming", Kind::Text),
    ("paperless_billing", Kind::Text),
    ("payment_method", Kind::Text),
    ("monthly_charges", Kind::Float),
    ("total_charges", Kind::Float),
    ("support_calls", Kind::Int),
    ("satisfaction", Kind::Int),
    ("last_login_days", Kind::Int),
    ("churned", Kind::Text),
];
const TRUTH: (&str, Kind) = ("true_churn_probability", Kind::Float);

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Field {
    Text(&'static str),
    Id(u64),
    Int(i64),
    Float(f64),
    Date(i32),
    /// Seconds since 1970-01-01 UTC.
    Time(i64),
    Missing,
}

/// How far the customers drift from the documented mechanism (see the module's text).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Drift {
    /// 0: the documented churn mechanism; 1: the changed one.
    pub concept: f64,
    /// 0: the documented inputs; 1: the shifted ones.
    pub shift: f64,
}

impl Drift {
    /// Both amounts between 0 and 1.
    pub fn new(concept: f64, shift: f64) -> Result<Drift> {
        for (name, x) in [("--concept-drift", concept), ("--covariate-shift", shift)] {
            if !(0.0..=1.0).contains(&x) {
                return Err(Error::Usage(format!("{name} must be between 0 and 1, got {x}")));
            }
        }
        Ok(Drift { concept, shift })
    }
}

/// Draws customers one at a time.
pub struct Generator {
    drift: Drift,
    rng: ChaCha8Rng,
    next_id: u64,
    snapshot: i32,
    age: Normal<f64>,
    noise: Normal<f64>,
    login: Exp<f64>,
}

fn pick(rng: &mut ChaCha8Rng, options: &[(&'static str, f64)]) -> &'static str {
    let mut u: f64 = rng.random();
    for (value, weight) in options {
        if u < *weight {
            return value;
        }
        u -= weight;
    }
    options[options.len() - 1].0
}

fn yes(rng: &mut ChaCha8Rng, p: f64) -> bool {
    rng.random::<f64>() < p
}

fn yes_no(b: bool) -> &'static str {
    if b { "Yes" } else { "No" }
}

impl Generator {
    pub fn new(seed: u64) -> Self {
        Generator::drifted(seed, Drift::default())
    }

    /// Customers drawn with the same random numbers as [`Generator::new`], drifted by `drift`.
    pub fn drifted(seed: u64, drift: Drift) -> Self {
        Generator {
            drift,
            rng: ChaCha8Rng::seed_from_u64(seed),
            next_id: 1,
            snapshot: parse_date(SNAPSHOT).unwrap_or(20_454),
            // Parameters are constants; construction cannot fail for them.
            age: Normal::new(45.0, 14.0).unwrap_or_else(|_| unreachable!("valid normal parameters")),
            noise: Normal::new(0.0, 1.0).unwrap_or_else(|_| unreachable!("valid normal parameters")),
            login: Exp::new(1.0 / 10.0).unwrap_or_else(|_| unreachable!("valid exponential rate")),
        }
    }

    /// One customer: the fields in [`COLUMNS`] order and the true churn probability.
    fn customer(&mut self) -> (Vec<Field>, f64) {
        let customer = self.draw();
        let c = self.drift.concept;
        let z = if c == 0.0 {
            customer.churn_logit()
        } else {
            (1.0 - c) * customer.churn_logit() + c * customer.changed_churn_logit()
        };
        let p = sigmoid(z);
        let churned = yes(&mut self.rng, p);
        (customer.fields(churned), p)
    }

    /// A customer's inputs. The draws happen in a fixed order, so a seed gives the same table.
    fn draw(&mut self) -> Customer {
        let id = self.next_id;
        self.next_id += 1;
        let shift = self.drift.shift;
        let r = &mut self.rng;
        let new_customer = yes(r, 0.3 + 0.3 * shift);
        let tenure_days = if new_customer { r.random_range(0.0..365.0) } else { r.random_range(0.0..2557.0) };
        let months: f64 = tenure_days / 30.44;
        let age = self.age.sample(r).clamp(18.0, 90.0).round();
        let age = (!yes(r, 0.02)).then_some(age);
        let gender = if yes(r, 0.5) { "Female" } else { "Male" };
        let region =
            pick(r, &[("North", 0.25), ("South", 0.2), ("East", 0.2), ("West", 0.25), ("Central", 0.1)]);
        let partner = yes(r, 0.48);
        let dependents = yes(r, if partner { 0.5 } else { 0.1 });
        let loyalty = (months / 72.0).min(1.0);
        let contract = pick(
            r,
            &[
                ("Two year", 0.05 + 0.35 * loyalty),
                ("One year", 0.15 + 0.15 * loyalty),
                ("Month-to-month", 1.0),
            ],
        );
        let services = self.services(months);
        let usage = self.usage(&services);
        Customer {
            id,
            months,
            signup: self.snapshot - tenure_days as i32,
            age,
            gender,
            region,
            partner,
            dependents,
            contract,
            services,
            usage,
        }
    }

    /// What a customer subscribes to and pays, `months` into the subscription.
    fn services(&mut self, months: f64) -> Services {
        let shift = self.drift.shift;
        let r = &mut self.rng;
        let internet = pick(
            r,
            &[("Fiber optic", 0.44 + 0.2 * shift), ("DSL", 0.34 - 0.2 * shift), ("No internet", 1.0)],
        );
        let online = internet != "No internet";
        let tech_support = online && yes(r, 0.35);
        let streaming = online && yes(r, 0.45);
        let paperless = yes(r, 0.6);
        let payment = pick(
            r,
            &[
                ("Electronic check", 0.33),
                ("Mailed check", 0.22),
                ("Bank transfer", 0.22),
                ("Credit card", 1.0),
            ],
        );
        let base = match internet {
            "Fiber optic" => 70.0,
            "DSL" => 45.0,
            _ => 20.0,
        };
        let monthly = (base
            + 12.0 * f64::from(u8::from(streaming))
            + 8.0 * f64::from(u8::from(tech_support))
            + 5.0 * self.noise.sample(r))
        .max(18.0)
            * (1.0 + 0.15 * shift);
        let monthly = (monthly * 100.0).round() / 100.0;
        let total = (months >= 1.0)
            .then(|| (monthly * months * (1.0 + 0.03 * self.noise.sample(r)) * 100.0).round() / 100.0);
        Services { internet, tech_support, streaming, paperless, payment, monthly, total }
    }

    /// How a customer with `services` uses them: support calls, the survey, the last login.
    fn usage(&mut self, services: &Services) -> Usage {
        let r = &mut self.rng;
        let fiber = services.internet == "Fiber optic";
        let call_rate =
            0.8 + 0.9 * f64::from(u8::from(fiber)) + 0.6 * f64::from(u8::from(!services.tech_support));
        let calls = Poisson::new(call_rate).map_or(0.0, |p| p.sample(r)).min(15.0);
        let satisfaction = (3.6 - 0.35 * calls + 0.9 * self.noise.sample(r)).round().clamp(1.0, 5.0);
        let surveyed = !yes(r, 0.35);
        let disengaged = yes(r, 0.15 + 0.15 * self.drift.shift);
        let login = (self.login.sample(r) * if disengaged { 4.0 } else { 1.0 }).round().min(365.0);
        Usage { calls, satisfaction: surveyed.then_some(satisfaction), login }
    }
}

/// One synthetic customer's inputs, before churn is drawn.
struct Customer {
    id: u64,
    /// Tenure in months.
    months: f64,
    /// Signup date, in days since 1970-01-01.
    signup: i32,
    /// Age in years; `None` for the 2% not recorded.
    age: Option<f64>,
    gender: &'static str,
    region: &'static str,
    partner: bool,
    dependents: bool,
    contract: &'static str,
    services: Services,
    usage: Usage,
}

struct Services {
    internet: &'static str,
    tech_support: bool,
    streaming: bool,
    paperless: bool,
    payment: &'static str,
    monthly: f64,
    /// Total charges; `None` in the first month, as in the Telco export.
    total: Option<f64>,
}

struct Usage {
    calls: f64,
    /// The survey score; `None` when not surveyed.
    satisfaction: Option<f64>,
    login: f64,
}

impl Customer {
    /// The churn score `z` of the module's formula.
    fn churn_logit(&self) -> f64 {
        let Services { internet, tech_support, payment, monthly, .. } = self.services;
        let Usage { calls, satisfaction, login } = self.usage;
        let contract = match self.contract {
            "Month-to-month" => 0.9,
            "One year" => -0.5,
            _ => -1.7,
        };
        let price_slope = if self.contract == "Month-to-month" { 0.025 } else { 0.005 };
        let age = self.age.unwrap_or(45.0);
        -2.2 + contract
            + (1.3 - 0.75 * (1.0 + self.months / 3.0).ln())
            + (0.0008 * (age - 45.0).powi(2) - 0.25)
            + if internet == "Fiber optic" { 0.45 } else { 0.0 }
            + price_slope * (monthly - 65.0)
            + if tech_support { -0.45 } else { 0.0 }
            + if payment == "Electronic check" { 0.35 } else { 0.0 }
            + 0.4 * (calls - 2.0).max(0.0)
            + satisfaction.map_or(0.0, |s| -0.35 * (s - 3.0))
            + 1.4 * sigmoid((login - 30.0) / 4.0)
            + if self.partner { -0.15 } else { 0.0 }
            + if self.dependents { -0.2 } else { 0.0 }
    }

    /// The changed mechanism's churn score `z′` (see the module's text).
    fn changed_churn_logit(&self) -> f64 {
        let Services { internet, payment, monthly, .. } = self.services;
        let Usage { calls, satisfaction, login } = self.usage;
        let contract = match self.contract {
            "Month-to-month" => 0.3,
            "One year" => -0.2,
            _ => -0.6,
        };
        -3.0 + contract
            + (1.3 - 0.75 * (1.0 + self.months / 3.0).ln())
            + if internet == "Fiber optic" { 1.3 } else { 0.0 }
            + 0.035 * (monthly - 65.0)
            + if payment == "Electronic check" { 0.35 } else { 0.0 }
            + 0.7 * (calls - 1.0).max(0.0)
            + satisfaction.map_or(0.0, |s| -0.35 * (s - 3.0))
            + 1.4 * sigmoid((login - 10.0) / 3.0)
            + if self.partner { -0.15 } else { 0.0 }
            + if self.dependents { -0.2 } else { 0.0 }
    }

    /// The customer's cells, in [`COLUMNS`] order.
    fn fields(&self, churned: bool) -> Vec<Field> {
        let s = &self.services;
        let u = &self.usage;
        let whole = |x: f64| Field::Int(x as i64);
        vec![
            Field::Id(self.id),
            Field::Date(self.signup),
            self.age.map_or(Field::Missing, whole),
            Field::Text(self.gender),
            Field::Text(self.region),
            Field::Text(yes_no(self.partner)),
            Field::Text(yes_no(self.dependents)),
            Field::Text(self.contract),
            Field::Text(s.internet),
            Field::Text(yes_no(s.tech_support)),
            Field::Text(yes_no(s.streaming)),
            Field::Text(yes_no(s.paperless)),
            Field::Text(s.payment),
            Field::Float(s.monthly),
            s.total.map_or(Field::Missing, Field::Float),
            whole(u.calls),
            u.satisfaction.map_or(Field::Missing, whole),
            whole(u.login),
            Field::Text(yes_no(churned)),
        ]
    }
}

#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct SynthSummary {
    pub rows: u64,
    pub churned: u64,
    pub churn_rate: f64,
    pub true_probability_roc_auc: f64,
}

/// Writes `rows` customers to `out`.
pub fn write(
    out: &Path,
    format: Option<Format>,
    rows: u64,
    seed: u64,
    drift: Drift,
    with_truth: bool,
) -> Result<SynthSummary> {
    if rows == 0 {
        return Err(Error::Usage("--rows must be at least 1".into()));
    }
    let format = match format {
        Some(f) => f,
        None => Format::from_path(out)?,
    };
    let mut columns: Vec<(&str, Kind)> = COLUMNS.to_vec();
    if with_truth {
        columns.push(TRUTH);
    }
    let mut generator = Generator::drifted(seed, drift);
    // The truth, kept compactly (16 bytes a row) for the AUC at the end.
    let mut truth: Vec<f64> = Vec::with_capacity(rows.min(1 << 28) as usize);
    let mut outcome: Vec<f64> = Vec::with_capacity(rows.min(1 << 28) as usize);
    let mut next = |truth: &mut Vec<f64>, outcome: &mut Vec<f64>| {
        let (mut fields, p) = generator.customer();
        truth.push(p);
        outcome.push(if fields[CHURNED] == Field::Text("Yes") { 1.0 } else { 0.0 });
        if with_truth {
            fields.push(Field::Float(p));
        }
        fields
    };
    let mut next = || next(&mut truth, &mut outcome);
    let file = std::fs::File::create(out).map_err(|e| Error::io(out, e))?;
    match format {
        Format::Csv => write_lines(file, out, false, &columns, rows, &mut next)?,
        Format::Ndjson => write_lines(file, out, true, &columns, rows, &mut next)?,
        Format::Parquet => write_parquet(file, out, &columns, rows, &mut next)?,
    }
    let churned = outcome.iter().filter(|&&y| y == 1.0).count() as u64;
    Ok(SynthSummary {
        rows,
        churned,
        churn_rate: churned as f64 / rows as f64,
        true_probability_roc_auc: crate::stats::metrics::roc_auc(&outcome, &truth),
    })
}

/// The rows as lines of text: CSV with a header, missing values blank (`" "`, as spreadsheets
/// export them), or NDJSON objects, missing values `null`.
pub(crate) fn write_lines(
    file: std::fs::File,
    out: &Path,
    ndjson: bool,
    columns: &[(&str, Kind)],
    rows: u64,
    next: &mut dyn FnMut() -> Vec<Field>,
) -> Result<()> {
    let io = |e| Error::io(out, e);
    let mut w = BufWriter::new(file);
    if !ndjson {
        let header: Vec<&str> = columns.iter().map(|c| c.0).collect();
        writeln!(w, "{}", header.join(",")).map_err(io)?;
    }
    let mut line = String::new();
    for _ in 0..rows {
        line.clear();
        if ndjson {
            // Fields in the columns' order, as the CSV header has them.
            line.push('{');
            for (i, ((name, _), f)) in columns.iter().zip(next()).enumerate() {
                if i > 0 {
                    line.push(',');
                }
                line.push_str(&serde_json::Value::from(*name).to_string());
                line.push(':');
                line.push_str(&json_value(f).to_string());
            }
            line.push('}');
        } else {
            for (i, f) in next().iter().enumerate() {
                if i > 0 {
                    line.push(',');
                }
                push_text(&mut line, f);
            }
        }
        line.push('\n');
        w.write_all(line.as_bytes()).map_err(io)?;
    }
    w.flush().map_err(io)
}

fn json_value(f: Field) -> serde_json::Value {
    match f {
        Field::Text(s) => serde_json::Value::from(s),
        Field::Id(id) => serde_json::Value::from(customer_id(id)),
        Field::Int(i) => serde_json::Value::from(i),
        Field::Float(x) => serde_json::Value::from(x),
        Field::Date(d) => serde_json::Value::from(format_date(d)),
        Field::Time(t) => serde_json::Value::from(format_timestamp(t, true)),
        Field::Missing => serde_json::Value::Null,
    }
}

pub(crate) fn customer_id(id: u64) -> String {
    format!("C{id:07}")
}

fn push_text(line: &mut String, f: &Field) {
    use std::fmt::Write as _;
    // Infallible: writing to a String.
    let _ = match f {
        Field::Text(s) => write!(line, "{s}"),
        Field::Id(id) => write!(line, "{}", customer_id(*id)),
        Field::Int(i) => write!(line, "{i}"),
        Field::Float(x) => write!(line, "{x}"),
        Field::Date(d) => write!(line, "{}", format_date(*d)),
        Field::Time(t) => write!(line, "{}", format_timestamp(*t, true)),
        // A blank cell, as spreadsheets export missing values (Telco writes " ").
        Field::Missing => write!(line, " "),
    };
}

pub(crate) fn write_parquet(
    file: std::fs::File,
    out: &Path,
    columns: &[(&str, Kind)],
    rows: u64,
    next: &mut dyn FnMut() -> Vec<Field>,
) -> Result<()> {
    use polars::prelude::{DataFrame, DataType, NamedFrom, ParquetWriter, PlSmallStr, PolarsError, Series};
    let fail = |e: PolarsError| Error::data(out, format!("cannot write Parquet: {e}"));
    let mut writer = None;
    let mut written = 0u64;
    while written < rows {
        let n = (rows - written).min(PARQUET_BATCH as u64) as usize;
        let batch: Vec<Vec<Field>> = (0..n).map(|_| next()).collect();
        let mut cols = Vec::with_capacity(columns.len());
        for (c, (name, kind)) in columns.iter().enumerate() {
            let name = PlSmallStr::from(*name);
            let cells = batch.iter().map(|row| &row[c]);
            let series = match kind {
                Kind::Text | Kind::Time => Series::new(
                    name,
                    cells
                        .map(|f| match f {
                            Field::Text(s) => Some((*s).to_string()),
                            Field::Id(id) => Some(customer_id(*id)),
                            Field::Time(t) => Some(format_timestamp(*t, true)),
                            _ => None,
                        })
                        .collect::<Vec<Option<String>>>(),
                ),
                Kind::Int => Series::new(
                    name,
                    cells
                        .map(|f| if let Field::Int(i) = f { Some(*i) } else { None })
                        .collect::<Vec<Option<i64>>>(),
                ),
                Kind::Float => Series::new(
                    name,
                    cells
                        .map(|f| if let Field::Float(x) = f { Some(*x) } else { None })
                        .collect::<Vec<Option<f64>>>(),
                ),
                Kind::Date => Series::new(
                    name,
                    cells
                        .map(|f| if let Field::Date(d) = f { Some(*d) } else { None })
                        .collect::<Vec<Option<i32>>>(),
                )
                .cast(&DataType::Date)
                .map_err(fail)?,
            };
            cols.push(series.into());
        }
        let df = DataFrame::new(n, cols).map_err(fail)?;
        if writer.is_none() {
            let w = ParquetWriter::new(file.try_clone().map_err(|e| Error::io(out, e))?)
                .batched(df.schema())
                .map_err(fail)?;
            writer = Some(w);
        }
        if let Some(w) = writer.as_mut() {
            w.write_batch(&df).map_err(fail)?;
        }
        written += n as u64;
    }
    if let Some(w) = writer {
        w.finish().map_err(fail)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_customers() {
        let (a, pa) = Generator::new(7).customer();
        let (b, pb) = Generator::new(7).customer();
        assert_eq!((a.clone(), pa), (b, pb));
        let (c, _) = Generator::new(8).customer();
        assert_ne!(a, c);
        assert_eq!(a.len(), COLUMNS.len());
    }

    #[test]
    fn churn_rate_is_that_of_a_subscription_business() {
        let mut g = Generator::new(1);
        let churned = (0..20_000).filter(|_| g.customer().0[CHURNED] == Field::Text("Yes")).count();
        assert_eq!(churned, 3709); // 18.4%: telcos report 15–30% a year
    }

    #[test]
    fn drift_keeps_the_draws_and_changes_what_it_says() {
        let draw = |drift: Drift| {
            let mut g = Generator::drifted(3, drift);
            (0..2000).map(|_| g.customer()).collect::<Vec<_>>()
        };
        let base = draw(Drift::default());
        assert_eq!(base, {
            let mut g = Generator::new(3);
            (0..2000).map(|_| g.customer()).collect::<Vec<_>>()
        });
        // A changed mechanism: the same customers (every input cell), other probabilities.
        let concept = draw(Drift::new(1.0, 0.0).unwrap());
        let inputs = |rows: &[(Vec<Field>, f64)]| -> Vec<Vec<Field>> {
            rows.iter().map(|(f, _)| f[..CHURNED].to_vec()).collect()
        };
        assert_eq!(inputs(&concept), inputs(&base));
        let moved = concept.iter().zip(&base).filter(|(a, b)| (a.1 - b.1).abs() > 0.05).count();
        assert!(moved > 1000, "{moved} of 2000 probabilities moved by more than 0.05");
        // Shifted inputs: prices 15% up on the same draws.
        let shifted = draw(Drift::new(0.0, 1.0).unwrap());
        let price = |rows: &[(Vec<Field>, f64)]| -> f64 {
            rows.iter().map(|(f, _)| if let Field::Float(x) = f[13] { x } else { 0.0 }).sum::<f64>()
        };
        let ratio = price(&shifted) / price(&base);
        assert!(ratio > 1.2 && ratio < 1.35, "prices rose {ratio}× (15% and more fibre)");
        assert_eq!(
            Drift::new(1.5, 0.0).unwrap_err().to_string(),
            "--concept-drift must be between 0 and 1, got 1.5"
        );
    }
}
