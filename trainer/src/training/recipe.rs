//! One way of fitting a model on some rows: the family, its penalty and encoding, and its
//! interaction terms. Cross-validation folds, the inner folds of a search and the final model are
//! all fitted by [`fit`], so what a search chose is exactly what the final model does.

use std::fmt;

use scorer_wasm::Pipeline;
use scorer_wasm::pipeline::Interaction;

use crate::code::Code;
use crate::error::{Error, Result};
use crate::input::data::Table;
use crate::model::nn::{self, FitOptions, Logistic, Mlp, Net};
use crate::prepare::design::Design;
use crate::prepare::fit::{EncodingOptions, encode_design, fit_pipeline};
use crate::prepare::infer::Plan;
use crate::prepare::pairs::{self, PairOptions};

/// The model families.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelKind {
    /// Logistic regression on the encoded features.
    Logistic,
    /// A small multilayer perceptron (ReLU).
    Mlp,
}

impl Code for ModelKind {
    const ALL: &'static [ModelKind] = &[ModelKind::Logistic, ModelKind::Mlp];
    const WHAT: &'static str = "model";
    fn as_str(self) -> &'static str {
        match self {
            ModelKind::Logistic => "logistic",
            ModelKind::Mlp => "mlp",
        }
    }
    fn help(self) -> &'static str {
        match self {
            ModelKind::Logistic => "Logistic regression on the encoded features",
            ModelKind::Mlp => "A small multilayer perceptron (ReLU)",
        }
    }
}

/// Units of an MLP's hidden layer when none are given (`--hidden`'s default).
pub const DEFAULT_HIDDEN: usize = 16;

/// Everything that decides a fit, given the rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Recipe {
    pub model: ModelKind,
    /// Hidden layer sizes (the MLP only).
    pub hidden: Vec<usize>,
    /// MLPs fitted from different seeds and averaged into one network ([`nn::average`]); 1 for
    /// a single model, and for the logistic regression, whose optimum does not depend on a seed.
    pub members: usize,
    pub fit: FitOptions,
    pub encoding: EncodingOptions,
    /// Pairwise interaction terms, searched for after a first, additive fit.
    pub pairs: PairOptions,
}

impl Recipe {
    /// The same recipe without interaction terms: the first fit of [`fit`].
    pub fn additive(&self) -> Recipe {
        Recipe { pairs: PairOptions { pairs: 0, ..self.pairs }, ..self.clone() }
    }
}

/// A short description for reports: `logistic α=1 bins=8 quantile pairs=8×4`.
impl fmt::Display for Recipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.model.as_str())?;
        if self.model == ModelKind::Mlp {
            let hidden: Vec<String> = self.hidden.iter().map(usize::to_string).collect();
            write!(f, " hidden={}", hidden.join(","))?;
            if self.members > 1 {
                write!(f, " ×{}", self.members)?;
            }
        }
        write!(f, " α={} bins={} {}", self.fit.l2, self.encoding.bins, self.encoding.knots.as_str())?;
        if self.pairs.pairs > 0 {
            write!(f, " pairs≤{} at {}", self.pairs.pairs, self.pairs.resolution)?;
        }
        Ok(())
    }
}

/// A model fitted on some rows.
pub(crate) struct Fitted {
    pub pipeline: Pipeline,
    pub net: Box<dyn Net + Send + Sync>,
    /// The mean encoded training row: the baseline of explanations.
    pub baseline: Vec<f64>,
    /// The model's logits on its training rows.
    pub logits: Vec<f64>,
}

impl Fitted {
    /// The model's logits on `rows`.
    pub fn logits_on(&self, table: &Table, plan: &Plan, rows: &[usize]) -> Result<Vec<f64>> {
        // Encoded a chunk at a time: each row's logit is its own, and a fold's held-out rows of a
        // large table never have to be in memory as a design beside its training rows'.
        let mut logits = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(LOGIT_CHUNK_ROWS) {
            logits.extend(nn::design_logits(
                self.net.as_ref(),
                &encode_design(&self.pipeline, table, plan, chunk)?,
            )?);
        }
        Ok(logits)
    }
}

/// Rows [`Fitted::logits_on`] encodes at a time.
const LOGIT_CHUNK_ROWS: usize = 65_536;

pub(crate) fn build_net(recipe: &Recipe, inputs: usize, seed: u64) -> Result<Box<dyn Net + Send + Sync>> {
    Ok(match recipe.model {
        ModelKind::Logistic => Box::new(Logistic::new(inputs)?),
        ModelKind::Mlp => Box::new(Mlp::new(inputs, &recipe.hidden, seed)?),
    })
}

/// Fits the recipe on `rows`: the pipeline on those rows only, the model; then, when the recipe
/// asks for interaction terms, the pair search on the first model's residuals
/// ([`pairs::search`]) and a second fit with the terms found.
pub(crate) fn fit(table: &Table, plan: &Plan, rows: &[usize], recipe: &Recipe, seed: u64) -> Result<Fitted> {
    let variant = Variant { l2: recipe.fit.l2, pairs: recipe.pairs.pairs };
    let (mut fits, _) = fit_path(table, plan, rows, recipe, &[variant], seed, Purpose::Model)?;
    fits.pop().ok_or_else(|| Error::Training("no fit ran".into()))
}

