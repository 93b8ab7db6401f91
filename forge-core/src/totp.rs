//! Two-factor sign-in with time-based one-time passwords (RFC 6238: HMAC-
//! SHA-1, 30-second steps, 6 digits, what every authenticator app speaks),
//! with single-use recovery codes.
//!
//! A secret is enrolled unconfirmed, and counts only once a code from the
//! app confirms it. A code is accepted one step early or late (clocks
//! drift), and never twice: the last step used is stored. Recovery codes
//! are stored as digests and each works once. Times are passed in, so that
//! tests decide what time it is.

use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::secret;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sqlx::Row;

/// Seconds per step.
const STEP_SECONDS: i64 = 30;
/// Digits of a code.
const DIGITS: u32 = 6;
/// Random bytes of a secret (160 bits, as RFC 4226 recommends).
const SECRET_BYTES: usize = 20;
/// Recovery codes given at confirmation.
pub const RECOVERY_CODES: usize = 10;

/// RFC 4648 base32 without padding, the form authenticator apps read.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The code of `secret` at time step `step` (RFC 4226's HOTP).
pub fn code_at(secret: &[u8], step: u64) -> u32 {
    let mut mac =
        <Hmac<Sha1> as KeyInit>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let binary = (u32::from(digest[offset]) & 0x7f) << 24
        | u32::from(digest[offset + 1]) << 16
        | u32::from(digest[offset + 2]) << 8
        | u32::from(digest[offset + 3]);
    binary % 10u32.pow(DIGITS)
}

/// The time step of unix milliseconds `ms`.
fn step_of(ms: i64) -> i64 {
    ms.div_euclid(1000).div_euclid(STEP_SECONDS)
}

/// The code an app shows at `ms`, as six digits.
pub fn code_now(secret: &[u8], ms: i64) -> String {
    let step = u64::try_from(step_of(ms)).unwrap_or(0);
    format!("{:06}", code_at(secret, step))
}

/// The `otpauth://` URI an app reads (from a link or typed by hand).
pub fn otpauth_uri(issuer: &str, account: &str, secret_base32: &str) -> String {
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret_base32}&issuer={}&algorithm=SHA1&digits=6&period=30",
        encode(issuer),
        encode(account),
        encode(issuer)
    )
}

/// The state of a user's second factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Off,
    /// Enrolled, waiting for a code that confirms the app has the secret.
    Pending {
        secret_base32: String,
    },
    On,
}

fn decode_hex(text: &str) -> Result<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| Error::Internal("a stored TOTP secret is not hex".into()))
        })
        .collect()
}

async fn stored(db: &Db, user: UserId) -> Result<Option<(Vec<u8>, bool, i64)>> {
    let row =
        sqlx::query("SELECT secret_hex, confirmed, last_step FROM totp_secrets WHERE user_id = $1")
            .bind(user.0)
            .fetch_optional(db.pool())
            .await?;
    row.map(|row| {
        let secret: String = row.try_get("secret_hex")?;
        Ok((
            decode_hex(&secret)?,
            row.try_get::<i64, _>("confirmed")? != 0,
            row.try_get("last_step")?,
        ))
    })
    .transpose()
}

/// Whether `user` has a confirmed second factor.
pub async fn enabled(db: &Db, user: UserId) -> Result<bool> {
    Ok(matches!(stored(db, user).await?, Some((_, true, _))))
}

pub async fn state(db: &Db, user: UserId) -> Result<State> {
    Ok(match stored(db, user).await? {
        None => State::Off,
        Some((secret, false, _)) => State::Pending {
            secret_base32: base32(&secret),
        },
        Some((_, true, _)) => State::On,
    })
}

/// Starts an enrolment: a new unconfirmed secret (replacing an unconfirmed
/// one). Refused while a confirmed one exists.
pub async fn enrol(db: &Db, user: UserId, now: i64) -> Result<String> {
    if enabled(db, user).await? {
        return Err(Error::conflict(None, "error-totp-already-on"));
    }
    let secret = secret::random_hex(SECRET_BYTES);
    let mut tx = db.pool().begin().await?;
    sqlx::query("DELETE FROM totp_secrets WHERE user_id = $1")
        .bind(user.0)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO totp_secrets (user_id, secret_hex, confirmed, last_step, created_at) \
         VALUES ($1, $2, 0, 0, $3)",
    )
    .bind(user.0)
    .bind(&secret)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(base32(&decode_hex(&secret)?))
}

