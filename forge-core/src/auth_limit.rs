//! Guessing limits: growing delays after failed credential checks (the
//! sign-in form, HTTP Basic for the API and git, tokens).
//!
//! Failures are counted per (address, account) pair and per address. The
//! pair's limit stops one address from guessing one account's password;
//! the address's, higher, stops one address from trying many accounts. No
//! limit is per account alone, so an attacker elsewhere can never lock the
//! real user out. State lives in the database, so that every process sees
//! it; times are passed in, so tests decide what time it is.

use crate::db::Db;
use crate::error::Result;
use crate::security_log::{self, kind};
use crate::user::{self, User};
use sqlx::Row;

/// Failures of one pair allowed before delays start.
pub const PAIR_FREE_FAILURES: i64 = 5;
/// Failures of one address (all accounts) allowed before delays start.
pub const ADDRESS_FREE_FAILURES: i64 = 50;
/// The first delay; each further failure doubles it.
const FIRST_DELAY_MS: i64 = 1_000;
/// The longest delay.
const MAX_DELAY_MS: i64 = 15 * 60 * 1_000;
/// A count untouched this long starts again from zero.
const FORGET_AFTER_MS: i64 = 24 * 60 * 60 * 1_000;

/// The account key of an address's own row.
const ANY_ACCOUNT: &str = "";

/// Whether a credential check may run now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Refused without checking; try again after this many milliseconds.
    Wait {
        retry_after_ms: i64,
    },
}

/// The delay after `failures` failures of which `free` cost nothing.
fn delay_ms(failures: i64, free: i64) -> i64 {
    if failures <= free {
        return 0;
    }
    let doublings = u32::try_from((failures - free - 1).min(30)).unwrap_or(30);
    FIRST_DELAY_MS
        .saturating_mul(1_i64 << doublings)
        .min(MAX_DELAY_MS)
}

/// Account names are matched without case, as at sign-in.
fn account_key(account: &str) -> String {
    account.trim().to_lowercase()
}

/// Whether `address` may check credentials for `account` at `now`.
pub async fn check(db: &Db, address: &str, account: &str, now: i64) -> Result<Verdict> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(MAX(blocked_until), 0) AS BIGINT) AS until FROM auth_limits \
         WHERE address = $1 AND (account = $2 OR account = $3)",
    )
    .bind(address)
    .bind(account_key(account))
    .bind(ANY_ACCOUNT)
    .fetch_one(db.pool())
    .await?;
    let until: i64 = row.try_get("until")?;
    Ok(if until > now {
        Verdict::Wait {
            retry_after_ms: until - now,
        }
    } else {
        Verdict::Allowed
    })
}

/// Counts a failed check by `address` for `account`; returns the delay now
/// imposed (zero while failures are free).
pub async fn record_failure(db: &Db, address: &str, account: &str, now: i64) -> Result<i64> {
    let account = account_key(account);
    let mut longest = 0;
    let mut keys = vec![(ANY_ACCOUNT, ADDRESS_FREE_FAILURES)];
    if !account.is_empty() {
        keys.push((account.as_str(), PAIR_FREE_FAILURES));
    }
    let mut tx = db.pool().begin().await?;
    for (key, free) in keys {
        sqlx::query(
            "INSERT INTO auth_limits (address, account, failures, last_failure, blocked_until) \
             VALUES ($1, $2, 0, $3, 0) ON CONFLICT DO NOTHING",
        )
        .bind(address)
        .bind(key)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        // An old count is forgotten; the increment is one statement, so
        // two processes counting at once both count.
        let row = sqlx::query(
            "UPDATE auth_limits SET \
               failures = CASE WHEN last_failure < $3 THEN 1 ELSE failures + 1 END, \
               last_failure = $4 \
             WHERE address = $1 AND account = $2 RETURNING failures",
        )
        .bind(address)
        .bind(key)
        .bind(now - FORGET_AFTER_MS)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let failures: i64 = row.try_get("failures")?;
        let delay = delay_ms(failures, free);
        sqlx::query(
            "UPDATE auth_limits SET blocked_until = $3 WHERE address = $1 AND account = $2",
        )
        .bind(address)
        .bind(key)
        .bind(now + delay)
        .execute(&mut *tx)
        .await?;
        longest = longest.max(delay);
    }
    tx.commit().await?;
    Ok(longest)
}

