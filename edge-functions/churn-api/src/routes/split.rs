//! Champion and challenger: which model scores a customer, by a stable hash of its identifier.

use super::*;

/// A model with its share of traffic.
pub struct Challenger<'m> {
    pub model: &'m Model,
    /// The share of customers (0 to 1) the challenger scores.
    pub share: f64,
}

/// The models that answer requests: the champion, and optionally a challenger that scores a
/// stable share of customers.
pub struct Models<'m> {
    pub champion: &'m Model,
    pub challenger: Option<Challenger<'m>>,
}

/// Buckets for the traffic split: a share is a whole number of hundredths of a percent.
pub const BUCKETS: u64 = 10_000;

/// The bucket of a customer identifier: FNV-1a (64-bit) of its UTF-8 bytes, modulo
/// [`BUCKETS`]. A customer is the challenger's when its bucket is below `share × BUCKETS`
/// (rounded), so raising the share only moves customers from champion to challenger.
pub fn bucket(id: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in id.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash % BUCKETS
}

impl<'m> Models<'m> {
    /// The model for a customer with this identifier; customers without one go to the
    /// champion.
    pub fn route(&self, id: Option<&str>) -> (&'m Model, Alias) {
        match (&self.challenger, id) {
            (Some(c), Some(id)) if bucket(id) < (c.share * BUCKETS as f64).round() as u64 => {
                (c.model, Alias::Challenger)
            }
            _ => (self.champion, Alias::Champion),
        }
    }

    /// The model for a customer given as a JSON object, by its identifier as the champion
    /// reads it (the first identifier column present and not missing).
    pub(super) fn route_json(&self, customer: &Json) -> (&'m Model, Alias) {
        if self.challenger.is_none() {
            return (self.champion, Alias::Champion);
        }
        let Json::Object(map) = customer else { return (self.champion, Alias::Champion) };
        let id = self.champion.identifier_names().find_map(|name| match map.get(name)? {
            Json::String(s) => Value::from_cell(s).as_id(),
            Json::Number(n) => Value::Number(n.as_f64()?).as_id(),
            Json::Bool(b) => Some(b.to_string()),
            Json::Null | Json::Array(_) | Json::Object(_) => None,
        });
        self.route(id.as_deref())
    }

    pub(super) fn reference(&self, role: Alias) -> ModelRef<'_> {
        match (role, &self.challenger) {
            (Alias::Challenger, Some(c)) => ModelRef { model: c.model, role, share: Some(c.share) },
            _ => ModelRef { model: self.champion, role: Alias::Champion, share: None },
        }
    }

    pub(super) fn challenger_reference(&self) -> Option<ModelRef<'_>> {
        self.challenger.as_ref().map(|_| self.reference(Alias::Challenger))
    }

    /// The model of a role.
    pub(super) fn model(&self, role: Alias) -> &'m Model {
        match (role, &self.challenger) {
            (Alias::Challenger, Some(c)) => c.model,
            _ => self.champion,
        }
    }
}
