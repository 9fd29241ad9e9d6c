//! `churn report`: one self-contained HTML file about a model, readable offline and printable.
//!
//! Everything comes from the model file: its card holds the cross-validated metrics, per-fold ROC
//! and precision–recall curves on a grid, the calibration report, the out-of-fold score histogram
//! by class and the profit curve; feature effects are computed by scoring with the model itself.
//! With `--data`, effects are partial dependence (the mean probability over up to
//! [`PD_ROWS`] customers when one input is set to each value); without it, they are profiles
//! around the model's typical customer (medians and most frequent levels).

use std::fmt::Write as _;

use scorer_wasm::value::format_date;
use scorer_wasm::{Encoder, Model, Role, Value};

use crate::error::{Error, Result};
use crate::input::data::Table;
use crate::model::card::{ModelCard, Stat};
use crate::report::svg::{Axis, Chart, Corner, PALETTE, escape};

/// Most customers averaged over in partial dependence.
pub const PD_ROWS: usize = 400;
/// Points of a numeric feature's effect curve.
const GRID: usize = 41;

/// The report as an HTML document.
pub fn render(model: &Model, data: Option<&Table>) -> Result<String> {
    let card = ModelCard::of(model)?;
    let effects = feature_effects(model, data)?;
    let mut h = String::new();
    let title = format!("Churn model {} — {}", card.name, model.id());
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body><main>",
        escape(&title)
    );
    header(&mut h, model, &card);
    findings(&mut h, &card);
    section(
        &mut h,
        "Discrimination",
        "How well the model ranks churners above everyone else, fold by fold: each \
        thin line is one held-out fold, the band is the mean ± one standard deviation.",
    );
    h.push_str("<div class=\"grid\">");
    h.push_str(&roc_chart(&card));
    h.push_str(&pr_chart(&card));
    h.push_str("</div>");
    section(&mut h, "Calibration", &calibration_text(&card));
    h.push_str("<div class=\"grid\">");
    h.push_str(&calibration_chart(&card));
    h.push_str(&distribution_chart(&card));
    h.push_str("</div>");
    section(&mut h, "Whom to contact", &economics_text(&card));
    h.push_str("<div class=\"grid\">");
    h.push_str(&profit_chart(&card));
    h.push_str(&gains_chart(&card));
    h.push_str(&lift_chart(&card));
    h.push_str("</div>");
    section(
        &mut h,
        "Feature effects",
        &if data.is_some() {
            format!(
                "Partial dependence: the mean churn probability over {} customers of the data when one input is \
                 set to each value and the others are left as they are. Ordered by how much the probability moves.",
                effects.rows
            )
        } else {
            "Each input varied on its own around the model's typical customer (median numbers, most frequent \
             categories), the others held fixed. Ordered by how much the probability moves. Pass --data for \
             partial dependence averaged over real customers."
                .to_string()
        },
    );
    h.push_str("<div class=\"grid small\">");
    // Level bars share one scale, so that bars compare across inputs.
    let top = effects
        .effects
        .iter()
        .flat_map(|e| match &e.kind {
            EffectKind::Levels(l) => l.iter().map(|p| p.1).collect::<Vec<_>>(),
            EffectKind::Curve { .. } => Vec::new(),
        })
        .fold(0.0, f64::max);
    for e in &effects.effects {
        h.push_str(&effect_html(e, model.threshold(), top));
    }
    h.push_str("</div>");
    folds_table(&mut h, &card);
    columns_table(&mut h, &card);
    let _ = writeln!(
        h,
        "<footer>Written by {} from model {} (SHA-256 {}). Metrics are out-of-fold: every number was measured on \
         customers the model being measured did not see.</footer></main></body></html>",
        escape(&card.trainer),
        model.id(),
        model.checksum()
    );
    Ok(h)
}

fn section(h: &mut String, title: &str, text: &str) {
    let _ = write!(h, "<h2>{}</h2><p class=\"lead\">{}</p>", escape(title), escape(text));
}

