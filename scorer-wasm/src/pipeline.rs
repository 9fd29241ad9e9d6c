//! The feature pipeline: how each input column becomes numbers the model reads.
//!
//! A [`Column`] has a [`Role`]; feature columns carry an [`Encoder`] whose parameters (medians,
//! quantile knots, category levels) the trainer fitted on training rows only. [`Encoder::encode`]
//! is the single place where a raw [`Value`] becomes features: the trainer builds its training
//! matrix through it, so training and every scorer see identical numbers.

use bincode::{Decode, Encode};

use crate::error::{InputError, Problem};
use crate::read;
use crate::value::{Value, format_number};

/// One input column as the model knows it.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
pub struct Column {
    pub name: String,
    pub role: Role,
}

/// The validated list of input columns, with the position of each column's features.
///
/// It is encoded as its list of columns and decoded through [`Pipeline::new`], so a pipeline
/// read from a file has been checked: names unique, every encoder's numbers finite, knots
/// increasing, levels sorted.
#[derive(Clone, Debug, PartialEq)]
pub struct Pipeline {
    columns: Vec<Column>,
    /// Pairwise terms, encoded after every column's own features.
    interactions: Vec<Interaction>,
    /// Feature range `(offset, width)` of each column; `None` for non-feature columns.
    layout: Vec<Option<(usize, usize)>>,
    /// Feature offset of each interaction (its width is [`Interaction::width`]).
    interaction_offsets: Vec<usize>,
    width: usize,
}

/// The most pairwise terms a pipeline holds, and the most features one term writes.
pub const MAX_INTERACTIONS: usize = 64;
pub const MAX_INTERACTION_WIDTH: usize = 256;
/// The most knots one side of an interaction has.
pub const MAX_SIDE_KNOTS: usize = 33;

/// A pairwise interaction term: a low-resolution surface over two feature columns.
///
/// Each side has a small basis (see [`Side`]); the term writes the products of every basis value
/// of the first side with every basis value of the second, first side major. A linear model on
/// these products is a piecewise-bilinear surface over the two columns (continuous where both
/// sides are numbers), on top of the columns' own one-dimensional shapes, which stay in their
/// own features: the term carries only what the two columns do together.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
pub struct Interaction {
    pub first: Side,
    pub second: Side,
}

/// How a column enters an interaction term.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
pub enum Side {
    /// A number (or a date's age in days), imputed as the column imputes it, as the fractions of
    /// the segments between consecutive knots below it: `clamp((x − kₜ₋₁) / (kₜ − kₜ₋₁), 0, 1)`.
    Segments { column: u32, knots: Vec<f64> },
    /// The column's own features as its encoder writes them: a category's one-hot slots, or a
    /// yes/no column's indicator (and missing indicator).
    Slots { column: u32 },
}

impl Side {
    /// Index of the column in [`Pipeline::columns`].
    pub fn column(&self) -> usize {
        match self {
            Side::Segments { column, .. } | Side::Slots { column } => *column as usize,
        }
    }
}

impl Interaction {
    /// The two columns, in [`Pipeline::columns`] order of the term.
    pub fn columns(&self) -> [usize; 2] {
        [self.first.column(), self.second.column()]
    }
}

impl Pipeline {
    /// Checks the columns and lays out their features one after another.
    pub fn new(columns: Vec<Column>) -> Result<Pipeline, String> {
        Pipeline::with_interactions(columns, Vec::new())
    }

    /// Checks the columns and the interaction terms between them, and lays out the columns'
    /// features one after another, then the terms'.
    pub fn with_interactions(
        columns: Vec<Column>,
        interactions: Vec<Interaction>,
    ) -> Result<Pipeline, String> {
        let mut layout = Vec::with_capacity(columns.len());
        let mut width = 0usize;
        for (i, c) in columns.iter().enumerate() {
            if c.name.trim().is_empty() {
                return Err(format!("column {i} has no name"));
            }
            if columns[..i].iter().any(|o| o.name == c.name) {
                return Err(format!("column \"{}\" appears twice", c.name));
            }
            match &c.role {
                Role::Feature(enc) => {
                    enc.check(&c.name)?;
                    let w = enc.width();
                    layout.push(Some((width, w)));
                    width += w;
                }
                Role::Identifier | Role::Ignored(_) => layout.push(None),
            }
        }
        if width == 0 {
            return Err("the pipeline has no feature columns".into());
        }
        if interactions.len() > MAX_INTERACTIONS {
            return Err(format!("{} interaction terms (at most {MAX_INTERACTIONS})", interactions.len()));
        }
        let mut interaction_offsets = Vec::with_capacity(interactions.len());
        for (k, term) in interactions.iter().enumerate() {
            let w = term.check(&columns, &layout).map_err(|m| format!("interaction {k}: {m}"))?;
            interaction_offsets.push(width);
            width += w;
        }
        Ok(Pipeline { columns, interactions, layout, interaction_offsets, width })
    }

