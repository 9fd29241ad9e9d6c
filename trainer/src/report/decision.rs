//! The HTML page of a `churn retrain` decision: the data checks, drift, both models' metrics,
//! the test and the decision, in one self-contained file beside `decision.json`.

use std::fmt::Write as _;

use crate::code::Code;
use crate::monitor::compare::p_text;
use crate::ops::retrain::{Decision, Outcome};
use crate::report::page::STYLE;
use crate::report::svg::escape;
use crate::stats::paired::Difference;

/// The decision as an HTML document.
pub fn render(d: &Decision) -> String {
    let mut h = String::new();
    let headline = match d.outcome {
        Outcome::PromoteChampion => "Promoted: the retrained model is the champion",
        Outcome::PromoteChallenger => "Promoted: the retrained model is the challenger",
        Outcome::KeepChampion => "Kept the champion",
        Outcome::Refused => "Refused: nothing was changed",
    };
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>Retrain {run}: {outcome}</title><style>{STYLE}</style>\
         </head><body><main><section id=\"decision\"><h1>{headline}</h1><p class=\"lead\">Retraining cycle \
         <code>{run}</code> at {at} on <code>{data}</code> against registry <code>{registry}</code>, policy \
         <code>{policy}</code>.</p><ul class=\"findings\">",
        run = escape(&d.run),
        outcome = d.outcome.as_str(),
        at = escape(&d.at),
        data = escape(&d.data),
        registry = escape(&d.registry),
        policy = d.policy.as_str(),
    );
    for r in &d.reasons {
        let _ = write!(h, "<li>{}</li>", escape(r));
    }
    h.push_str("</ul>");
    models(&mut h, d);
    checks(&mut h, d);
    drift(&mut h, d);
    test(&mut h, d);
    if let Some(e) = &d.event {
        let _ = write!(
            h,
            "<h2>Registry</h2><p class=\"lead\">{} is now {} (was {}), at {}.</p>",
            escape(&e.model),
            e.alias.as_str(),
            escape(e.previous.as_deref().unwrap_or("none")),
            escape(&e.at)
        );
    }
    h.push_str(
        "<footer>Written by churn retrain; decision.json beside this file holds the same record.</footer>",
    );
    h.push_str("</section></main></body></html>\n");
    h
}

fn models(h: &mut String, d: &Decision) {
    h.push_str(
        "<h2>Models</h2><table><thead><tr><th></th><th>id</th><th>model</th><th>trained on</th><th>rows</th>\
         <th>CV ROC AUC</th></tr></thead><tbody>",
    );
    for (role, m) in [("champion (A)", Some(&d.champion)), ("retrained (B)", d.challenger.as_ref())] {
        if let Some(m) = m {
            let _ = write!(
                h,
                "<tr><td>{role}</td><td><code>{}</code></td><td>{} {}</td><td>{}</td><td>{}</td><td>{:.4}</td></tr>",
                escape(&m.id),
                escape(&m.model),
                escape(&m.name),
                escape(&m.trained_on),
                m.training_rows,
                m.cv_roc_auc
            );
        }
    }
    h.push_str("</tbody></table>");
}

fn checks(h: &mut String, d: &Decision) {
    let Some(c) = &d.checks else { return };
    let _ = write!(
        h,
        "<h2>Data checks</h2><p class=\"lead\">{} rows; {}.</p><ul class=\"findings\">",
        c.rows,
        if c.blocking { "a finding blocks training" } else { "nothing blocks training" }
    );
    for f in &c.findings {
        let _ = write!(
            h,
            "<li class=\"{sev}\"><b>{sev}</b> [{code}] {msg}</li>",
            sev = f.severity.as_str(),
            code = f.code.as_str(),
            msg = escape(&f.message)
        );
    }
    h.push_str("</ul>");
}

fn drift(h: &mut String, d: &Decision) {
    let Some(r) = &d.drift else { return };
    let _ = write!(
        h,
        "<h2>Drift from the champion's training data</h2><p class=\"lead\">{} of {} rows scored; {}.</p>\
         <table><thead><tr><th>variable</th><th>PSI</th><th>moderate above</th><th>significant above</th>\
         <th>verdict</th></tr></thead><tbody>",
        r.scored,
        r.rows,
        if r.retrain_recommended { "retraining is recommended" } else { "no significant drift" }
    );
    let drifted = r.columns.iter().filter(|c| c.verdict != "none");
    for v in std::iter::once(&r.score).chain(drifted) {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td><td>{}</td></tr>",
            escape(&v.name),
            v.psi,
            v.moderate_above,
            v.significant_above,
            v.verdict
        );
    }
    h.push_str("</tbody></table>");
}

fn test(h: &mut String, d: &Decision) {
    let Some(c) = &d.comparison else { return };
    let holdout = d.holdout.as_ref().map_or(String::new(), |o| {
        format!(
            "{} held-out rows ({} churners, seed {}), which neither model trained on",
            o.rows, o.positives, o.seed
        )
    });
    let _ = write!(
        h,
        "<h2>The test</h2><p class=\"lead\">Both models scored {holdout}. The verdict is read from {} at α = {}: \
         {}.</p><table><thead><tr><th>metric</th><th>champion (A)</th><th>retrained (B)</th><th>B − A</th>\
         <th>{:.0}% CI</th><th>p</th><th>test</th></tr></thead><tbody>",
        c.metric.as_str(),
        c.alpha,
        escape(&c.summary),
        100.0 * (1.0 - c.alpha)
    );
    let row = |h: &mut String, name: &str, x: &Difference, how: &str| {
        let _ = write!(
            h,
            "<tr><td>{name}</td><td>{:.4}</td><td>{:.4}</td><td>{:+.4}</td><td>{:+.4} to {:+.4}</td><td>{}</td>\
             <td>{how}</td></tr>",
            x.a,
            x.b,
            x.difference,
            x.ci_low,
            x.ci_high,
            p_text(x.p_value)
        );
    };
    row(h, "ROC AUC", &c.roc_auc, "DeLong");
    row(h, "log loss (lower is better)", &c.log_loss, "paired bootstrap");
    row(h, "profit per customer", &c.profit_per_customer, "paired bootstrap");
    h.push_str("</tbody></table>");
}