fn stat(s: &Stat, digits: usize) -> String {
    format!("{:.digits$} ± {:.digits$}", s.mean, s.sd)
}

fn header(h: &mut String, model: &Model, card: &ModelCard) {
    let d = &card.data;
    let _ = write!(
        h,
        "<header><h1>{}</h1><p>{} model predicting <b>{}</b> = “{}”, trained on <b>{}</b>: {} customers, {} churned \
         ({:.1}%). Model <code>{}</code>, {} encoded features, seed {}.</p></header>",
        escape(&card.name),
        escape(&card.model),
        escape(&card.target),
        escape(&card.positive_label),
        escape(&d.source),
        d.rows,
        d.positives,
        d.positive_rate * 100.0,
        model.id(),
        model.width(),
        card.seed
    );
    let cv = &card.cv;
    let spread_over = match &card.streaming {
        None => format!("{} stratified folds", cv.folds),
        Some(st) => {
            let _ = write!(
                h,
                "<p class=\"lead\">Trained by streaming: {} epochs of mini-batch Adam over {} rows. Every figure \
                 below is on {} held-out rows dealt into {} stratified parts (where a fold is named, read a \
                 part); the ± is the holdout's sampling error, not the spread of several models.</p>",
                st.epoch_loss.len(),
                st.training_rows,
                st.holdout_rows,
                cv.folds
            );
            format!("{} parts of the holdout", cv.folds)
        }
    };
    let t = &card.threshold;
    let tiles = [
        ("ROC AUC", format!("{:.4}", cv.roc_auc.mean), format!("± {:.4} over {spread_over}", cv.roc_auc.sd)),
        (
            "PR AUC",
            format!("{:.4}", cv.pr_auc.mean),
            format!("± {:.4}; churn rate {:.3}", cv.pr_auc.sd, d.positive_rate),
        ),
        (
            "Log loss",
            format!("{:.4}", cv.log_loss.mean),
            format!("± {:.4}; Brier {:.4}", cv.log_loss.sd, cv.brier.mean),
        ),
        ("Threshold", format!("{:.3}", t.value), t.rule.replace('_', " ")),
        (
            "Profit / customer",
            format!("{:.2}", t.profit_per_customer),
            format!("{:.2} contacting everyone", t.profit_contacting_all),
        ),
        (
            "Contacted",
            format!("{:.1}%", t.contacted_share * 100.0),
            format!("precision {:.3}, recall {:.3}", t.precision, t.recall),
        ),
    ];
    h.push_str("<div class=\"tiles\">");
    for (name, value, note) in tiles {
        let _ = write!(
            h,
            "<div class=\"tile\"><span>{}</span><b>{}</b><small>{}</small></div>",
            escape(name),
            escape(&value),
            escape(&note)
        );
    }
    h.push_str("</div>");
}

fn findings(h: &mut String, card: &ModelCard) {
    if card.data.findings.is_empty() {
        return;
    }
    h.push_str("<h2>Data checks</h2><ul class=\"findings\">");
    for f in &card.data.findings {
        let _ = write!(
            h,
            "<li class=\"{}\"><b>{}</b> {}</li>",
            escape(&f.severity),
            escape(&f.code),
            escape(&f.message)
        );
    }
    h.push_str("</ul>");
}

/// Mean and standard deviation across folds at each grid point.
fn spread(curves: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>) {
    let n = curves.first().map_or(0, Vec::len);
    let k = curves.len().max(1) as f64;
    let mean: Vec<f64> = (0..n).map(|i| curves.iter().map(|c| c[i]).sum::<f64>() / k).collect();
    let sd = (0..n)
        .map(|i| {
            if curves.len() < 2 {
                return 0.0;
            }
            (curves.iter().map(|c| (c[i] - mean[i]).powi(2)).sum::<f64>() / (k - 1.0)).sqrt()
        })
        .collect();
    (mean, sd)
}

