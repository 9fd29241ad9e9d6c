//! JSON text for the scorer's answers: the one serializer the browser module and the edge
//! functions share, so an answer has the same shape wherever it is produced.
//!
//! Why not serde: in the browser module, serde-wasm-bindgen, serde_json and miniserde each cost
//! 15–20 KB for these few types (measured: the module went from 134 KB without serialization to
//! 151–156 KB), because they generate code per type and field. This writer is a handful of
//! out-of-line helpers and one short `to_json` per type.
//!
//! Numbers use [`crate::value::format_number`] (shortest round-trip form, so every `f64` survives
//! a JSON round trip exactly); non-finite numbers, which answers never contain, become `null`.

use crate::value::format_number;

/// A value that writes itself as JSON.
pub trait ToJson {
    fn to_json(&self, out: &mut String);
}

/// JSON text of a value.
pub fn to_json(value: &dyn ToJson) -> String {
    let mut out = String::with_capacity(256);
    value.to_json(&mut out);
    out
}

/// Writes an object's fields: `Object::new(out).field("a", &1.0).field("b", "x").end()`.
pub struct Object<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Object<'a> {
    pub fn new(out: &'a mut String) -> Self {
        out.push('{');
        Object { out, first: true }
    }

    /// Adds a field. Keys are the scorer's own identifiers and need no escaping.
    #[inline(never)]
    pub fn field(mut self, key: &str, value: &dyn ToJson) -> Self {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        self.out.push('"');
        self.out.push_str(key);
        self.out.push_str("\":");
        value.to_json(self.out);
        self
    }

    /// Adds a field when there is a value; leaves it out otherwise.
    pub fn field_if_some<T: ToJson>(self, key: &str, value: &Option<T>) -> Self {
        match value {
            Some(v) => self.field(key, v),
            None => self,
        }
    }

    pub fn end(self) {
        self.out.push('}');
    }
}

impl ToJson for f64 {
    #[inline(never)]
    fn to_json(&self, out: &mut String) {
        if self.is_finite() {
            out.push_str(&format_number(*self));
        } else {
            out.push_str("null");
        }
    }
}

impl ToJson for usize {
    fn to_json(&self, out: &mut String) {
        out.push_str(&self.to_string());
    }
}

impl ToJson for u32 {
    fn to_json(&self, out: &mut String) {
        out.push_str(&self.to_string());
    }
}

impl ToJson for u64 {
    fn to_json(&self, out: &mut String) {
        out.push_str(&self.to_string());
    }
}

impl ToJson for bool {
    fn to_json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl ToJson for str {
    #[inline(never)]
    fn to_json(&self, out: &mut String) {
        out.push('"');
        for c in self.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if u32::from(c) < 0x20 => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    let n = u32::from(c) as usize;
                    out.push_str("\\u00");
                    out.push(char::from(HEX[n >> 4]));
                    out.push(char::from(HEX[n & 15]));
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }
}

impl ToJson for String {
    fn to_json(&self, out: &mut String) {
        self.as_str().to_json(out);
    }
}

impl<T: ToJson + ?Sized> ToJson for &T {
    fn to_json(&self, out: &mut String) {
        (**self).to_json(out);
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn to_json(&self, out: &mut String) {
        match self {
            Some(v) => v.to_json(out),
            None => out.push_str("null"),
        }
    }
}

impl<T: ToJson> ToJson for [T] {
    fn to_json(&self, out: &mut String) {
        out.push('[');
        for (i, v) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            v.to_json(out);
        }
        out.push(']');
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn to_json(&self, out: &mut String) {
        self.as_slice().to_json(out);
    }
}

/// A value written by a closure: a nested object built in place, or JSON text that is already
/// JSON (a model card).
pub struct Raw<F: Fn(&mut String)>(pub F);

impl<F: Fn(&mut String)> ToJson for Raw<F> {
    fn to_json(&self, out: &mut String) {
        (self.0)(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Point {
        x: f64,
        label: Option<String>,
        tags: Vec<&'static str>,
    }

    impl ToJson for Point {
        fn to_json(&self, out: &mut String) {
            Object::new(out).field("x", &self.x).field("label", &self.label).field("tags", &self.tags).end();
        }
    }

    #[test]
    fn writes_valid_compact_json() {
        let p = Point { x: 0.1, label: Some("a \"b\"\n\u{1}".into()), tags: vec!["x", "y"] };
        assert_eq!(to_json(&p), r#"{"x":0.1,"label":"a \"b\"\n\u0001","tags":["x","y"]}"#);
        let q = Point { x: f64::NAN, label: None, tags: vec![] };
        assert_eq!(to_json(&q), r#"{"x":null,"label":null,"tags":[]}"#);
        assert_eq!(to_json(&2.0), "2");
        assert_eq!(to_json(&1e-7), "1e-7");
    }
}
