//! What the commands print for people, and the model card file.

use std::fmt::Write as _;

use scorer_wasm::Model;

use crate::model::card::{ModelCard, Stat};

use crate::code::Code;
use crate::input::data::Table;
use crate::monitor::compare::Comparison;
use crate::monitor::drift::DriftReport;
use crate::monitor::evaluate::Evaluation;
use crate::monitor::predict::PredictSummary;
use crate::ops::registry::{Action, Entry, Event, Registry};
use crate::ops::retrain::{Decision, Outcome};
use crate::prepare::validate::{Severity, Validation};
use crate::training::train::Trained;

fn stat(s: &Stat) -> String {
    format!("{:.4} ± {:.4}", s.mean, s.sd)
}

/// The human summary of `churn train`.
pub fn train_summary(
    table: &Table,
    trained: &Trained,
    model_path: &str,
    card_path: &str,
    bytes: usize,
) -> String {
    let model: &Model = &trained.model;
    let card = &trained.card;
    let mut out = String::new();
    // Writing to a String cannot fail.
    if let Some(events) = &card.events {
        events_section(&mut out, events);
    }
    input_section(&mut out, table, card);
    metrics_section(&mut out, card, model.width());
    if let Some(o) = card.events.as_ref().and_then(|e| e.out_of_time.as_ref()) {
        let _ = writeln!(
            out,
            "Out of time: trained on {} rows of snapshots up to {}, scored on {} rows from {} on: ROC AUC {:.4}, \
             PR AUC {:.4}",
            o.train_rows, o.train_until, o.test_rows, o.test_from, o.roc_auc, o.pr_auc
        );
    }
    threshold_section(&mut out, card);
    let _ = writeln!(
        out,
        "\nWrote {model_path} (id {}, {:.1} KB) and {card_path}",
        model.id(),
        bytes as f64 / 1024.0
    );
    let _ = writeln!(
        out,
        "Parity: scorer and trainer agree within {:.1e} on all {} {}rows; trained in {:.1} s",
        trained.parity.max_abs_diff,
        trained.parity.rows,
        if card.streaming.is_some() { "sampled " } else { "" },
        trained.seconds
    );
    out
}

/// `churn validate --events`: the log, its types and values, and the snapshots it gives.
pub fn event_validate_summary(e: &crate::training::events::LogSummary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Event log {}: {} events ({} read), {} customers ({} without events), {} to {}",
        e.events_file,
        e.events,
        e.events_read,
        e.customers,
        e.customers_without_events,
        e.first_event,
        e.last_event
    );
    let types: Vec<String> = e.types.iter().map(|(t, n)| format!("{t} {n}")).collect();
    let _ = writeln!(out, "  types: {}", if types.is_empty() { "none".into() } else { types.join(", ") });
    let _ =
        writeln!(out, "  values: {}", if e.values.is_empty() { "none".into() } else { e.values.join(", ") });
    for finding in &e.findings {
        let _ = writeln!(out, "  note: {finding}");
    }
    let _ = writeln!(
        out,
        "Snapshots: {} times, {} to {}: {} rows, {:.1}% churned within the horizon\n",
        e.snapshots,
        e.first_snapshot,
        e.last_snapshot,
        e.rows,
        100.0 * e.churn_rate
    );
    out
}

/// How an event log became rows: its span, the snapshots, what reading it found.
fn events_section(out: &mut String, e: &crate::model::card::EventsReport) {
    let customers = e.customers_file.as_deref().map_or_else(String::new, |c| format!(" and {c}"));
    let _ = writeln!(
        out,
        "Read {}{customers}: {} events of {} customers, {} to {}",
        e.events_file, e.events, e.customers, e.first_event, e.last_event
    );
    let _ = writeln!(
        out,
        "Snapshots: {} times every {} days, {} to {}; {}; {}",
        e.snapshots, e.every_days, e.first_snapshot, e.last_snapshot, e.active, e.label
    );
    let _ = writeln!(
        out,
        "Penalty per customer: {:.1} snapshot rows a customer, so --l2 is multiplied by {:.1}",
        e.rows_per_customer, e.rows_per_customer
    );
    for finding in &e.findings {
        let _ = writeln!(out, "  note: {finding}");
    }
    out.push('\n');
}