/// What a fit is for. A model (a fold's, the final one) is fitted to the optimum from a cold
/// start, so that the models written to files depend on nothing but their rows and recipe. The
/// inner fits of a search only rank candidates: they stop at a looser tolerance
/// ([`SEARCH_TOLERANCE`]) and warm-start a logistic regression's refit with interaction terms
/// from its additive fit, which changes where Newton's method starts, not the optimum it finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    Model,
    Search,
}

/// Newton's tolerance in a search's inner fits: on Telco the gradient's norm goes 1.6e-3,
/// 4.6e-5, 4.1e-8, so stopping below 1e-5 saves the last step, which moves the cost by less than
/// 1e-9 and no inner ROC AUC by as much as 1e-6.
pub(crate) const SEARCH_TOLERANCE: f64 = 1e-5;

/// What [`fit_path`] varies of a recipe: its penalty α, and its cap on interaction terms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Variant {
    pub l2: f64,
    pub pairs: usize,
}

/// [`fit`] for several variants of one recipe at once (each exactly what [`fit`] does with that
/// α and cap), sharing what does not depend on them: the pipeline and its encoded rows, and for
/// each α the additive fit and the pair search. Caps that come to the same terms (the search may
/// find fewer pairs than a cap) share one model. The models, and for each variant the index of
/// its model.
pub(crate) fn fit_path(
    table: &Table,
    plan: &Plan,
    rows: &[usize],
    recipe: &Recipe,
    variants: &[Variant],
    seed: u64,
    purpose: Purpose,
) -> Result<(Vec<Fitted>, Vec<usize>)> {
    let labels: Vec<f64> = rows.iter().map(|&i| plan.target.labels[i]).collect();
    let on = On { table, plan, rows, labels: &labels, seed, purpose };
    let pipeline = fit_pipeline(table, plan, rows, &recipe.encoding)?;
    let mut penalties: Vec<f64> = Vec::new();
    for v in variants {
        if !penalties.contains(&v.l2) {
            penalties.push(v.l2);
        }
    }
    let mut paths = on.additive_paths(recipe, &pipeline, variants, &penalties)?;
    // The distinct models: (α's index, terms taken), in the order the variants first ask.
    let keys: Vec<(usize, usize)> = variants
        .iter()
        .map(|v| {
            let a = penalties.iter().position(|&l2| l2 == v.l2).unwrap_or(0);
            (a, v.pairs.min(paths[a].terms.len()))
        })
        .collect();
    let mut distinct: Vec<(usize, usize)> = Vec::new();
    for key in &keys {
        if !distinct.contains(key) {
            distinct.push(*key);
        }
    }
    let index = keys.iter().map(|key| distinct.iter().position(|d| d == key).unwrap_or(0)).collect();
    let out = on.models(recipe, pipeline.columns(), &mut paths, &distinct)?;
    Ok((out, index))
}

/// The rows a [`fit_path`] fits on, and what for.
struct On<'a> {
    table: &'a Table,
    plan: &'a Plan,
    rows: &'a [usize],
    labels: &'a [f64],
    seed: u64,
    purpose: Purpose,
}

/// One α of a [`fit_path`]: its recipe, its additive model (until handed out), and the terms the
/// additive model's residuals lead to.
struct AlphaPath {
    at: Recipe,
    additive: Option<Fitted>,
    terms: Vec<Interaction>,
}