fn fold_chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    curves: &[Vec<f64>],
    step: f64,
    summary: &str,
) -> Chart {
    let mut c = Chart::new(title, Axis::new(x_label, 0.0, 1.0), Axis::new(y_label, 0.0, 1.0));
    let x: Vec<f64> = (0..curves.first().map_or(0, Vec::len)).map(|i| i as f64 * step).collect();
    let (mean, sd) = spread(curves);
    let lower: Vec<f64> = mean.iter().zip(&sd).map(|(m, s)| (m - s).max(0.0)).collect();
    let upper: Vec<f64> = mean.iter().zip(&sd).map(|(m, s)| (m + s).min(1.0)).collect();
    c.band(&x, &lower, &upper, PALETTE[0], Some("mean ± 1 sd"));
    for (i, curve) in curves.iter().enumerate() {
        let pts: Vec<(f64, f64)> = x.iter().copied().zip(curve.iter().copied()).collect();
        c.line(&pts, "#94a3b8", 1.0, false, (i == 0).then_some("one fold"));
    }
    let pts: Vec<(f64, f64)> = x.iter().copied().zip(mean.iter().copied()).collect();
    c.line(&pts, PALETTE[0], 2.5, false, Some(summary));
    c
}

fn roc_chart(card: &ModelCard) -> String {
    let mut c = fold_chart(
        "ROC curve",
        "false-positive rate",
        "true-positive rate",
        &card.curves.roc_tpr,
        card.curves.step,
        &format!("mean, AUC {:.3}", card.cv.roc_auc.mean),
    );
    c.line(&[(0.0, 0.0), (1.0, 1.0)], "#64748b", 1.0, true, Some("chance"));
    c.legend_at(Corner::BottomRight).render()
}

fn pr_chart(card: &ModelCard) -> String {
    let mut c = fold_chart(
        "Precision–recall curve",
        "recall",
        "precision",
        &card.curves.pr_precision,
        card.curves.step,
        &format!("mean, AP {:.3}", card.cv.pr_auc.mean),
    );
    let base = card.data.positive_rate;
    c.line(&[(0.0, base), (1.0, base)], "#64748b", 1.0, true, Some("churn rate"));
    c.legend_at(Corner::BottomRight).render()
}

fn calibration_text(card: &ModelCard) -> String {
    let c = &card.calibration;
    let method = if c.method == "platt" {
        format!(
            "Probabilities are Platt-calibrated, σ({:.3}·z {} {:.3}) on the model's logit z, with the map fitted on \
             out-of-fold logits. ",
            c.slope,
            if c.intercept < 0.0 { '−' } else { '+' },
            c.intercept.abs()
        )
    } else {
        "Probabilities are the model's own (no calibration map). ".to_string()
    };
    format!(
        "{method}Expected calibration error {:.4} before and {:.4} after calibration (cross-fitted, so not flattered \
         by the fit); Brier score {:.4} → {:.4}. Points on the diagonal mean that of the customers given 30%, 30% \
         churned.",
        c.ece_before, c.ece_after, c.brier_before, c.brier_after
    )
}

fn calibration_chart(card: &ModelCard) -> String {
    let mut c = Chart::new(
        "Reliability (out-of-fold)",
        Axis::new("predicted probability", 0.0, 1.0).percent(),
        Axis::new("observed churn rate", 0.0, 1.0).percent(),
    );
    c.line(&[(0.0, 0.0), (1.0, 1.0)], "#64748b", 1.0, true, Some("perfect calibration"));
    let r = &card.calibration.reliability;
    let pts: Vec<(f64, f64)> = r.iter().map(|b| (b.predicted, b.observed)).collect();
    let weights: Vec<f64> = r.iter().map(|b| b.count as f64).collect();
    c.line(&pts, PALETTE[0], 1.5, false, None);
    c.points(&pts, Some(&weights), PALETTE[0], Some("bins (area ∝ customers)"));
    c.legend_at(Corner::TopLeft).render()
}