    /// The pairwise interaction terms.
    pub fn interactions(&self) -> &[Interaction] {
        &self.interactions
    }

    /// Feature range `(offset, width)` of interaction term `k`.
    pub fn interaction_range(&self, k: usize) -> Option<(usize, usize)> {
        let term = self.interactions.get(k)?;
        let off = *self.interaction_offsets.get(k)?;
        Some((off, self.side_width(&term.first) * self.side_width(&term.second)))
    }

    fn side_width(&self, side: &Side) -> usize {
        match side {
            Side::Segments { knots, .. } => knots.len() - 1,
            Side::Slots { column } => self.layout[*column as usize].map_or(0, |(_, w)| w),
        }
    }

    /// Input columns in training-file order (identifiers and ignored columns included).
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Number of encoded features.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Feature range `(offset, width)` of column `i`, if it is a feature.
    pub fn feature_range(&self, i: usize) -> Option<(usize, usize)> {
        self.layout.get(i).copied().flatten()
    }

    /// Names of all encoded features, in order.
    pub fn feature_names(&self) -> Vec<String> {
        self.columns
            .iter()
            .filter_map(|c| match &c.role {
                Role::Feature(enc) => Some(enc.feature_names(&c.name)),
                _ => None,
            })
            .flatten()
            .chain(self.interactions.iter().flat_map(|term| {
                let first = self.side_names(&term.first);
                let second = self.side_names(&term.second);
                first
                    .iter()
                    .flat_map(|a| second.iter().map(move |b| format!("{a} × {b}")))
                    .collect::<Vec<String>>()
            }))
            .collect()
    }

    fn side_names(&self, side: &Side) -> Vec<String> {
        let column = &self.columns[side.column()];
        match (side, &column.role) {
            (Side::Segments { knots, .. }, Role::Feature(Encoder::Date(_))) => knots
                .windows(2)
                .map(|w| format!("{} (age in days) in [{}, {}]", column.name, w[0], w[1]))
                .collect(),
            (Side::Segments { knots, .. }, _) => {
                knots.windows(2).map(|w| format!("{} in [{}, {}]", column.name, w[0], w[1])).collect()
            }
            (Side::Slots { .. }, Role::Feature(enc)) => enc.feature_names(&column.name),
            (Side::Slots { .. }, _) => Vec::new(),
        }
    }

    /// Encodes a row (one value per column, in [`Pipeline::columns`] order) into `out`, which
    /// must hold [`Pipeline::width`] values. Imputations and unknown levels go to `warnings`.
    pub fn encode(
        &self,
        values: &[Value<'_>],
        out: &mut [f64],
        warnings: &mut Vec<Warning>,
    ) -> Result<(), InputError> {
        if values.len() != self.columns.len() || out.len() != self.width {
            // Callers build rows from the pipeline's own column list; a mismatch is a caller
            // bug, reported rather than indexed out of bounds.
            return Err(InputError::new(
                "",
                Problem::NotScalar {
                    got: format!("{} values for {} columns", values.len(), self.columns.len()),
                },
            ));
        }
        out.fill(0.0);
        for ((col, range), &value) in self.columns.iter().zip(&self.layout).zip(values) {
            match (&col.role, range) {
                (Role::Feature(enc), Some((off, w))) => {
                    enc.encode(&col.name, value, &mut out[*off..off + w], warnings)?
                }
                // Identifier and ignored columns are not interpreted, but NaN is never a value.
                _ => {
                    if let Value::Number(x) = value
                        && !x.is_finite()
                    {
                        return Err(InputError::new(
                            col.name.as_str(),
                            Problem::NotFinite { got: format_number(x) },
                        ));
                    }
                }
            }
        }
        for (term, &off) in self.interactions.iter().zip(&self.interaction_offsets) {
            let first = self.side_basis(&term.first, values, out)?;
            let second = self.side_basis(&term.second, values, out)?;
            let w2 = second.len();
            for a in 0..first.len() {
                let fa = first.at(a, out);
                for b in 0..w2 {
                    out[off + a * w2 + b] = fa * second.at(b, out);
                }
            }
        }
        Ok(())
    }

    /// What one side of a term reads: the value and knots of a number, or where the column's
    /// own features are (already written to `out`).
    fn side_basis<'s>(
        &'s self,
        side: &'s Side,
        values: &[Value<'_>],
        out: &[f64],
    ) -> Result<Basis<'s>, InputError> {
        let column = side.column();
        match side {
            Side::Segments { knots, .. } => {
                let x = match &self.columns[column].role {
                    Role::Feature(enc) => enc.imputed(&self.columns[column].name, values[column])?,
                    _ => 0.0,
                };
                Ok(Basis::Segments { x, knots })
            }
            Side::Slots { .. } => {
                let (off, w) = self.layout[column].unwrap_or((0, 0));
                debug_assert!(off + w <= out.len());
                Ok(Basis::Slots { off, w })
            }
        }
    }
}

