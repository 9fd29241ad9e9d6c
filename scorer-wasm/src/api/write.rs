//! The JSON form of every answer.

use super::*;
use crate::json::Raw;

impl ToJson for Band {
    fn to_json(&self, out: &mut String) {
        self.as_str().to_json(out);
    }
}

impl ToJson for Verdict {
    fn to_json(&self, out: &mut String) {
        self.as_str().to_json(out);
    }
}

impl ToJson for FieldMessage {
    fn to_json(&self, out: &mut String) {
        Object::new(out)
            .field("field", &self.field)
            .field("code", &self.code)
            .field("message", &self.message)
            .end();
    }
}

impl ToJson for Scored {
    fn to_json(&self, out: &mut String) {
        Object::new(out)
            .field("id", &self.id)
            .field("probability", &self.probability)
            .field("logit", &self.logit)
            .field("risk_band", &self.risk_band)
            .field("decision", &self.decision)
            .field("warnings", &self.warnings)
            .field_if_some("model_id", &self.model_id)
            .end();
    }
}

impl ToJson for ContributionOut {
    fn to_json(&self, out: &mut String) {
        Object::new(out).field("column", &self.column).field("contribution", &self.contribution).end();
    }
}

impl ToJson for InteractionOut {
    fn to_json(&self, out: &mut String) {
        Object::new(out).field("columns", &&self.columns[..]).field("contribution", &self.contribution).end();
    }
}

impl ToJson for Explained {
    fn to_json(&self, out: &mut String) {
        Object::new(out)
            .field("id", &self.id)
            .field("probability", &self.probability)
            .field("logit", &self.logit)
            .field("risk_band", &self.risk_band)
            .field("decision", &self.decision)
            .field("base_logit", &self.base_logit)
            .field("base_probability", &self.base_probability)
            .field("contributions", &self.contributions)
            .field("interactions", &self.interactions)
            .field("warnings", &self.warnings)
            .end();
    }
}

impl ToJson for ChangeOut {
    fn to_json(&self, out: &mut String) {
        Object::new(out)
            .field("column", &self.column)
            .field("before", &self.before)
            .field("after", &self.after)
            .field("delta", &self.delta)
            .end();
    }
}

impl ToJson for WhatIf {
    fn to_json(&self, out: &mut String) {
        Object::new(out)
            .field("before", &self.before)
            .field("after", &self.after)
            .field("delta_probability", &self.delta_probability)
            .field("delta_logit", &self.delta_logit)
            .field("contributions", &self.contributions)
            .end();
    }
}

impl ToJson for ColumnOut {
    fn to_json(&self, out: &mut String) {
        Object::new(out)
            .field("name", &self.name)
            .field("role", &self.role)
            .field("missing_in_training", &self.missing_in_training)
            .field("typical", &self.typical)
            .field("min", &self.min)
            .field("max", &self.max)
            .field("integer", &self.integer)
            .field("categories", &self.categories)
            .field("reason", &self.reason)
            .end();
    }
}

impl ToJson for TargetOut {
    fn to_json(&self, out: &mut String) {
        Object::new(out)
            .field("name", &self.name)
            .field("positive", &self.positive)
            .field("negative", &self.negative)
            .end();
    }
}

impl ToJson for Schema {
    fn to_json(&self, out: &mut String) {
        Object::new(out).field("target", &self.target).field("columns", &self.columns).end();
    }
}

impl ToJson for ModelInfo {
    fn to_json(&self, out: &mut String) {
        let bands = |out: &mut String| {
            Object::new(out).field("medium", &self.bands.medium).field("high", &self.bands.high).end()
        };
        Object::new(out)
            .field("id", &self.id)
            .field("checksum", &self.checksum)
            .field("name", &self.name)
            .field("model", &self.model)
            .field("trainer", &self.trainer)
            .field("format_version", &self.format_version)
            .field("target", &self.target)
            .field("positive_label", &self.positive_label)
            .field("threshold", &self.threshold)
            .field("decision_rule", &self.decision_rule)
            .field("bands", &Raw(&bands))
            .field("features", &self.features)
            .end();
    }
}

impl ToJson for CsvRow {
    fn to_json(&self, out: &mut String) {
        Object::new(out)
            .field("row", &self.row)
            .field("line", &self.line)
            .field("id", &self.id)
            .field("probability", &self.probability)
            .field("logit", &self.logit)
            .field("risk_band", &self.risk_band)
            .field("decision", &self.decision)
            .field("drivers", &self.drivers)
            .field("warnings", &self.warnings)
            .field_if_some("model_id", &self.model_id)
            .end();
    }
}

impl ToJson for CsvRowError {
    fn to_json(&self, out: &mut String) {
        Object::new(out)
            .field("row", &self.row)
            .field("line", &self.line)
            .field("field", &self.field)
            .field("code", &self.code)
            .field("message", &self.message)
            .end();
    }
}

impl ToJson for BatchSummary {
    fn to_json(&self, out: &mut String) {
        Object::new(out)
            .field("rows", &self.rows)
            .field("scored", &self.scored)
            .field("failed", &self.failed)
            .field("expected_churners", &self.expected_churners)
            .field("contact", &self.contact)
            .end();
    }
}

impl ToJson for CsvAnswer {
    fn to_json(&self, out: &mut String) {
        Object::new(out)
            .field("rows", &self.rows)
            .field("errors", &self.errors)
            .field("summary", &self.summary)
            .end();
    }
}