/// Share of each class per probability bin, from the card's histogram pooled into `bins` bins.
fn class_shares(card: &ModelCard, bins: usize) -> (Vec<f64>, Vec<f64>) {
    let hist = &card.oof_histogram;
    let per = (hist.bins as usize / bins).max(1);
    let pool = |v: &[u32]| -> Vec<f64> {
        let total = v.iter().map(|&c| f64::from(c)).sum::<f64>().max(1.0);
        v.chunks(per).map(|c| c.iter().map(|&x| f64::from(x)).sum::<f64>() / total).collect()
    };
    (pool(&hist.positives), pool(&hist.negatives))
}

fn distribution_chart(card: &ModelCard) -> String {
    let bins = 25;
    let (pos, neg) = class_shares(card, bins);
    let top = pos.iter().chain(&neg).copied().fold(0.0, f64::max) * 1.1;
    let mut c = Chart::new(
        "Scores by outcome (out-of-fold)",
        Axis::new("churn probability", 0.0, 1.0).percent(),
        Axis::new("share of the class", 0.0, top.max(0.01)).percent(),
    );
    let width = 1.0 / bins as f64;
    let bars = |v: &[f64]| -> Vec<(f64, f64, f64)> {
        v.iter().enumerate().map(|(i, &s)| (i as f64 * width, (i + 1) as f64 * width, s)).collect()
    };
    c.bars(&bars(&neg), PALETTE[0], 0.45, Some("stayed"));
    c.bars(&bars(&pos), PALETTE[1], 0.45, Some("churned"));
    c.marker(card.threshold.value, "#0f172a", "threshold");
    c.render()
}

fn economics_text(card: &ModelCard) -> String {
    let e = &card.economics;
    let t = &card.threshold;
    format!(
        "A retention campaign where keeping a churner is worth {} (clv), the offer costs {} to whoever accepts it, {:.0}% \
         of contacted churners accept and stay, and a contact costs {}. Contacting everyone from probability {:.3} on \
         ({}) is expected to earn {:.2} per customer of the base, against {:.2} contacting everyone; on average one \
         contact pays off above p = {:.3}. Profits are computed on out-of-fold probabilities; this is the campaign model \
         of the expected-maximum-profit measure for churn (Verbraken, Verbeke & Baesens, 2013) with a fixed acceptance \
         rate.",
        e.clv,
        e.offer_cost,
        e.accept_rate * 100.0,
        e.contact_cost,
        t.value,
        t.rule.replace('_', " "),
        t.profit_per_customer,
        t.profit_contacting_all,
        t.break_even_probability
    )
}

fn profit_chart(card: &ModelCard) -> String {
    let p = &card.profit_curve;
    let pts: Vec<(f64, f64)> =
        p.per_customer.iter().enumerate().map(|(i, &v)| (i as f64 * p.step, v)).collect();
    let lo = pts.iter().map(|q| q.1).fold(0.0, f64::min);
    let hi = pts.iter().map(|q| q.1).fold(0.0, f64::max);
    let pad = (hi - lo).max(1e-9) * 0.08;
    let mut c = Chart::new(
        "Expected profit per customer",
        Axis::new("contact everyone with probability ≥", 0.0, 1.0).percent(),
        Axis::new("profit per customer of the base", lo - pad, hi + pad),
    );
    c.line(&[(0.0, 0.0), (1.0, 0.0)], "#64748b", 1.0, true, None);
    c.line(&pts, PALETTE[2], 2.5, false, Some("out-of-fold profit"));
    c.marker(card.threshold.value, "#0f172a", &format!("chosen {:.2}", card.threshold.value));
    c.render()
}

/// Cumulative gains from the histogram: (share contacted, share of churners reached), highest
/// scores first.
fn gains(card: &ModelCard) -> Vec<(f64, f64)> {
    let h = &card.oof_histogram;
    let total_pos = h.positives.iter().map(|&c| f64::from(c)).sum::<f64>().max(1.0);
    let total = total_pos + h.negatives.iter().map(|&c| f64::from(c)).sum::<f64>();
    let (mut pos, mut all) = (0.0, 0.0);
    let mut pts = vec![(0.0, 0.0)];
    for i in (0..h.bins as usize).rev() {
        let (p, n) = (f64::from(h.positives[i]), f64::from(h.negatives[i]));
        if p + n == 0.0 {
            continue;
        }
        pos += p;
        all += p + n;
        pts.push((all / total, pos / total_pos));
    }
    pts
}

