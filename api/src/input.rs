//! Reading request bodies field by field, collecting every error with its path instead of
//! stopping at the first: an ERP message with 40 bad entries gets 40 field errors back.

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use crate::problem::FieldError;

/// Collects field errors while reading a JSON document.
#[derive(Default)]
pub struct Input {
    errors: Vec<FieldError>,
}

impl Input {
    /// A fresh collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an error.
    pub fn error(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// The errors so far.
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// Ends reading: the errors, if any.
    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }

    /// The document's root object.
    pub fn root<'v>(&mut self, value: &'v Value) -> Option<&'v Map<String, Value>> {
        match value.as_object() {
            Some(map) => Some(map),
            None => {
                self.error("body", "must be a JSON object");
                None
            }
        }
    }

    /// A required string member.
    pub fn string(&mut self, map: &Map<String, Value>, key: &str, path: &str) -> Option<String> {
        match map.get(key) {
            Some(Value::String(s)) => Some(s.clone()),
            None | Some(Value::Null) => {
                self.error(join(path, key), "is required");
                None
            }
            Some(_) => {
                self.error(join(path, key), "must be a string");
                None
            }
        }
    }

    /// An optional string member (absent or null is `None`).
    pub fn opt_string(
        &mut self,
        map: &Map<String, Value>,
        key: &str,
        path: &str,
    ) -> Option<Option<String>> {
        match map.get(key) {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(s)) => Some(Some(s.clone())),
            Some(_) => {
                self.error(join(path, key), "must be a string or null");
                None
            }
        }
    }

    /// A required boolean member.
    pub fn boolean(&mut self, map: &Map<String, Value>, key: &str, path: &str) -> Option<bool> {
        match map.get(key) {
            Some(Value::Bool(b)) => Some(*b),
            None | Some(Value::Null) => {
                self.error(join(path, key), "is required");
                None
            }
            Some(_) => {
                self.error(join(path, key), "must be true or false");
                None
            }
        }
    }

    /// An optional integer member with a default.
    pub fn integer_or(
        &mut self,
        map: &Map<String, Value>,
        key: &str,
        path: &str,
        default: i64,
    ) -> Option<i64> {
        match map.get(key) {
            None | Some(Value::Null) => Some(default),
            Some(Value::Number(n)) if n.is_i64() => n.as_i64(),
            Some(_) => {
                self.error(join(path, key), "must be an integer");
                None
            }
        }
    }

    /// A required decimal member: a string such as "85.50" or an integer. JSON floats are
    /// refused because they may already have lost digits.
    pub fn decimal(&mut self, map: &Map<String, Value>, key: &str, path: &str) -> Option<Decimal> {
        let field = join(path, key);
        match map.get(key) {
            None | Some(Value::Null) => {
                self.error(field, "is required");
                None
            }
            Some(value) => self.decimal_value(value, &field),
        }
    }

    /// A decimal from a value (see [`Self::decimal`]).
    pub fn decimal_value(&mut self, value: &Value, field: &str) -> Option<Decimal> {
        match value {
            Value::String(s) => match s.trim().parse::<Decimal>() {
                Ok(d) if s.trim() == s && !s.is_empty() => Some(d),
                _ => {
                    self.error(field, format!("{s:?} is not a decimal number"));
                    None
                }
            },
            Value::Number(n) if n.is_i64() || n.is_u64() => {
                n.to_string().parse().ok().or_else(|| {
                    self.error(field, "is out of range");
                    None
                })
            }
            Value::Number(_) => {
                self.error(
                    field,
                    "must be a decimal string such as \"85.50\" (not a JSON float)",
                );
                None
            }
            _ => {
                self.error(field, "must be a decimal string");
                None
            }
        }
    }

    /// A required array member.
    pub fn array<'v>(
        &mut self,
        map: &'v Map<String, Value>,
        key: &str,
        path: &str,
    ) -> Option<&'v Vec<Value>> {
        match map.get(key) {
            Some(Value::Array(items)) => Some(items),
            None | Some(Value::Null) => {
                self.error(join(path, key), "is required");
                None
            }
            Some(_) => {
                self.error(join(path, key), "must be an array");
                None
            }
        }
    }

    /// An object at a path (array items).
    pub fn object<'v>(&mut self, value: &'v Value, field: &str) -> Option<&'v Map<String, Value>> {
        match value.as_object() {
            Some(map) => Some(map),
            None => {
                self.error(field, "must be an object");
                None
            }
        }
    }

    /// Keeps a parse result, or records its error at `field`.
    pub fn parsed<T, E: std::fmt::Display>(
        &mut self,
        result: Result<T, E>,
        field: &str,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.error(field, e.to_string());
                None
            }
        }
    }
}

/// `path.key`, or `key` at the root.
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// `path[i]`.
pub fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_strings_or_integers_never_floats() {
        let mut input = Input::new();
        let doc = serde_json::json!({"a": "85.50", "b": 60, "c": 1.5, "d": "8,5", "e": " 1"});
        let map = doc.as_object().unwrap();
        assert_eq!(input.decimal(map, "a", ""), Some("85.50".parse().unwrap()));
        assert_eq!(input.decimal(map, "b", ""), Some(Decimal::from(60)));
        assert_eq!(input.decimal(map, "c", ""), None);
        assert_eq!(input.decimal(map, "d", ""), None);
        assert_eq!(input.decimal(map, "e", ""), None);
        assert_eq!(input.decimal(map, "missing", "x"), None);
        let fields: Vec<_> = input.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["c", "d", "e", "x.missing"]);
    }
}
