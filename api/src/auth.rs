//! Authentication and authorization of requests: `Authorization: Bearer oc_<id>_<secret>`,
//! scopes per route group, per-key rate limits.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use app::auth::{KeyError, Principal, Scope};

use crate::problem::Problem;
use crate::server::AppState;

/// How long a checked key is trusted before it is looked up again (a revocation takes effect
/// within this time).
const CACHE_TTL: Duration = Duration::from_secs(5);

/// The authentication state shared by requests.
pub struct Gate {
    cache: Mutex<HashMap<String, (Principal, Instant)>>,
    limiter: DefaultKeyedRateLimiter<String>,
}

impl Gate {
    /// A gate allowing each key `per_second` requests per second with bursts of `burst`.
    pub fn new(per_second: u32, burst: u32) -> Self {
        let quota =
            Quota::per_second(NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN))
                .allow_burst(NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN));
        Self {
            cache: Mutex::new(HashMap::new()),
            limiter: RateLimiter::keyed(quota),
        }
    }
}

fn unauthorized(detail: &str) -> Response {
    let mut response = Problem::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "Unauthorized",
        detail,
    )
    .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    response
}

/// Reads the bearer key, if any, checks it, applies the key's rate limit and puts the
/// [`Principal`] in the request's extensions. Routes that need a scope check it afterwards.
pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return next.run(request).await;
    };
    let Some(token) = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
    else {
        return unauthorized("use Authorization: Bearer <api key>");
    };
    let token = token.to_string();
    let cached = state.gate.cache.lock().ok().and_then(|c| {
        c.get(&token)
            .filter(|(_, at)| at.elapsed() < CACHE_TTL)
            .map(|(p, _)| p.clone())
    });
    let principal = match cached {
        Some(p) => p,
        None => match app::auth::authenticate(&state.db, &token).await {
            Ok(Ok(p)) => {
                if let Ok(mut cache) = state.gate.cache.lock() {
                    if cache.len() > 10_000 {
                        cache.clear();
                    }
                    cache.insert(token, (p.clone(), Instant::now()));
                }
                p
            }
            Ok(Err(KeyError::Revoked)) => {
                // The secret matched: the key is who it says it is, so the log names it. An
                // unknown or wrong key is logged without an id (the id is only a claim).
                let mut response = unauthorized("this API key was revoked");
                if let Some(id) = claimed_id(&token) {
                    crate::access_log::mark_key(&mut response, id);
                }
                return response;
            }
            Ok(Err(_)) => return unauthorized("the API key is not valid"),
            Err(e) => return crate::problem::ApiError::Internal(e).into_response(),
        },
    };
    if let Err(not_until) = state.gate.limiter.check_key(&principal.key_id) {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let mut problem = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            "Too many requests",
            format!(
                "this key is over its rate limit; retry in {} ms",
                wait.as_millis()
            ),
        );
        problem.retry_after = Some(wait.as_secs().max(1));
        metrics::counter!("ordercore_rate_limited_total").increment(1);
        let mut response = problem.into_response();
        crate::access_log::mark_key(&mut response, &principal.key_id);
        return response;
    }
    request.extensions_mut().insert(principal);
    next.run(request).await
}

/// The id part of a token `oc_<id>_<secret>`.
fn claimed_id(token: &str) -> Option<&str> {
    token
        .strip_prefix("oc_")
        .and_then(|rest| rest.split_once('_'))
        .map(|(id, _)| id)
}

/// A route layer that lets only keys with `scope` through.
pub async fn require(State(scope): State<Arc<Scope>>, request: Request, next: Next) -> Response {
    match request.extensions().get::<Principal>() {
        None => unauthorized("this endpoint needs an API key: Authorization: Bearer <api key>"),
        Some(p) if p.has(&scope) => next.run(request).await,
        Some(_) => Problem::new(
            StatusCode::FORBIDDEN,
            "insufficient-scope",
            "Insufficient scope",
            format!("this endpoint needs a key with the {scope} scope"),
        )
        .into_response(),
    }
}

/// Refuses an e-shop key acting for a channel it is not for.
pub fn check_channel(
    principal: Option<&Principal>,
    channel: &str,
) -> Result<(), crate::problem::ApiError> {
    match principal {
        Some(p) if !p.may_use_channel(channel) => Err(Problem::new(
            StatusCode::FORBIDDEN,
            "foreign-channel",
            "Not your channel",
            format!("this key may not act for channel {channel}"),
        )
        .into()),
        _ => Ok(()),
    }
}
