//! A JSON extractor whose rejections are problem+json naming the field at fault, and a JSON
//! response helper.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;

use crate::problem::{ApiError, Problem};

/// Like `axum::Json`, but a malformed body is a 400 problem that names the JSON path at fault.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                let mime = v.split(';').next().unwrap_or("").trim();
                mime == "application/json" || mime.ends_with("+json")
            });
        if !is_json {
            return Err(Problem::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
                "send the body as application/json",
            )
            .into());
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            Problem::new(
                rejection.status(),
                "unreadable-body",
                "The body could not be read",
                rejection.body_text(),
            )
        })?;
        parse(&bytes).map(ApiJson)
    }
}

/// The path of the first string (key or value) holding a NUL character, which no text column
/// of PostgreSQL can store: such input is refused at the door instead of failing in the store.
pub fn nul_at(value: &serde_json::Value) -> Option<String> {
    fn walk(value: &serde_json::Value, path: &str) -> Option<String> {
        match value {
            serde_json::Value::String(s) if s.contains('\0') => Some(path.to_string()),
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, v)| walk(v, &format!("{path}[{i}]"))),
            serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
                let at = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if k.contains('\0') {
                    Some(at)
                } else {
                    walk(v, &at)
                }
            }),
            _ => None,
        }
    }
    walk(value, "").map(|p| if p.is_empty() { "body".to_string() } else { p })
}

/// Refuses a document with a NUL character anywhere (422 naming the field).
pub fn refuse_nul(value: &serde_json::Value) -> Result<(), ApiError> {
    match nul_at(value) {
        Some(field) => {
            Err(
                crate::problem::Problem::validation(vec![crate::problem::FieldError::new(
                    field,
                    "must not contain NUL characters",
                )])
                .into(),
            )
        }
        None => Ok(()),
    }
}

/// Parses a JSON body, reporting the path of the first bad field.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Checked on the generic form first, so no typed body ever carries a NUL into the store.
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) {
        refuse_nul(&value)?;
    }
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let field = if path == "." {
            "body".to_string()
        } else {
            path
        };
        let message = error.inner().to_string();
        // serde's message ends with " at line 1 column 17": useful for syntax errors only.
        let message = match error.inner().classify() {
            serde_json::error::Category::Data => strip_position(&message),
            _ => message,
        };
        Problem::malformed(field, message).into()
    })
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Line {
        sku: String,
        quantity: u32,
    }

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Body {
        lines: Vec<Line>,
    }

    #[test]
    fn a_nul_character_anywhere_is_refused_with_its_path() {
        let Err(ApiError::Problem(problem)) =
            parse::<serde_json::Value>(br#"{"lines":[{"sku":"A"},{"note":"x\u0000y"}]}"#)
        else {
            panic!("expected a problem");
        };
        assert_eq!(problem.status, 422);
        assert_eq!(problem.errors[0].field, "lines[1].note");
        assert!(parse::<serde_json::Value>(br#"{"ok":"fine"}"#).is_ok());
    }

    #[test]
    fn parse_names_the_path_of_the_bad_field() {
        let Err(ApiError::Problem(problem)) =
            parse::<Body>(br#"{"lines":[{"sku":"A","quantity":1},{"sku":"B","quantity":"x"}]}"#)
        else {
            panic!("expected a problem");
        };
        assert_eq!(problem.status, 400);
        assert_eq!(problem.errors[0].field, "lines[1].quantity");
        assert!(!problem.errors[0].message.contains("line 1"));
    }
}