fn gains_chart(card: &ModelCard) -> String {
    let mut c = Chart::new(
        "Cumulative gains",
        Axis::new("customers contacted, highest scores first", 0.0, 1.0).percent(),
        Axis::new("churners reached", 0.0, 1.0).percent(),
    );
    let rate = card.data.positive_rate;
    c.line(&[(0.0, 0.0), (rate, 1.0), (1.0, 1.0)], "#64748b", 1.0, true, Some("perfect ranking"));
    c.line(&[(0.0, 0.0), (1.0, 1.0)], "#94a3b8", 1.0, true, Some("random"));
    c.line(&gains(card), PALETTE[0], 2.5, false, Some("model"));
    c.marker(card.threshold.contacted_share, "#0f172a", "threshold");
    c.legend_at(Corner::BottomRight).render()
}

fn lift_chart(card: &ModelCard) -> String {
    let pts: Vec<(f64, f64)> =
        gains(card).into_iter().filter(|p| p.0 >= 0.02).map(|(x, y)| (x, y / x)).collect();
    let top = pts.iter().map(|p| p.1).fold(1.0, f64::max);
    let mut c = Chart::new(
        "Lift",
        Axis::new("customers contacted, highest scores first", 0.0, 1.0).percent(),
        Axis::new("churn rate among them ÷ overall", 0.0, top * 1.1),
    );
    c.line(&[(0.0, 1.0), (1.0, 1.0)], "#94a3b8", 1.0, true, Some("random"));
    c.line(&pts, PALETTE[4], 2.5, false, Some("model"));
    c.render()
}

fn folds_table(h: &mut String, card: &ModelCard) {
    let cv = &card.cv;
    h.push_str(
        "<h2>Per fold</h2><p class=\"lead\">Precision, recall, F1 and profit use the threshold chosen on the \
        other folds, so each fold is judged as a deployment would be.</p><table><thead><tr><th>metric</th>",
    );
    for i in 0..cv.folds {
        let _ = write!(h, "<th>fold {}</th>", i + 1);
    }
    h.push_str("<th>mean ± sd</th></tr></thead><tbody>");
    for (name, s) in cv.metrics() {
        let _ = write!(h, "<tr><td>{name}</td>");
        for v in &s.folds {
            let _ = write!(h, "<td>{v:.4}</td>");
        }
        let _ = write!(h, "<td><b>{}</b></td></tr>", stat(s, 4));
    }
    h.push_str("</tbody></table>");
}

fn columns_table(h: &mut String, card: &ModelCard) {
    h.push_str("<h2>Columns</h2><table><thead><tr><th>column</th><th>role</th><th>missing</th><th>distinct</th><th>why</th></tr></thead><tbody>");
    for c in &card.data.columns {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&c.name),
            escape(&c.role),
            c.missing,
            c.distinct,
            escape(&c.reason)
        );
    }
    h.push_str("</tbody></table>");
    let hp = &card.hyperparameters;
    let _ = write!(
        h,
        "<p class=\"lead\">Hyper-parameters: {} {}L2 α = {}, {} piecewise-linear bins per number (knots: {}), up to {} \
         levels per category (at least {} rows each), at most {} optimiser iterations per fit{}.</p>",
        escape(&hp.model),
        match (hp.hidden.is_empty(), hp.members) {
            (true, _) => String::new(),
            (false, 0 | 1) => format!("with hidden layers {:?}, ", hp.hidden),
            (false, k) => format!("with hidden layers {:?}, the mean of {k} such networks, ", hp.hidden),
        },
        hp.l2,
        hp.bins,
        escape(&hp.knots),
        hp.max_levels,
        hp.min_level_count,
        hp.max_iter,
        if hp.pairs.is_empty() {
            String::new()
        } else {
            let pairs: Vec<String> =
                hp.pairs.iter().map(|[a, b]| format!("{} × {}", escape(a), escape(b))).collect();
            format!("; interaction terms: {}", pairs.join(", "))
        }
    );
    if let Some(search) = &card.search {
        search_section(h, search);
    }
}