/// A successful check clears the pair's count (not the address's: an
/// attacker who owns one account must not clear the count of the others).
pub async fn record_success(db: &Db, address: &str, account: &str) -> Result<()> {
    sqlx::query("DELETE FROM auth_limits WHERE address = $1 AND account = $2")
        .bind(address)
        .bind(account_key(account))
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Lifts limits (the admin's `forge admin lift-limit`): those of `address`,
/// of `account`, or of the pair when both are given. Returns how many rows
/// were removed.
pub async fn lift(db: &Db, address: Option<&str>, account: Option<&str>) -> Result<u64> {
    let account = account.map(account_key);
    let removed = match (address, account) {
        (Some(address), Some(account)) => {
            sqlx::query("DELETE FROM auth_limits WHERE address = $1 AND account = $2")
                .bind(address)
                .bind(account)
                .execute(db.pool())
                .await?
        }
        (Some(address), None) => {
            sqlx::query("DELETE FROM auth_limits WHERE address = $1")
                .bind(address)
                .execute(db.pool())
                .await?
        }
        (None, Some(account)) => {
            sqlx::query("DELETE FROM auth_limits WHERE account = $1")
                .bind(account)
                .execute(db.pool())
                .await?
        }
        (None, None) => return Ok(0),
    };
    Ok(removed.rows_affected())
}

/// What a password check under the limits found.
#[derive(Debug, Clone)]
pub enum Checked {
    User(User),
    /// Wrong login or password (the same answer for both).
    Wrong,
    /// Refused before checking: this address must wait.
    Wait {
        retry_after_ms: i64,
    },
}

/// Where a credential was presented, for the security log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// The sign-in form: a success is a sign-in, logged as such.
    Web,
    /// HTTP Basic (API and git): successes are too many to log.
    Basic,
}

/// Checks `login`'s password for a request from `address` at `now`,
/// within the guessing limits: an address over its limit is refused
/// before any hashing; a failure counts and is logged; a success clears
/// the pair's count.
pub async fn authenticate_password(
    db: &Db,
    address: &str,
    login: &str,
    password: &str,
    channel: Channel,
    now: i64,
) -> Result<Checked> {
    if let Verdict::Wait { retry_after_ms } = check(db, address, login, now).await? {
        return Ok(Checked::Wait { retry_after_ms });
    }
    match user::authenticate(db, login, password).await? {
        Some(found) => {
            record_success(db, address, login).await?;
            if channel == Channel::Web {
                security_log::record(db, Some(found.id), kind::SIGN_IN, address, "", now).await?;
            }
            Ok(Checked::User(found))
        }
        None => {
            failed(db, address, login, channel, now).await?;
            Ok(Checked::Wrong)
        }
    }
}

/// Counts and logs a failed check of `login`'s credentials.
pub async fn failed(db: &Db, address: &str, login: &str, channel: Channel, now: i64) -> Result<()> {
    let delay = record_failure(db, address, login, now).await?;
    let account = if login.is_empty() {
        None
    } else {
        user::id_of_login(db, login).await?
    };
    let via = match channel {
        Channel::Web => "web",
        Channel::Basic => "basic",
    };
    security_log::record(db, account, kind::SIGN_IN_FAILED, address, via, now).await?;
    if delay > 0 {
        tracing::warn!(%address, delay_ms = delay, "a guessing limit delays credential checks");
        security_log::record(
            db,
            account,
            kind::LIMITED,
            address,
            &format!("{}s", (delay + 999) / 1000),
            now,
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_then_stop_growing() {
        assert_eq!(delay_ms(5, 5), 0);
        assert_eq!(delay_ms(6, 5), 1_000);
        assert_eq!(delay_ms(7, 5), 2_000);
        assert_eq!(delay_ms(10, 5), 16_000);
        assert_eq!(delay_ms(1_000, 5), MAX_DELAY_MS);
    }
}
