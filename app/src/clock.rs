//! The application's clock. Only `app` and `api` read it; the domain gets time in commands.

use chrono::Utc;

/// Milliseconds since the Unix epoch, as stored in the application's own tables.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}