/// One side of an interaction for one row.
enum Basis<'s> {
    Segments { x: f64, knots: &'s [f64] },
    Slots { off: usize, w: usize },
}

impl Basis<'_> {
    fn len(&self) -> usize {
        match self {
            Basis::Segments { knots, .. } => knots.len() - 1,
            Basis::Slots { w, .. } => *w,
        }
    }

    /// Basis value `a` (below [`Basis::len`]).
    fn at(&self, a: usize, out: &[f64]) -> f64 {
        match self {
            Basis::Segments { x, knots } => segment(*x, knots[a], knots[a + 1]),
            Basis::Slots { off, .. } => out[off + a],
        }
    }
}

/// The fraction of the segment `[lo, hi]` below `x`: a number's piecewise-linear feature, in its
/// own encoding and on its side of an interaction term.
pub fn segment(x: f64, lo: f64, hi: f64) -> f64 {
    ((x - lo) / (hi - lo)).clamp(0.0, 1.0)
}

impl Interaction {
    /// Checks the term against the columns; returns its width.
    fn check(&self, columns: &[Column], layout: &[Option<(usize, usize)>]) -> Result<usize, String> {
        let [a, b] = self.columns();
        if a == b {
            return Err("both sides are the same column".into());
        }
        let mut widths = [0usize; 2];
        for (slot, side) in widths.iter_mut().zip([&self.first, &self.second]) {
            let Some(column) = columns.get(side.column()) else {
                return Err(format!("column {} does not exist", side.column()));
            };
            let name = &column.name;
            *slot = match (side, &column.role, layout[side.column()]) {
                (Side::Segments { knots, .. }, Role::Feature(Encoder::Numeric(_) | Encoder::Date(_)), _) => {
                    if knots.len() < 2
                        || knots.len() > MAX_SIDE_KNOTS
                        || !knots.iter().all(|k| k.is_finite())
                        || knots.windows(2).any(|w| w[0] >= w[1])
                    {
                        return Err(format!(
                            "the knots of \"{name}\" must be finite and strictly increasing (2 to {MAX_SIDE_KNOTS})"
                        ));
                    }
                    knots.len() - 1
                }
                (
                    Side::Slots { .. },
                    Role::Feature(Encoder::Boolean(_) | Encoder::Categorical(_)),
                    Some((_, w)),
                ) => w,
                _ => return Err(format!("\"{name}\" cannot be a side of this kind")),
            };
        }
        let width = widths[0] * widths[1];
        if width > MAX_INTERACTION_WIDTH {
            return Err(format!("{width} features (at most {MAX_INTERACTION_WIDTH})"));
        }
        Ok(width)
    }
}

impl Encode for Pipeline {
    fn encode<E: bincode::enc::Encoder>(&self, encoder: &mut E) -> Result<(), bincode::error::EncodeError> {
        self.columns.encode(encoder)?;
        self.interactions.encode(encoder)
    }
}

impl<C> Decode<C> for Pipeline {
    fn decode<D: bincode::de::Decoder<Context = C>>(
        decoder: &mut D,
    ) -> Result<Self, bincode::error::DecodeError> {
        let columns: Vec<Column> = Decode::decode(decoder)?;
        let interactions: Vec<Interaction> = Decode::decode(decoder)?;
        Pipeline::with_interactions(columns, interactions).map_err(bincode::error::DecodeError::OtherString)
    }
}
bincode::impl_borrow_decode!(Pipeline);