/// Checks `code` against `user`'s secret at `now` (confirmed or, with
/// `confirming`, not yet), and marks its step used. A code of a step at or
/// before the last one used is refused, so a code seen once is worthless.
async fn check_code(db: &Db, user: UserId, code: &str, now: i64, confirming: bool) -> Result<bool> {
    let code = code.trim().replace(' ', "");
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(false);
    }
    let Some((secret, confirmed, last_step)) = stored(db, user).await? else {
        return Ok(false);
    };
    if confirmed == confirming {
        return Ok(false);
    }
    let now_step = step_of(now);
    for step in [now_step - 1, now_step, now_step + 1] {
        let Ok(unsigned) = u64::try_from(step) else {
            continue;
        };
        let expected = format!("{:06}", code_at(&secret, unsigned));
        if step > last_step && secret::constant_time_eq(&expected, &code) {
            // Only one request may use a step: the update is conditional.
            let updated = sqlx::query(
                "UPDATE totp_secrets SET last_step = $2, confirmed = 1 \
                 WHERE user_id = $1 AND last_step < $2",
            )
            .bind(user.0)
            .bind(step)
            .execute(db.pool())
            .await?
            .rows_affected();
            return Ok(updated == 1);
        }
    }
    Ok(false)
}

/// Confirms an enrolment with a code from the app, and returns the
/// recovery codes, shown once.
pub async fn confirm(db: &Db, user: UserId, code: &str, now: i64) -> Result<Vec<String>> {
    if !check_code(db, user, code, now, true).await? {
        return Err(Error::invalid("code", "error-totp-wrong-code"));
    }
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    let mut tx = db.pool().begin().await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user.0)
        .execute(&mut *tx)
        .await?;
    for _ in 0..RECOVERY_CODES {
        let plain = secret::random_hex(8);
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user.0)
            .bind(secret::digest(&plain))
            .execute(&mut *tx)
            .await?;
        codes.push(plain);
    }
    tx.commit().await?;
    Ok(codes)
}

/// The second factor at sign-in: a code from the app, or a recovery code
/// (which is then used up).
pub async fn verify(db: &Db, user: UserId, code: &str, now: i64) -> Result<bool> {
    if check_code(db, user, code, now, false).await? {
        return Ok(true);
    }
    let recovery = code.trim().to_lowercase();
    if recovery.len() != 16 || !recovery.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(false);
    }
    let used = sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1 AND code_hash = $2")
        .bind(user.0)
        .bind(secret::digest(&recovery))
        .execute(db.pool())
        .await?
        .rows_affected();
    Ok(used == 1)
}

/// Turns the second factor off (the caller has checked a code).
pub async fn disable(db: &Db, user: UserId) -> Result<()> {
    let mut tx = db.pool().begin().await?;
    for query in [
        "DELETE FROM totp_secrets WHERE user_id = $1",
        "DELETE FROM recovery_codes WHERE user_id = $1",
    ] {
        sqlx::query(query).bind(user.0).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// How long a sign-in may wait for its second factor.
pub const PENDING_TTL_MS: i64 = 10 * 60 * 1000;

/// Records a sign-in whose first factor was right and returns the secret
/// the browser keeps (in a cookie) until it gives the second.
pub async fn start_pending(db: &Db, user: UserId, redirect_to: &str, now: i64) -> Result<String> {
    let token = secret::random_hex(32);
    sqlx::query(
        "INSERT INTO second_factor_pending (token_hash, user_id, redirect_to, expires_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(secret::digest(&token))
    .bind(user.0)
    .bind(redirect_to)
    .bind(now + PENDING_TTL_MS)
    .execute(db.pool())
    .await?;
    Ok(token)
}

/// The user and target of a pending sign-in, while it is fresh.
pub async fn pending(db: &Db, token: &str, now: i64) -> Result<Option<(UserId, String)>> {
    let row = sqlx::query(
        "SELECT user_id, redirect_to FROM second_factor_pending \
         WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(secret::digest(token))
    .bind(now)
    .fetch_optional(db.pool())
    .await?;
    row.map(|row| Ok((UserId(row.try_get("user_id")?), row.try_get("redirect_to")?)))
        .transpose()
}

/// Ends a pending sign-in (done, or abandoned), and forgets stale ones.
pub async fn end_pending(db: &Db, token: &str, now: i64) -> Result<()> {
    sqlx::query("DELETE FROM second_factor_pending WHERE token_hash = $1 OR expires_at <= $2")
        .bind(secret::digest(token))
        .bind(now)
        .execute(db.pool())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_rfc_6238() {
        // RFC 6238, appendix B, SHA-1 (the last six of its eight digits).
        let secret = b"12345678901234567890";
        for (time, expected) in [
            (59_u64, 94_287_082_u32),
            (1_111_111_109, 7_081_804),
            (1_234_567_890, 89_005_924),
            (20_000_000_000, 65_353_130),
        ] {
            assert_eq!(code_at(secret, time / 30), expected % 1_000_000, "{time}");
        }
        assert_eq!(code_now(secret, 59_000), "287082");
    }

    #[test]
    fn base32_is_rfc_4648() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(
            base32(b"12345678901234567890"),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        );
    }
}