/// What was read (or streamed), the data checks, and each column's role.
fn input_section(out: &mut String, table: &Table, card: &ModelCard) {
    match &card.streaming {
        None if card.events.is_some() => {
            let _ = writeln!(out, "Snapshot rows: {} rows, {} columns\n", table.rows(), table.names.len());
        }
        None => {
            let _ = writeln!(
                out,
                "Read {}: {} rows, {} columns ({})\n",
                table.file_name(),
                table.rows(),
                table.names.len(),
                table.format
            );
        }
        Some(s) => {
            let _ = writeln!(
                out,
                "Streamed {}: {} rows, {} columns ({}), in chunks of {} rows within --memory {} MB; \
                 column types and encoders from a sample of {} training rows; {} rows held out\n",
                table.file_name(),
                s.rows,
                table.names.len(),
                table.format,
                s.chunk_rows,
                s.memory_mb,
                s.sample_rows,
                s.holdout_rows
            );
        }
    }
    if !card.data.findings.is_empty() {
        let _ = writeln!(out, "Data checks (churn validate has the full report)");
        for f in &card.data.findings {
            let _ = writeln!(out, "  {:<8} {}", f.severity, f.message);
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "Columns");
    let width = card.data.columns.iter().map(|c| c.name.chars().count()).max().unwrap_or(0);
    for c in &card.data.columns {
        let _ = writeln!(out, "  {:<width$}  {:<11}  {}", c.name, c.role, c.reason);
    }
}

/// How the model was evaluated, and its metrics and calibration.
fn metrics_section(out: &mut String, card: &ModelCard, features: usize) {
    let cv = &card.cv;
    let evaluation = match &card.streaming {
        None => format!("Cross-validation: {} stratified folds", cv.folds),
        Some(st) => format!(
            "Holdout: {} rows in {} stratified parts, after {} epochs of mini-batch Adam on {} rows",
            st.holdout_rows,
            cv.folds,
            st.epoch_loss.len(),
            st.training_rows
        ),
    };
    let _ = writeln!(out, "\n{evaluation}, seed {}, {} model, {} features", card.seed, card.model, features);
    if let Some(search) = &card.search {
        let chosen = |c: &crate::model::card::SearchChoice| {
            search.candidates.get(c.chosen as usize).map_or("?", String::as_str).to_string()
        };
        let folds: Vec<String> = search.outer.iter().map(|c| (c.chosen + 1).to_string()).collect();
        let _ = writeln!(
            out,
            "  recipe       {} of {} by nested CV ({} inner folds): {} (inner ROC AUC {:.4}); folds chose #{}",
            search.method,
            search.candidates.len(),
            search.inner_folds,
            chosen(&search.final_choice),
            search.final_choice.scores.get(search.final_choice.chosen as usize).copied().unwrap_or(f64::NAN),
            folds.join(", #")
        );
    }
    if !card.hyperparameters.pairs.is_empty() {
        let pairs: Vec<String> =
            card.hyperparameters.pairs.iter().map(|[a, b]| format!("{a} × {b}")).collect();
        let _ = writeln!(out, "  interactions {}", pairs.join(", "));
    }
    for (name, s) in cv.metrics() {
        let _ = writeln!(out, "  {name:<17} {}", stat(s));
    }
    let c = &card.calibration;
    if c.method == "none" {
        let _ = writeln!(out, "  calibration  none (expected calibration error {:.4})", c.ece_before);
    } else {
        let _ = writeln!(
            out,
            "  calibration  {} σ({:.3}·z {} {:.3}): expected calibration error {:.4} → {:.4}, Brier {:.4} → {:.4}",
            c.method,
            c.slope,
            if c.intercept < 0.0 { '−' } else { '+' },
            c.intercept.abs(),
            c.ece_before,
            c.ece_after,
            c.brier_before,
            c.brier_after
        );
    }
}

/// The decision threshold and what the campaign gains at it.
fn threshold_section(out: &mut String, card: &ModelCard) {
    let t = &card.threshold;
    let e = &card.economics;
    let _ = writeln!(
        out,
        "\nDecision threshold {:.4} ({}), for a campaign with clv {}, offer_cost {}, accept_rate {}, contact_cost {}:",
        t.value, t.rule, e.clv, e.offer_cost, e.accept_rate, e.contact_cost
    );
    let _ = writeln!(
        out,
        "  contacts {:.1}% of customers: precision {:.3}, recall {:.3}; expected profit {:.2} per customer \
         ({:.2} contacting everyone; one contact pays off above p = {:.3})",
        t.contacted_share * 100.0,
        t.precision,
        t.recall,
        t.profit_per_customer,
        t.profit_contacting_all,
        t.break_even_probability
    );
}

/// The human summary of `churn predict`.
pub fn predict_summary(s: &PredictSummary, out_path: &str) -> String {
    let part = match &s.shard {
        Some(shard) if s.rows == 0 => {
            format!(" (shard {shard}: no rows, the file has fewer rows than shards)")
        }
        Some(shard) => format!(" (shard {shard}: rows {}–{} of the file)", s.first_row, s.last_row),
        None => String::new(),
    };
    let mut out = format!(
        "Scored {} of {} rows{part} with model {} → {out_path}\nExpected churners: {:.1}; to contact at the \
         model's threshold: {}\n",
        s.scored, s.rows, s.model_id, s.expected_churners, s.contact
    );
    if s.failed > 0 {
        let _ = writeln!(out, "{} rows could not be scored (their error is in the output):", s.failed);
        for e in &s.first_errors {
            let _ = writeln!(out, "  {e}");
        }
    }
    out
}

/// Text cut to `n` characters, with an ellipsis when cut.
fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// The human report of `churn validate`.
pub fn validate_summary(v: &Validation) -> String {
    let mut out = String::new();
    let _ =
        write!(out, "Validated {}: {} rows, {} columns ({})", v.source, v.rows, v.columns.len(), v.format);
    if let Some(t) = &v.target {
        let _ = write!(
            out,
            "; target {}: {} churners ({:.1}%, \"{}\")",
            t.name,
            t.positives,
            t.positive_rate * 100.0,
            t.positive
        );
    }
    let _ = writeln!(out, "\n");
    let width = v.columns.iter().map(|c| c.name.chars().count()).max().unwrap_or(6).max(6);
    let _ = writeln!(
        out,
        "  {:<width$}  {:<11}  {:>7}  {:>8}  {:>9}  values",
        "column", "role", "missing", "distinct", "AUC alone"
    );
    for c in &v.columns {
        let values = match (c.min, c.max) {
            (Some(lo), Some(hi)) => format!(
                "{} … {}",
                scorer_wasm::value::format_number(lo),
                scorer_wasm::value::format_number(hi)
            ),
            _ => c.top.iter().map(|(v, n)| format!("{} ×{n}", cut(v, 18))).collect::<Vec<_>>().join(", "),
        };
        let missing = if c.missing > 0 { format!("{:.1}%", c.missing_share * 100.0) } else { "-".into() };
        let auc = c.auc_alone.map_or("-".into(), |a| format!("{a:.3}"));
        let _ = writeln!(
            out,
            "  {:<width$}  {:<11}  {:>7}  {:>8}  {:>9}  {}",
            c.name,
            c.role,
            missing,
            c.distinct,
            auc,
            cut(&values, 60)
        );
    }
    let _ = writeln!(out, "\nFindings");
    if v.findings.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for f in &v.findings {
        let _ = writeln!(out, "  {:<8}  {:<19} {}", f.severity.as_str(), f.code.as_str(), f.message);
    }
    let blocking = v.findings.iter().filter(|f| f.severity == Severity::Blocking).count();
    let _ = writeln!(
        out,
        "\n{}",
        if blocking > 0 {
            format!("{blocking} blocking finding(s): churn train would stop on this data.")
        } else {
            "Nothing blocks training.".to_string()
        }
    );
    out
}

/// The human report of `churn drift`.
pub fn drift_summary(r: &DriftReport, file: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Drift of {file} ({} rows, {} scored) against model {}'s training data ({} rows)\n",
        r.rows, r.scored, r.model_id, r.reference_rows
    );
    let width = r.columns.iter().map(|c| c.name.chars().count()).max().unwrap_or(5).max(5);
    let _ = writeln!(
        out,
        "  {:<width$}  {:>7}  {:<11}  {:>16}  missing then → now",
        "input", "PSI", "verdict", "alarm at (mod/sig)"
    );
    for c in std::iter::once(&r.score).chain(&r.columns) {
        let _ = writeln!(
            out,
            "  {:<width$}  {:>7.4}  {:<11}  {:>7.3} / {:<6.3}  {:.1}% → {:.1}%{}",
            c.name,
            c.psi,
            c.verdict,
            c.moderate_above,
            c.significant_above,
            c.missing_share_reference * 100.0,
            c.missing_share_now * 100.0,
            if c.invalid > 0 {
                format!("; {} values do not fit the column", c.invalid)
            } else {
                String::new()
            }
        );
    }
    let _ = writeln!(
        out,
        "\n{}",
        if r.retrain_recommended {
            format!("Retraining recommended: {}.", r.reasons.join("; "))
        } else {
            "No significant drift.".to_string()
        }
    );
    out
}

