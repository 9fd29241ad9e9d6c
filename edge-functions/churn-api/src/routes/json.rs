//! The JSON the API writes besides the scorer's answers: model references, health, the model route.

use super::*;

/// Which model answered: in every answer.
pub(super) struct ModelRef<'a> {
    pub(super) model: &'a Model,
    pub(super) role: Alias,
    /// The challenger's share of traffic.
    pub(super) share: Option<f64>,
}

impl ToJson for ModelRef<'_> {
    fn to_json(&self, out: &mut String) {
        let m = self.model;
        let mut obj = Object::new(out)
            .field("id", &m.id())
            .field("name", &m.meta().name)
            .field("kind", &m.meta().kind)
            .field("role", &self.role.as_str());
        if let Some(share) = self.share {
            obj = obj.field("share", &share);
        }
        obj.end();
    }
}

/// The ids of the models used, champion first, without repeats.
pub(super) fn used(models: &Models<'_>, roles: impl IntoIterator<Item = Alias>) -> String {
    let (mut champion, mut challenger) = (false, false);
    for role in roles {
        match role {
            Alias::Champion => champion = true,
            Alias::Challenger => challenger = true,
        }
    }
    let mut ids = Vec::new();
    if champion || !challenger {
        ids.push(models.champion.id());
    }
    if challenger {
        ids.push(models.model(Alias::Challenger).id());
    }
    ids.join(", ")
}

pub(super) fn health(models: &Models<'_>) -> String {
    let mut out = String::new();
    Object::new(&mut out)
        .field("status", &"ok")
        .field("model", &models.reference(Alias::Champion))
        .field("challenger", &models.challenger_reference())
        .end();
    out
}

pub(super) fn model_answer(models: &Models<'_>) -> String {
    let model = models.champion;
    let mut out = String::new();
    // The card is JSON already, written by the trainer; it goes out as it is.
    let card = Raw(|out: &mut String| out.push_str(model.card_json()));
    let challenger = models.challenger.as_ref().map(|c| {
        Raw(move |out: &mut String| {
            let card = Raw(|out: &mut String| out.push_str(c.model.card_json()));
            let routed_by = model.identifier_names().next();
            Object::new(out)
                .field("share", &c.share)
                .field("routed_by", &routed_by)
                .field("model", &c.model.info())
                .field("card", &card)
                .end()
        })
    });
    Object::new(&mut out)
        .field("model", &model.info())
        .field("schema", &model.schema())
        .field("card", &card)
        .field("challenger", &challenger)
        .end();
    out
}