/// A pipeline as format version 2 stored it: columns only, no interaction terms.
pub(crate) struct PipelineV2(pub Pipeline);

impl<C> Decode<C> for PipelineV2 {
    fn decode<D: bincode::de::Decoder<Context = C>>(
        decoder: &mut D,
    ) -> Result<Self, bincode::error::DecodeError> {
        let columns: Vec<Column> = Decode::decode(decoder)?;
        Pipeline::new(columns).map(PipelineV2).map_err(bincode::error::DecodeError::OtherString)
    }
}
bincode::impl_borrow_decode!(PipelineV2);

impl From<PipelineV2> for Pipeline {
    fn from(v2: PipelineV2) -> Pipeline {
        v2.0
    }
}

/// What the model does with a column.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
pub enum Role {
    /// Identifies the customer: echoed back with scores, never a feature.
    Identifier,
    /// Accepted in input and not used, with the reason it was left out.
    Ignored(String),
    /// Turned into features by the encoder.
    Feature(Encoder),
}

/// How a feature column is encoded.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
pub enum Encoder {
    Numeric(NumericEncoder),
    Boolean(BooleanEncoder),
    Categorical(CategoricalEncoder),
    Date(DateEncoder),
}

/// 0000-01-01 and 9999-12-31 in days since 1970-01-01: the dates `parse_date` reads.
pub const FIRST_DAY: i32 = -719_528;
pub const LAST_DAY: i32 = 2_932_896;

/// The most standard deviations a standardised feature may reach. Any finite number is a valid
/// input (beyond the training range it is scored with a warning), but `1e308` divided by a
/// standard deviation below 1 is infinite, and an infinite feature makes an infinite logit and
/// contributions that add up to NaN. A million standard deviations is beyond any real value and
/// keeps every logit, contribution and what-if delta finite (found by Schemathesis).
pub const MAX_STANDARDISED: f64 = 1e6;

/// A number: median imputation with a missing indicator, standardisation, and a piecewise-linear
/// encoding over quantile knots so that a compact model can bend where churn bends.
///
/// Features, in order: `(x − mean) / sd` (within ±[`MAX_STANDARDISED`]); `1` if the value was missing (only when training data
/// had missing values); then for each pair of consecutive knots `kₜ₋₁ < kₜ` the fraction of that
/// segment below `x`, `clamp((x − kₜ₋₁) / (kₜ − kₜ₋₁), 0, 1)`.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
pub struct NumericEncoder {
    pub median: f64,
    pub mean: f64,
    pub sd: f64,
    /// Strictly increasing; fewer than two knots means no piecewise part.
    pub knots: Vec<f64>,
    pub missing_indicator: bool,
    /// Training range and whether every training value was a whole number (for forms).
    pub min: f64,
    pub max: f64,
    pub integer: bool,
}

/// A yes/no column: one feature, 1 for the true label, plus a missing indicator when training
/// data had missing values (missing values are imputed with the more frequent label).
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
pub struct BooleanEncoder {
    pub true_label: String,
    pub false_label: String,
    pub impute_true: bool,
    pub missing_indicator: bool,
}

/// A category: one-hot over the levels frequent in training, one slot for everything else
/// (rare in training or unseen), and a slot for missing when training data had missing values.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
pub struct CategoricalEncoder {
    /// Frequent levels, sorted (binary search), as they were spelled in training.
    pub levels: Vec<String>,
    /// Whether any training value fell outside `levels` (the "other" slot was learned).
    pub other_seen: bool,
    pub missing_slot: bool,
    /// The most frequent level, offered as the typical value to forms.
    pub mode: String,
}

/// A calendar date, encoded as its age in days at `reference_day` (the last date in training
/// data, so the encoding does not drift with the wall clock) and then as a number.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
pub struct DateEncoder {
    pub reference_day: i32,
    pub age: NumericEncoder,
}

