//! Password hashing with argon2id. Hashing is deliberately slow, so it runs on
//! tokio's blocking pool and never stalls the threads that serve requests.

use crate::error::{Error, Problem, Result};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

pub const MIN_PASSWORD_LEN: usize = 8;
pub const MAX_PASSWORD_LEN: usize = 1024;

/// Checks the length rules of a new password.
pub fn validate(password: &str) -> Result<()> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(Error::Invalid {
            field: "password",
            problem: Problem::new("error-password-too-short")
                .arg("min", MIN_PASSWORD_LEN.to_string()),
        });
    }
    if len > MAX_PASSWORD_LEN {
        return Err(Error::invalid("password", "error-password-too-long"));
    }
    Ok(())
}

/// Hashes a password into a PHC string (argon2id, random salt).
pub async fn hash(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("hashing a password failed: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(format!("password hashing task failed: {e}")))?
}

/// Verifies a password against a stored PHC string. When there is no stored
/// hash (unknown user, or an account without a password) a dummy hash is
/// still verified, so the answer takes the same time either way and does not
/// reveal which accounts exist.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        let (phc, real) = match stored {
            Some(phc) => (phc, true),
            None => (dummy_hash().to_string(), false),
        };
        let parsed = PasswordHash::new(&phc)
            .map_err(|e| Error::Internal(format!("a stored password hash is malformed: {e}")))?;
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(real && matches)
    })
    .await
    .map_err(|e| Error::Internal(format!("password verification task failed: {e}")))?
}

fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        Argon2::default()
            .hash_password(b"not a password anyone has")
            .expect("hashing a constant with default parameters succeeds")
            .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let phc = hash("correct horse".into()).await.unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(
            verify("correct horse".into(), Some(phc.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("wrong horse".into(), Some(phc)).await.unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
    }

    #[test]
    fn length_rules() {
        assert!(validate("short").is_err());
        assert!(validate("long enough").is_ok());
        assert!(validate(&"x".repeat(2000)).is_err());
    }
}