/// The human report of `churn evaluate`.
pub fn evaluate_summary(e: &Evaluation, file: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Evaluated model {} on {file}: {} of {} rows ({} churned){}{}\n",
        e.model_id,
        e.evaluated,
        e.rows,
        e.positives,
        if e.unlabelled > 0 { format!("; {} rows have no outcome", e.unlabelled) } else { String::new() },
        if e.failed > 0 { format!("; {} rows could not be scored", e.failed) } else { String::new() },
    );
    let _ = writeln!(out, "  {:<18} {:>8}  {:>18}", "metric", "now", "cross-validation");
    for (name, c) in [
        ("ROC AUC", &e.roc_auc),
        ("PR AUC", &e.pr_auc),
        ("log loss", &e.log_loss),
        ("Brier", &e.brier),
        ("precision", &e.precision),
        ("recall", &e.recall),
        ("profit / customer", &e.profit_per_customer),
    ] {
        let _ = writeln!(out, "  {name:<18} {:>8.4}  {:>9.4} ± {:<6.4}", c.now, c.cv_mean, c.cv_sd);
    }
    let _ = writeln!(
        out,
        "  ROC AUC standard error on this sample {:.4}; mean probability {:.4}, churn rate {:.4}, calibration error {:.4}",
        e.roc_auc_se, e.mean_predicted, e.observed_rate, e.ece
    );
    for err in &e.first_errors {
        let _ = writeln!(out, "  could not score {err}");
    }
    let _ = writeln!(
        out,
        "\n{}",
        if e.reasons.is_empty() {
            "Performance is in line with the model card.".to_string()
        } else {
            format!("Performance dropped: {}.", e.reasons.join("; "))
        }
    );
    out
}