/// Something a scorer should tell its caller about an input it accepted.
#[derive(Clone, Debug, PartialEq)]
pub struct Warning {
    pub field: String,
    pub kind: WarningKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum WarningKind {
    /// The value was missing and was imputed (numbers: the training median; booleans: the more
    /// frequent label; categories: the missing slot or, if training had none, the other slot).
    Imputed,
    /// A category level the model did not learn; scored as "other".
    UnknownCategory(String),
    /// A number outside the range seen in training; the model extrapolates.
    OutOfRange { value: f64, min: f64, max: f64 },
}

impl Warning {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self.kind {
            WarningKind::Imputed => "imputed",
            WarningKind::UnknownCategory(_) => "unknown_category",
            WarningKind::OutOfRange { .. } => "out_of_range",
        }
    }

    /// A sentence for people.
    pub fn message(&self) -> String {
        match &self.kind {
            WarningKind::Imputed => "missing value, imputed as the model learned in training".into(),
            WarningKind::UnknownCategory(v) => {
                format!("category \"{v}\" was not seen in training; scored as \"other\"")
            }
            WarningKind::OutOfRange { value, min, max } => {
                format!(
                    "{} is outside the training range [{}, {}]; the model extrapolates",
                    format_number(*value),
                    format_number(*min),
                    format_number(*max)
                )
            }
        }
    }
}

impl Encoder {
    /// Number of features this encoder writes.
    pub fn width(&self) -> usize {
        match self {
            Encoder::Numeric(n) => n.width(),
            Encoder::Boolean(b) => 1 + usize::from(b.missing_indicator),
            Encoder::Categorical(c) => c.levels.len() + 1 + usize::from(c.missing_slot),
            Encoder::Date(d) => d.age.width(),
        }
    }

    /// Human-readable names of the features, in order.
    pub fn feature_names(&self, column: &str) -> Vec<String> {
        match self {
            Encoder::Numeric(n) => n.feature_names(column),
            Encoder::Date(d) => d.age.feature_names(&format!("{column} (age in days)")),
            Encoder::Boolean(b) => {
                let mut v = vec![format!("{column} = {}", b.true_label)];
                if b.missing_indicator {
                    v.push(format!("{column} is missing"));
                }
                v
            }
            Encoder::Categorical(c) => {
                let mut v: Vec<String> = c.levels.iter().map(|l| format!("{column} = {l}")).collect();
                v.push(format!("{column} = other"));
                if c.missing_slot {
                    v.push(format!("{column} is missing"));
                }
                v
            }
        }
    }
}

impl Encoder {
    /// Checks the encoder's parameters; the message names the column.
    fn check(&self, name: &str) -> Result<(), String> {
        let numeric = |n: &NumericEncoder| -> Result<(), String> {
            let finite = [n.median, n.mean, n.sd, n.min, n.max].iter().chain(&n.knots).all(|x| x.is_finite());
            if !finite || n.sd <= 0.0 {
                return Err(format!(
                    "column \"{name}\": numeric parameters must be finite with a positive spread"
                ));
            }
            if n.knots.len() > 1024 || n.knots.windows(2).any(|w| w[0] >= w[1]) {
                return Err(format!("column \"{name}\": knots must be strictly increasing (at most 1024)"));
            }
            Ok(())
        };
        match self {
            Encoder::Numeric(n) => numeric(n),
            Encoder::Date(d) => {
                numeric(&d.age)?;
                // The reference day and the typical, oldest and newest dates must be days a date
                // column can hold (years 0000 to 9999), so that turning ages back into dates
                // cannot overflow (found by fuzzing).
                let day = |x: f64| (f64::from(FIRST_DAY)..=f64::from(LAST_DAY)).contains(&x);
                let reference = f64::from(d.reference_day);
                if !day(reference)
                    || ![d.age.median, d.age.min, d.age.max].iter().all(|a| day(reference - a.round()))
                {
                    return Err(format!("column \"{name}\": its dates fall outside the years 0000 to 9999"));
                }
                Ok(())
            }
            Encoder::Boolean(b) if b.true_label == b.false_label => {
                Err(format!("column \"{name}\": both boolean labels are \"{}\"", b.true_label))
            }
            Encoder::Boolean(_) => Ok(()),
            Encoder::Categorical(c) if c.levels.len() > 4096 || c.levels.windows(2).any(|w| w[0] >= w[1]) => {
                Err(format!("column \"{name}\": levels must be sorted and distinct (at most 4096)"))
            }
            Encoder::Categorical(_) => Ok(()),
        }
    }
}

impl NumericEncoder {
    pub fn width(&self) -> usize {
        1 + usize::from(self.missing_indicator) + self.knots.len().saturating_sub(1)
    }

