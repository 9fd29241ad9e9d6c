//! The churn model format and everything needed to score with it: feature encoding, forward
//! pass, explanations. Pure Rust with no IO and no heavy dependency, so the same code runs in the
//! trainer, in tests, in the edge functions and, compiled to `wasm32-unknown-unknown`, in browsers.
//!
//! - [`Model`] — a validated model, loaded from a model file with [`Model::from_bytes`]; its
//!   [`ModelSpec`] holds the [`Pipeline`] of [`Column`]s with their [`Encoder`]s, the
//!   [`Predictor`], calibration, decision threshold and the model card (JSON).
//! - [`Scorer`] — scores rows of raw [`Value`]s (text, numbers, booleans, missing) through the
//!   encoder and the predictor, and [explains](Scorer::explain) them.
//! - [`Csv`] — the CSV reader every component shares; [`Model::bind_header`] and
//!   [`Model::record`] line up tables and named records with the model's columns.
//!
//! ```
//! use scorer_wasm::*;
//!
//! // A one-feature logistic model: logit = -1 · (tenure - 24) / 12 - 1.
//! let tenure = NumericEncoder {
//!     median: 12.0, mean: 24.0, sd: 12.0, knots: vec![], missing_indicator: false,
//!     min: 0.0, max: 72.0, integer: true,
//! };
//! let model = Model::new(ModelSpec {
//!     pipeline: Pipeline::new(vec![Column {
//!         name: "tenure".into(),
//!         role: Role::Feature(Encoder::Numeric(tenure)),
//!     }])?,
//!     target: Target { name: "Churn".into(), positive: "Yes".into(), negative: "No".into() },
//!     predictor: Predictor::Logistic(Linear { weights: vec![-1.0], bias: -1.0 }),
//!     calibration: Calibration::IDENTITY,
//!     decision: Decision { threshold: 0.5, rule: "max_f1".into() },
//!     bands: RiskBands { medium: 0.25, high: 0.5 },
//!     baseline: vec![0.0],
//!     reference: Default::default(),
//!     meta: Meta::default(),
//!     card: "{}".into(),
//!     events: None,
//! })?;
//!
//! let mut scorer = model.scorer();
//! let new_customer = scorer.score(&[Value::Text("0")])?; // z = -2, logit = 1
//! assert_eq!(new_customer.probability, 0.7310585786300049);
//! assert_eq!(model.band(new_customer.probability), Band::High);
//!
//! let why = scorer.explain(&[Value::Number(0.0)])?;
//! assert_eq!((why.base_logit, why.contributions[0].value), (-1.0, 2.0));
//!
//! // Blank means missing: imputed with the training median, and reported.
//! let blank = scorer.score(&[Value::Text(" ")])?;
//! assert_eq!(blank.logit, 0.0);
//! assert_eq!(scorer.warnings()[0].code(), "imputed");
//!
//! let reloaded = Model::from_bytes(&model.to_bytes())?;
//! assert_eq!(reloaded.checksum(), model.checksum());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod api;
pub mod artifact;
pub mod csv;
pub mod embedded;
pub mod error;
pub mod events;
pub mod explain;
pub mod json;
pub mod math;
pub mod model;
pub mod pipeline;
pub mod predictor;
pub mod read;
pub mod record;
pub mod reference;
pub mod value;

// The browser-facing shells exist only in the `wasm32-unknown-unknown` build: the JavaScript API,
// and a plain C ABI in the same module for hosts without JavaScript (wasmtime in CI).
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
pub mod abi;
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
pub mod web;

pub use csv::{Csv, Record};
pub use error::{ArtifactError, CsvError, Error, InputError, Problem};
pub use events::EventSpec;
pub use explain::{Contribution, Explanation, PairContribution};
pub use model::{
    Alias, Band, Calibration, Decision, Meta, Model, ModelSpec, RiskBands, Score, Scorer, Target, Verdict,
    closest_name,
};
pub use pipeline::{
    BooleanEncoder, CategoricalEncoder, Column, DateEncoder, Encoder, Interaction, NumericEncoder, Pipeline,
    Role, Side, Warning, WarningKind,
};
pub use predictor::{Dense, Linear, Mlp, Predictor};
pub use record::HeaderBinding;
pub use value::Value;