/// `churn compare`.
pub fn compare_summary(c: &Comparison, file: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Compared on {file}: {} labelled rows scored by both models ({} churned){}{}\n",
        c.compared,
        c.positives,
        if c.unlabelled > 0 { format!("; {} rows have no outcome", c.unlabelled) } else { String::new() },
        if c.failed > 0 { format!("; {} rows could not be scored by both", c.failed) } else { String::new() },
    );
    for (label, side) in [("A", &c.a), ("B", &c.b)] {
        let _ = writeln!(
            out,
            "  {label}  {}  {} {}, threshold {:.4}",
            side.model_id, side.model, side.name, side.threshold
        );
    }
    let level = format!("{:.0}% CI", 100.0 * (1.0 - c.alpha));
    let _ = writeln!(
        out,
        "\n  {:<20} {:>9} {:>9} {:>9}  {:>21}  {:>8}  test",
        "metric", "A", "B", "B − A", level, "p"
    );
    for (name, d, test) in [
        ("ROC AUC", &c.roc_auc, "DeLong"),
        ("log loss", &c.log_loss, "paired bootstrap"),
        ("profit / customer", &c.profit_per_customer, "paired bootstrap"),
    ] {
        let _ = writeln!(
            out,
            "  {name:<20} {:>9.4} {:>9.4} {:>+9.4}  {:>+9.4} to {:<+9.4}  {:>8}  {test}",
            d.a,
            d.b,
            d.difference,
            d.ci_low,
            d.ci_high,
            crate::monitor::compare::p_text(d.p_value)
        );
    }
    let _ = writeln!(
        out,
        "  (bootstrap: {} stratified resamples, seed {}; lower log loss is better)",
        c.resamples, c.seed
    );
    for err in &c.first_errors {
        let _ = writeln!(out, "  could not score {err}");
    }
    let _ = writeln!(out, "\nVerdict ({}): {}.", c.metric.as_str(), c.summary);
    out
}