    fn feature_names(&self, column: &str) -> Vec<String> {
        let mut v = vec![format!("{column} (standardised)")];
        if self.missing_indicator {
            v.push(format!("{column} is missing"));
        }
        for w in self.knots.windows(2) {
            v.push(format!("{column} in [{}, {}]", w[0], w[1]));
        }
        v
    }

    /// Writes the features of `x` (`None` = missing) into `out[..self.width()]`.
    fn write(&self, x: Option<f64>, out: &mut [f64]) {
        let v = x.unwrap_or(self.median);
        out[0] = ((v - self.mean) / self.sd).clamp(-MAX_STANDARDISED, MAX_STANDARDISED);
        let mut i = 1;
        if self.missing_indicator {
            out[1] = if x.is_none() { 1.0 } else { 0.0 };
            i = 2;
        }
        for w in self.knots.windows(2) {
            out[i] = segment(v, w[0], w[1]);
            i += 1;
        }
    }
}

impl Encoder {
    /// The number a number or date column stands for in an interaction term: its value (a date's
    /// age in days), or the training median when missing, exactly as [`Encoder::encode`] imputes
    /// it. Other kinds have none (0).
    pub fn imputed(&self, field: &str, value: Value<'_>) -> Result<f64, InputError> {
        let fail = |problem| InputError::new(field, problem);
        Ok(match self {
            Encoder::Numeric(n) => read::number(value).map_err(fail)?.unwrap_or(n.median),
            Encoder::Date(d) => read::date(value)
                .map_err(fail)?
                .map_or(d.age.median, |day| f64::from(d.reference_day) - f64::from(day)),
            Encoder::Boolean(_) | Encoder::Categorical(_) => 0.0,
        })
    }
}

impl CategoricalEncoder {
    /// Slot of a level: its index among `levels`, or the "other" slot.
    fn slot(&self, level: &str) -> Result<usize, usize> {
        self.levels.binary_search_by(|l| l.as_str().cmp(level)).map_err(|_| self.levels.len())
    }
}

impl Encoder {
    /// Encodes one raw value of column `field` into `out` (exactly [`Encoder::width`] slots,
    /// zeroed by the caller), reporting imputations and unknown levels into `warnings`.
    pub fn encode(
        &self,
        field: &str,
        value: Value<'_>,
        out: &mut [f64],
        warnings: &mut Vec<Warning>,
    ) -> Result<(), InputError> {
        let fail = |problem| InputError::new(field, problem);
        let mut warn = |kind| warnings.push(Warning { field: field.to_string(), kind });
        match self {
            Encoder::Numeric(n) => {
                let x = read::number(value).map_err(fail)?;
                match x {
                    None => warn(WarningKind::Imputed),
                    Some(v) if v < n.min || v > n.max => {
                        warn(WarningKind::OutOfRange { value: v, min: n.min, max: n.max })
                    }
                    Some(_) => {}
                }
                n.write(x, out);
            }
            Encoder::Date(d) => {
                let day = read::date(value).map_err(fail)?;
                let age = day.map(|day| f64::from(d.reference_day) - f64::from(day));
                match age {
                    None => warn(WarningKind::Imputed),
                    Some(v) if v < d.age.min || v > d.age.max => {
                        warn(WarningKind::OutOfRange { value: v, min: d.age.min, max: d.age.max })
                    }
                    Some(_) => {}
                }
                d.age.write(age, out);
            }
            Encoder::Boolean(b) => {
                let x = read::boolean(value, &b.true_label, &b.false_label).map_err(fail)?;
                if x.is_none() {
                    warn(WarningKind::Imputed);
                }
                out[0] = if x.unwrap_or(b.impute_true) { 1.0 } else { 0.0 };
                if b.missing_indicator {
                    out[1] = if x.is_none() { 1.0 } else { 0.0 };
                }
            }
            Encoder::Categorical(c) => {
                let level = read::level(value).map_err(fail)?;
                let level = level.as_deref();
                let slot = match level {
                    None => {
                        warn(WarningKind::Imputed);
                        if c.missing_slot { c.levels.len() + 1 } else { c.levels.len() }
                    }
                    Some(l) => c.slot(l).unwrap_or_else(|other| {
                        warn(WarningKind::UnknownCategory(l.to_string()));
                        other
                    }),
                };
                out[slot] = 1.0;
            }
        }
        Ok(())
    }
}