/// The recipes a search tried, every outer fold's inner scores, and what each chose.
fn search_section(h: &mut String, search: &crate::model::card::SearchReport) {
    let _ = write!(
        h,
        "<h3>Recipe search</h3><p class=\"lead\">{} by nested cross-validation: in each outer fold every recipe \
         was scored by the mean ROC AUC of a {}-fold cross-validation on that fold's training rows only, and \
         the best was scored on the held-out rows (the metrics above). The final model uses the best mean \
         over the folds.</p><table><thead><tr><th>recipe</th>",
        escape(&search.method),
        search.inner_folds
    );
    for k in 0..search.outer.len() {
        let _ = write!(h, "<th>fold {}</th>", k + 1);
    }
    h.push_str("<th>mean</th></tr></thead><tbody>");
    for (c, name) in search.candidates.iter().enumerate() {
        let _ = write!(h, "<tr><td>{}</td>", escape(name));
        for choice in search.outer.iter().chain([&search.final_choice]) {
            let score = choice.scores.get(c).copied().unwrap_or(f64::NAN);
            if choice.chosen as usize == c {
                let _ = write!(h, "<td><strong>{score:.4}</strong></td>");
            } else {
                let _ = write!(h, "<td>{score:.4}</td>");
            }
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table>");
}

/// The effect of one input on the probability.
pub struct Effect {
    pub name: String,
    pub kind: EffectKind,
    /// Largest minus smallest probability over the input's values.
    pub range: f64,
}

pub enum EffectKind {
    /// Probability at values of a number (or a date's age, shown as dates).
    Curve { points: Vec<(f64, f64)>, x_label: String, deciles: Vec<f64> },
    /// Probability per level.
    Levels(Vec<(String, f64)>),
}

pub struct Effects {
    pub effects: Vec<Effect>,
    /// Customers averaged over (1 for the typical-customer profile).
    pub rows: usize,
}

/// Effects of every feature column, largest first.
pub fn feature_effects(model: &Model, data: Option<&Table>) -> Result<Effects> {
    let base = customers_to_vary(model, data)?;
    let reference = &model.spec().reference.columns;
    let mut scorer = model.scorer();
    let features = model.columns().iter().enumerate().filter_map(|(i, c)| match &c.role {
        Role::Feature(enc) => Some((i, c, enc)),
        _ => None,
    });
    let mut effects = Vec::new();
    for (k, (i, column, enc)) in features.enumerate() {
        let deciles = match reference.get(k).map(|d| &d.bins) {
            Some(scorer_wasm::reference::Bins::Numeric(edges)) => edges.clone(),
            _ => Vec::new(),
        };
        // The mean probability of the customers with input `i` set to `v`.
        let mut mean_at = |v: Value<'_>| -> f64 {
            let (mut sum, mut n) = (0.0, 0.0);
            for row in &base {
                let mut r = row.clone();
                r[i] = v;
                if let Ok(s) = scorer.score(&r) {
                    sum += s.probability;
                    n += 1.0;
                }
            }
            if n > 0.0 { sum / n } else { f64::NAN }
        };
        let kind = effect_of(&column.name, enc, deciles, &mut mean_at);
        effects.push(Effect::new(column.name.clone(), kind));
    }
    effects.sort_by(|a, b| b.range.total_cmp(&a.range).then_with(|| a.name.cmp(&b.name)));
    Ok(Effects { effects, rows: base.len() })
}

/// The customers whose inputs are varied: an even sample of the data's scorable rows, or the
/// typical customer without data.
fn customers_to_vary<'a>(model: &'a Model, data: Option<&'a Table>) -> Result<Vec<Vec<Value<'a>>>> {
    let Some(table) = data else {
        return Ok(vec![typical_row(model)]);
    };
    let binding =
        model.bind_header(&table.names).map_err(|e| Error::data(&table.path, format!("header: {e}")))?;
    let n = table.rows();
    let step = (n / PD_ROWS).max(1);
    let base: Vec<Vec<Value<'a>>> = (0..n)
        .step_by(step)
        .take(PD_ROWS)
        .map(|r| {
            let mut row = Vec::new();
            binding.fill(table.columns.iter().map(|c| c.value(r)), &mut row);
            row
        })
        .filter(|row| model.scorer().score(row).is_ok())
        .collect();
    if base.is_empty() {
        return Err(Error::Usage("none of the data's rows can be scored by this model".into()));
    }
    Ok(base)
}

/// One input's effect through `mean_at`: a curve over the training range of a number or a date
/// (with the training deciles), the probability per level of a boolean or a category.
fn effect_of(
    name: &str,
    enc: &Encoder,
    deciles: Vec<f64>,
    mean_at: &mut dyn FnMut(Value<'_>) -> f64,
) -> EffectKind {
    match enc {
        Encoder::Numeric(e) => EffectKind::Curve {
            points: grid(e.min, e.max).map(|x| (x, mean_at(Value::Number(x)))).collect(),
            x_label: name.to_string(),
            deciles,
        },
        Encoder::Date(d) => {
            let points = grid(d.age.min, d.age.max)
                .map(|age| {
                    let day = d.reference_day - age.round() as i32;
                    (f64::from(day), mean_at(Value::Text(&format_date(day))))
                })
                .collect();
            let deciles = deciles.iter().map(|age| f64::from(d.reference_day) - age).collect();
            EffectKind::Curve { points, x_label: format!("{name} (days since 1970)"), deciles }
        }
        Encoder::Boolean(b) => EffectKind::Levels(
            [&b.true_label, &b.false_label]
                .into_iter()
                .map(|l| (l.clone(), mean_at(Value::Text(l))))
                .collect(),
        ),
        Encoder::Categorical(c) => {
            let mut levels: Vec<(String, f64)> =
                c.levels.iter().map(|l| (l.clone(), mean_at(Value::Text(l)))).collect();
            if c.missing_slot {
                levels.push(("(missing)".into(), mean_at(Value::Missing)));
            }
            levels.sort_by(|a, b| b.1.total_cmp(&a.1));
            EffectKind::Levels(levels)
        }
    }
}

impl Effect {
    fn new(name: String, kind: EffectKind) -> Effect {
        let values: Vec<f64> = match &kind {
            EffectKind::Curve { points, .. } => points.iter().map(|p| p.1).collect(),
            EffectKind::Levels(l) => l.iter().map(|p| p.1).collect(),
        };
        let range = values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            - values.iter().copied().fold(f64::INFINITY, f64::min);
        Effect { name, kind, range }
    }
}

fn grid(min: f64, max: f64) -> impl Iterator<Item = f64> {
    (0..GRID).map(move |i| min + (max - min) * i as f64 / (GRID - 1) as f64)
}

/// Medians and most frequent levels: the customer forms start from.
fn typical_row(model: &Model) -> Vec<Value<'_>> {
    model
        .columns()
        .iter()
        .map(|c| match &c.role {
            Role::Feature(Encoder::Numeric(n)) => Value::Number(n.median),
            Role::Feature(Encoder::Boolean(b)) => {
                Value::Text(if b.impute_true { &b.true_label } else { &b.false_label })
            }
            Role::Feature(Encoder::Categorical(k)) => Value::Text(&k.mode),
            // Dates: a missing date is imputed with the median age, the typical value.
            _ => Value::Missing,
        })
        .collect()
}

fn effect_html(e: &Effect, threshold: f64, top: f64) -> String {
    match &e.kind {
        EffectKind::Curve { points, x_label, deciles } => {
            let lo = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
            let hi = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
            let pad = ((hi - lo) * 0.15).max(0.01);
            let (x0, x1) = (points.first().map_or(0.0, |p| p.0), points.last().map_or(1.0, |p| p.0));
            let mut c = Chart::new(
                &format!("{} (moves p by {:.1} points)", e.name, e.range * 100.0),
                Axis::new(x_label, x0, x1),
                Axis::new("churn probability", (lo - pad).max(0.0), (hi + pad).min(1.0)).percent(),
            );
            c.line(points, PALETTE[0], 2.5, false, None);
            if (lo - pad..=hi + pad).contains(&threshold) {
                c.line(&[(x0, threshold), (x1, threshold)], "#64748b", 1.0, true, Some("threshold"));
            }
            for &d in deciles {
                c.marker(d, "#cbd5e1", "");
            }
            c.render()
        }
        EffectKind::Levels(levels) => {
            let mut h = format!(
                "<div class=\"levels\"><div class=\"title\">{} (moves p by {:.1} points)</div>",
                escape(&e.name),
                e.range * 100.0
            );
            for (level, p) in levels {
                let _ = write!(
                    h,
                    "<div class=\"level\"><span>{}</span><i style=\"width:{:.1}%\"></i><b>{:.1}%</b></div>",
                    escape(level),
                    (p / top.max(1e-9) * 100.0).clamp(0.0, 100.0),
                    p * 100.0
                );
            }
            h.push_str("</div>");
            h
        }
    }
}

pub(crate) const STYLE: &str = r#"
:root{color-scheme:light dark;--fg:#0f172a;--muted:#475569;--bg:#fff;--panel:#f8fafc;--line:#e2e8f0;--accent:#2563eb}
@media (prefers-color-scheme:dark){:root{--fg:#e2e8f0;--muted:#94a3b8;--bg:#0b1120;--panel:#111827;--line:#1f2937}}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1180px;margin:0 auto;padding:24px}h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 4px;border-bottom:1px solid var(--line);padding-bottom:4px}
.lead{color:var(--muted);margin:4px 0 12px;max-width:900px}code{font-size:13px}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:10px;margin:16px 0}
.tile{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:10px 12px;display:flex;flex-direction:column}
.tile span{color:var(--muted);font-size:13px}.tile b{font-size:21px}.tile small{color:var(--muted)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:14px;align-items:start}.grid.small{grid-template-columns:repeat(auto-fit,minmax(280px,1fr))}
.chart{width:100%;height:auto;background:var(--panel);border:1px solid var(--line);border-radius:8px}
.chart text{fill:var(--fg);font-size:11px}.chart .title{font-size:13px;font-weight:600}.chart .tick,.chart .legend{fill:var(--muted)}
.chart .backdrop{fill:var(--panel);fill-opacity:.85;stroke:var(--line)}.chart .label{font-size:11.5px}.chart .grid{stroke:var(--line)}.chart .axis{stroke:var(--muted)}.chart .frame{fill:none;stroke:var(--line)}.chart .marker{font-size:10.5px}
.levels{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:10px 12px}.levels .title{font-weight:600;font-size:13px;margin-bottom:6px}
.level{display:grid;grid-template-columns:minmax(80px,40%) 1fr 52px;align-items:center;gap:6px;font-size:12.5px;margin:3px 0}
.level span{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}.level i{display:block;height:12px;background:var(--accent);border-radius:3px;opacity:.8}.level b{text-align:right;font-weight:500}
table{border-collapse:collapse;width:100%;font-size:13.5px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line)}th{color:var(--muted);font-weight:600}
.findings{padding-left:18px}.findings li{margin:4px 0}.findings .blocking b{color:#dc2626}.findings .warning b{color:#d97706}
footer{margin:36px 0 12px;color:var(--muted);font-size:12.5px}
@media print{.chart{break-inside:avoid}main{max-width:none}}
"#;