/// `churn retrain`.
pub fn retrain_summary(d: &Decision) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Retraining cycle {} on {} (registry {})", d.run, d.data, d.registry);
    let _ = writeln!(
        out,
        "  champion   {} ({} {}, CV ROC AUC {:.4})",
        d.champion.id, d.champion.model, d.champion.name, d.champion.cv_roc_auc
    );
    if let Some(c) = &d.checks {
        let count = |s: Severity| c.findings.iter().filter(|f| f.severity == s).count();
        let _ = writeln!(
            out,
            "  checks     {} rows: {} blocking findings, {} warnings",
            c.rows,
            count(Severity::Blocking),
            count(Severity::Warning)
        );
    }
    if let Some(r) = &d.drift {
        let drifted: Vec<&str> =
            r.columns.iter().filter(|c| c.verdict == "significant").map(|c| c.name.as_str()).collect();
        let _ = writeln!(
            out,
            "  drift      score PSI {:.4} ({}){}",
            r.score.psi,
            r.score.verdict,
            if drifted.is_empty() {
                String::new()
            } else {
                format!("; significant in {}", drifted.join(", "))
            }
        );
    }
    if let Some(h) = &d.holdout {
        let _ = writeln!(out, "  holdout    {} rows ({} churners), seed {}", h.rows, h.positives, h.seed);
    }
    if let Some(c) = &d.challenger {
        let _ = writeln!(
            out,
            "  retrained  {} ({} {}, {} rows, CV ROC AUC {:.4}){}",
            c.id,
            c.model,
            c.name,
            c.training_rows,
            c.cv_roc_auc,
            if d.registered_new { ", registered" } else { ", in the registry already" }
        );
    }
    if let Some(c) = &d.comparison {
        let _ = writeln!(
            out,
            "\n  on the holdout        champion  retrained     B − A                CI         p"
        );
        for (name, x) in [
            ("ROC AUC", &c.roc_auc),
            ("log loss", &c.log_loss),
            ("profit / customer", &c.profit_per_customer),
        ] {
            let _ = writeln!(
                out,
                "  {name:<20} {:>9.4} {:>10.4} {:>+9.4}  {:>+8.4} to {:<+8.4} {:>9}",
                x.a,
                x.b,
                x.difference,
                x.ci_low,
                x.ci_high,
                crate::monitor::compare::p_text(x.p_value)
            );
        }
    }
    let verb = match d.outcome {
        Outcome::PromoteChampion => "Promoted the retrained model to champion",
        Outcome::PromoteChallenger => "Made the retrained model the challenger",
        Outcome::KeepChampion => "Kept the champion",
        Outcome::Refused => "Refused",
    };
    let _ = writeln!(out, "\n{verb}: {}.", d.reasons.join("; "));
    let _ = writeln!(out, "Decision: {}/decision.json and decision.html", d.folder);
    out
}

/// `churn registry list`.
pub fn registry_list(reg: &Registry) -> String {
    let mut out = String::new();
    if reg.index.models.is_empty() {
        return "The registry is empty.\n".into();
    }
    let _ = writeln!(
        out,
        "  {:<12}  {:<10}  {:<8}  {:<20}  {:>7}  {:>8}  {:<20}  source",
        "id", "alias", "model", "name", "ROC AUC", "profit", "added"
    );
    for e in reg.index.models.iter().rev() {
        let _ = writeln!(
            out,
            "  {:<12}  {:<10}  {:<8}  {:<20}  {:>7.4}  {:>8.2}  {:<20}  {}",
            e.id,
            reg.aliases(&e.id).join(","),
            e.kind,
            cut(&e.name, 20),
            e.roc_auc,
            e.profit_per_customer,
            e.added,
            e.source
        );
    }
    out
}

/// `churn registry show`.
pub fn registry_show(reg: &Registry, e: &Entry, model: &Model) -> String {
    let info = model.info();
    format!(
        "{} ({} {}), {}\n  file      {}\n  sha256    {}\n  added     {}\n  trained   on {} by {}\n  ROC AUC   {:.4} (cross-validated)\n  decision  contact from p = {:.4} ({}); profit {:.2} per customer\n",
        e.id,
        e.kind,
        e.name,
        match reg.aliases(&e.id).join(", ") {
            a if a.is_empty() => "no alias".to_string(),
            a => a,
        },
        reg.model_path(e).display(),
        e.sha256,
        e.added,
        e.source,
        info.trainer,
        e.roc_auc,
        info.threshold,
        info.decision_rule,
        e.profit_per_customer
    )
}

pub fn registry_event(e: &Event) -> String {
    let alias = e.alias.as_str();
    match &e.previous {
        Some(p) if e.action == Action::Rollback => {
            format!("Rolled back: {} is champion again (was {p})", e.model)
        }
        Some(p) => format!("{} is now {alias} (was {p})", e.model),
        None => format!("{} is now {alias}", e.model),
    }
}