impl On<'_> {
    /// Per α, in order: the additive fit on the rows encoded once, and the pair search on its
    /// residuals for the most terms any variant of that α asks.
    fn additive_paths(
        &self,
        recipe: &Recipe,
        pipeline: &Pipeline,
        variants: &[Variant],
        penalties: &[f64],
    ) -> Result<Vec<AlphaPath>> {
        let x = encode_design(pipeline, self.table, self.plan, self.rows)?;
        let tolerance_newton =
            if self.purpose == Purpose::Search { SEARCH_TOLERANCE } else { recipe.fit.tolerance_newton };
        let mut paths: Vec<AlphaPath> = Vec::with_capacity(penalties.len());
        for &l2 in penalties {
            let at = Recipe { fit: FitOptions { l2, tolerance_newton, ..recipe.fit }, ..recipe.clone() };
            // The logistic regression's optimum is unique: the previous α's is a warm start that
            // Newton's method leaves in a few steps. An MLP starts from its seed, as `fit` does.
            let start = match (recipe.model, paths.last()) {
                (ModelKind::Logistic, Some(AlphaPath { additive: Some(previous), .. })) => {
                    Some(Start::Same(previous.net.as_ref()))
                }
                _ => None,
            };
            let additive = fit_design(&at, pipeline.clone(), &x, self.labels, self.seed, start)?;
            let most = variants.iter().filter(|v| v.l2 == l2).map(|v| v.pairs).max().unwrap_or(0);
            let terms = if most == 0 {
                Vec::new()
            } else {
                let opts = PairOptions { pairs: most, ..recipe.pairs };
                let (table, plan, rows) = (self.table, self.plan, self.rows);
                pairs::search_subset(table, plan, &additive.pipeline, rows, &x, &additive.logits, opts)?.0
            };
            paths.push(AlphaPath { at, additive: Some(additive), terms });
        }
        Ok(paths)
    }

    /// The `distinct` models, (α's index, terms taken): the additive fit itself, or a refit
    /// with that many of its α's terms, on designs shared by the α that found the same terms.
    fn models(
        &self,
        recipe: &Recipe,
        columns: &[scorer_wasm::Column],
        paths: &mut [AlphaPath],
        distinct: &[(usize, usize)],
    ) -> Result<Vec<Fitted>> {
        // A search's refits with terms start from their α's additive fit (copied: the additive
        // fit is handed out as the model without terms).
        let warm = recipe.model == ModelKind::Logistic && self.purpose == Purpose::Search;
        let starts: Vec<Option<Box<dyn Net + Send + Sync>>> = paths
            .iter()
            .map(|path| match &path.additive {
                Some(fitted) if warm => {
                    let copy = build_net(&path.at, fitted.pipeline.width(), self.seed)?;
                    nn::start_from(copy.as_ref(), fitted.net.as_ref())?;
                    Ok(Some(copy))
                }
                _ => Ok(None),
            })
            .collect::<Result<_>>()?;
        let mut designs: Vec<(Vec<Interaction>, Design)> = Vec::new();
        let mut out = Vec::with_capacity(distinct.len());
        for &(a, k) in distinct {
            let path = &mut paths[a];
            if k == 0 {
                let additive = path.additive.take();
                out.push(additive.ok_or_else(|| Error::Training("an additive fit was used twice".into()))?);
                continue;
            }
            let terms = &path.terms[..k];
            let pipeline = Pipeline::with_interactions(columns.to_vec(), terms.to_vec())
                .map_err(|m| Error::Training(format!("the interaction terms are invalid: {m}")))?;
            let x = match designs.iter().position(|(t, _)| t.as_slice() == terms) {
                Some(i) => &designs[i].1,
                None => {
                    designs
                        .push((terms.to_vec(), encode_design(&pipeline, self.table, self.plan, self.rows)?));
                    &designs[designs.len() - 1].1
                }
            };
            let start = starts[a].as_deref().map(Start::Prefix);
            out.push(fit_design(&path.at, pipeline, x, self.labels, self.seed, start)?);
        }
        Ok(out)
    }
}

/// Seeds of an ensemble's members: the first is the single model's, so one member is that model.
fn member_seed(seed: u64, member: usize) -> u64 {
    seed ^ (member as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// Where a warm-started fit begins.
#[derive(Clone, Copy)]
enum Start<'a> {
    /// A net of the same shape (the previous α's optimum).
    Same(&'a (dyn Net + Send + Sync)),
    /// A logistic regression on the design's first features (the additive fit, before terms).
    Prefix(&'a (dyn Net + Send + Sync)),
}

/// Fits the recipe's model on `x`, from `start`'s parameters when given.
fn fit_design(
    recipe: &Recipe,
    pipeline: Pipeline,
    x: &Design,
    labels: &[f64],
    seed: u64,
    start: Option<Start<'_>>,
) -> Result<Fitted> {
    let fit_one = |seed: u64| -> Result<Box<dyn Net + Send + Sync>> {
        let net = build_net(recipe, pipeline.width(), seed)?;
        match start {
            Some(Start::Same(from)) => nn::start_from(net.as_ref(), from)?,
            Some(Start::Prefix(from)) => nn::start_from_prefix(net.as_ref(), from)?,
            // A cold logistic regression starts from the intercept-only optimum rather than from
            // zero: a Newton step fewer in most fits (about 6 % of the bank file's training).
            None if recipe.model == ModelKind::Logistic => nn::start_at_base_rate(net.as_ref(), labels)?,
            None => {}
        }
        nn::fit(net.as_ref(), x, labels, recipe.fit)?;
        Ok(net)
    };
    let net = if recipe.model == ModelKind::Mlp && recipe.members > 1 {
        let members = (0..recipe.members)
            .map(|m| match fit_one(member_seed(seed, m))?.predictor()? {
                scorer_wasm::Predictor::Mlp(mlp) => Ok(mlp),
                _ => Err(Error::Training("an ensemble member is not an MLP".into())),
            })
            .collect::<Result<Vec<_>>>()?;
        Box::new(Mlp::from_predictor(&nn::average(&members)?)?)
    } else {
        fit_one(seed)?
    };
    let logits = nn::design_logits(net.as_ref(), x)?;
    Ok(Fitted { pipeline, net, baseline: x.column_means(), logits })
}