/// Linear interpolation quantile (numpy's default) of sorted data, `q` in `[0, 1]`.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    debug_assert!(!sorted.is_empty());
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    if lo == hi { sorted[lo] } else { sorted[lo] + (sorted[hi] - sorted[lo]) * frac }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric() -> Column {
        Column {
            name: "tenure".into(),
            role: Role::Feature(Encoder::Numeric(NumericEncoder {
                median: 10.0,
                mean: 20.0,
                sd: 10.0,
                knots: vec![0.0, 10.0, 40.0],
                missing_indicator: true,
                min: 0.0,
                max: 72.0,
                integer: true,
            })),
        }
    }

    fn encode(col: &Column, v: Value<'_>) -> Result<(Vec<f64>, Vec<Warning>), InputError> {
        let Role::Feature(enc) = &col.role else { unreachable!("test columns are features") };
        let mut out = vec![0.0; enc.width()];
        let mut w = Vec::new();
        enc.encode(&col.name, v, &mut out, &mut w)?;
        Ok((out, w))
    }

    #[test]
    fn numeric_piecewise_linear() {
        let c = numeric();
        assert_eq!(encode(&c, Value::Number(25.0)).unwrap().0, [0.5, 0.0, 1.0, 0.5]);
        assert_eq!(encode(&c, Value::Text(" 5 ")).unwrap().0, [-1.5, 0.0, 0.5, 0.0]);
        let (x, w) = encode(&c, Value::Text(" ")).unwrap();
        assert_eq!(x, [-1.0, 1.0, 1.0, 0.0]);
        assert_eq!(w[0].kind, WarningKind::Imputed);
        let (x, w) = encode(&c, Value::Number(100.0)).unwrap();
        assert_eq!(x, [8.0, 0.0, 1.0, 1.0]);
        assert_eq!(w[0].kind, WarningKind::OutOfRange { value: 100.0, min: 0.0, max: 72.0 });
    }

    #[test]
    fn numeric_rejects_what_is_not_a_number() {
        let c = numeric();
        assert_eq!(
            encode(&c, Value::Text("abc")).unwrap_err().to_string(),
            "tenure: expected a number, got \"abc\""
        );
        assert_eq!(
            encode(&c, Value::Number(f64::NAN)).unwrap_err().to_string(),
            "tenure: expected a finite number, got NaN (send null for a missing value)"
        );
        assert_eq!(encode(&c, Value::Bool(true)).unwrap_err().code(), "expected_number");
    }

    #[test]
    fn categories_pool_unknown_levels() {
        let c = Column {
            name: "Contract".into(),
            role: Role::Feature(Encoder::Categorical(CategoricalEncoder {
                levels: vec!["Month-to-month".into(), "One year".into(), "Two year".into()],
                other_seen: false,
                missing_slot: false,
                mode: "Month-to-month".into(),
            })),
        };
        assert_eq!(encode(&c, Value::Text("Two year")).unwrap().0, [0.0, 0.0, 1.0, 0.0]);
        let (x, w) = encode(&c, Value::Text("Weekly")).unwrap();
        assert_eq!(x, [0.0, 0.0, 0.0, 1.0]);
        assert_eq!(w[0].message(), "category \"Weekly\" was not seen in training; scored as \"other\"");
        assert_eq!(encode(&c, Value::Bool(true)).unwrap().0, [0.0, 0.0, 0.0, 1.0]);
    }

    #[test]
    fn booleans_accept_their_labels_and_common_spellings() {
        let c = Column {
            name: "Partner".into(),
            role: Role::Feature(Encoder::Boolean(BooleanEncoder {
                true_label: "Yes".into(),
                false_label: "No".into(),
                impute_true: false,
                missing_indicator: false,
            })),
        };
        for (v, want) in [
            (Value::Text("Yes"), 1.0),
            (Value::Text("no"), 0.0),
            (Value::Bool(true), 1.0),
            (Value::Number(0.0), 0.0),
        ] {
            assert_eq!(encode(&c, v).unwrap().0, [want]);
        }
        assert_eq!(
            encode(&c, Value::Text("maybe")).unwrap_err().to_string(),
            "Partner: expected Yes or No (or true/false), got \"maybe\""
        );
    }

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let s = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&s, 0.0), 1.0);
        assert_eq!(quantile_sorted(&s, 0.5), 2.5);
        assert_eq!(quantile_sorted(&s, 1.0), 4.0);
    }
}
