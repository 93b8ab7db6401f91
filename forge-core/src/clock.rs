//! Times are stored as BIGINT unix milliseconds on both engines, because
//! neither engine's native timestamp type decodes through sqlx's `Any` driver.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the unix epoch, now.
pub fn now_ms() -> i64 {
    let elapsed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the system clock is set after 1970");
    i64::try_from(elapsed.as_millis()).expect("milliseconds since 1970 fit in an i64 until the year 292 million")
}
