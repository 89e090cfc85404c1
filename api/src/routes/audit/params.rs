//! Query parameters of the auditors' endpoints, read one by one so that every bad one is named
//! in the 422: unknown names (a typo would silently widen a search), repeated or empty values,
//! times that are not RFC 3339, limits and cursors out of range.

use chrono::{DateTime, Utc};

use app::event_log::Checkpoint;

use crate::problem::{ApiError, FieldError, Problem};

/// Query parameters read one by one, so that every bad one is named in the 422.
pub struct Params {
    pairs: Vec<(String, String)>,
    errors: Vec<FieldError>,
}

impl Params {
    /// The parameters, refusing any not in `known` (a typo would otherwise widen the search).
    pub fn new(pairs: Vec<(String, String)>, known: &[&str]) -> Self {
        let mut errors = Vec::new();
        for (name, _) in &pairs {
            if !known.contains(&name.as_str()) {
                let message = format!("unknown parameter; known: {}", known.join(", "));
                errors.push(FieldError::new(name.clone(), message));
            }
        }
        Self { pairs, errors }
    }

    /// Records an error.
    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// A text parameter, given at most once and not empty.
    pub fn text(&mut self, name: &str) -> Option<String> {
        let mut values = self
            .pairs
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone());
        let value = values.next();
        if values.next().is_some() {
            self.error(name, "give it once");
        }
        match value {
            Some(v) if v.is_empty() => {
                self.error(name, "must not be empty");
                None
            }
            other => other,
        }
    }

    /// An integer parameter within `range`.
    pub fn integer(&mut self, name: &str, range: std::ops::RangeInclusive<i64>) -> Option<i64> {
        let text = self.text(name)?;
        match text.parse::<i64>() {
            Ok(n) if range.contains(&n) => Some(n),
            _ => {
                let message = format!(
                    "must be an integer from {} to {}",
                    range.start(),
                    range.end()
                );
                self.error(name, message);
                None
            }
        }
    }

    /// An RFC 3339 time (a `+` sent unencoded arrives as a space and is read as `+`).
    pub fn time(&mut self, name: &str) -> Option<DateTime<Utc>> {
        let text = self.text(name)?;
        match DateTime::parse_from_rfc3339(&text.replace(' ', "+")) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => {
                self.error(
                    name,
                    "must be an RFC 3339 time such as 2026-03-01T12:00:00Z",
                );
                None
            }
        }
    }

    /// `from` and `to`, with `from` before `to`.
    pub fn range(&mut self) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        let (from, to) = (self.time("from"), self.time("to"));
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                self.error("to", "must not be before from");
            }
        }
        (from, to)
    }

    /// `limit`: 1 to 1000, 100 when absent.
    pub fn limit(&mut self) -> i64 {
        self.integer("limit", 1..=1000).unwrap_or(100)
    }

    /// A cursor as `next` gives it: `<tx_id>/<position>`.
    pub fn cursor(&mut self, name: &str) -> Option<Checkpoint> {
        let text = self.text(name)?;
        self.parse_cursor(name, &text)
    }

    /// Reads `text`, the value of `name`, as a cursor.
    pub fn parse_cursor(&mut self, name: &str, text: &str) -> Option<Checkpoint> {
        match text
            .split_once('/')
            .map(|(t, p)| (t.parse::<i64>(), p.parse::<i64>()))
        {
            Some((Ok(tx_id), Ok(position))) if tx_id >= 0 && position >= 0 => {
                Some(Checkpoint { tx_id, position })
            }
            _ => {
                self.error(name, "must be the `next` cursor of a previous page");
                None
            }
        }
    }

    /// The errors as one 422, if any.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Problem::validation(self.errors).into())
        }
    }
}
