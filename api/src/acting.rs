//! Request headers that name who acts and how: `X-Acting-User`, `Idempotency-Key`, `If-Match`.

use axum::http::{HeaderMap, StatusCode};

use domain::values::UserId;

use crate::problem::{ApiError, FieldError, Problem};

/// The user the e-shop acts for (`X-Acting-User`), required.
pub fn acting_user(headers: &HeaderMap) -> Result<UserId, ApiError> {
    let value = headers
        .get("x-acting-user")
        .ok_or_else(|| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "acting-user-required",
                "X-Acting-User is required",
                "name the acting user of the company in the X-Acting-User header",
            )
        })?
        .to_str()
        .map_err(|_| Problem::malformed("X-Acting-User", "must be visible ASCII"))?;
    Ok(UserId::parse(value).map_err(|e| Problem::malformed("X-Acting-User", e.to_string()))?)
}

/// The `Idempotency-Key` header, required on the POSTs that create things.
pub fn idempotency_key(headers: &HeaderMap) -> Result<String, ApiError> {
    let value = headers.get("idempotency-key").ok_or_else(|| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "idempotency-key-required",
            "Idempotency-Key is required",
            "send a unique Idempotency-Key header (for example a UUID) with this request",
        )
    })?;
    let key = value
        .to_str()
        .map_err(|_| Problem::malformed("Idempotency-Key", "must be visible ASCII"))?;
    if key.is_empty() || key.len() > 255 {
        return Err(Problem::malformed("Idempotency-Key", "must be 1 to 255 characters").into());
    }
    Ok(key.to_string())
}

/// The version in `If-Match` (`"7"` or `W/"7"`), when sent.
pub fn if_match(headers: &HeaderMap) -> Result<Option<usize>, ApiError> {
    let Some(value) = headers.get("if-match") else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    let text = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
    text.parse::<usize>().map(Some).map_err(|_| {
        Problem::validation(vec![FieldError::new(
            "If-Match",
            "must be the ETag of the resource, e.g. \"7\"",
        )])
        .into()
    })
}

/// The `Idempotency-Key` and `X-Acting-User` of a request that creates something.
pub fn creating_request(headers: &HeaderMap) -> Result<(String, UserId), ApiError> {
    Ok((idempotency_key(headers)?, acting_user(headers)?))
}

/// An `ETag` value for a version.
pub fn etag(version: usize) -> String {
    format!("\"{version}\"")
}
