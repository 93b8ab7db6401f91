//! Password hashing with argon2id. Hashing is deliberately slow and takes
//! 19 MiB of memory, so it runs on a pool of its own (see `on_hashing_pool`)
//! and never stalls the threads that serve requests.

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

/// How many passwords are hashed or verified at once.
const HASHING_THREADS: usize = 2;

type Job = Box<dyn FnOnce() + Send>;

/// Runs `work` on one of HASHING_THREADS threads kept for password hashing.
///
/// Each argon2 computation allocates 19 MiB. On tokio's blocking pool, each
/// new thread could take its own malloc arena and keep its 19 MiB after
/// use (four sign-ins took the server from 14 to 73 MB), and a burst of
/// sign-ins could hash dozens of passwords at once. A fixed pool bounds
/// both: at most HASHING_THREADS computations run, the rest wait in line,
/// and the memory kept is at most HASHING_THREADS × 19 MiB.
async fn on_hashing_pool<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    static QUEUE: std::sync::OnceLock<std::sync::mpsc::Sender<Job>> = std::sync::OnceLock::new();
    let queue = QUEUE.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::channel::<Job>();
        let receiver = std::sync::Arc::new(std::sync::Mutex::new(receiver));
        for n in 0..HASHING_THREADS {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-{n}"))
                .spawn(move || {
                    loop {
                        // The lock is held only while waiting for a job.
                        let job = match receiver.lock() {
                            Ok(queue) => queue.recv(),
                            Err(poisoned) => poisoned.into_inner().recv(),
                        };
                        let Ok(job) = job else { return };
                        // A panicking job must not take its thread along;
                        // its caller sees the dropped answer as an error.
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password hashing thread");
            }
        }
        sender
    });
    let (answer, answered) = tokio::sync::oneshot::channel();
    queue
        .send(Box::new(move || {
            let _ = answer.send(work());
        }))
        .map_err(|_| Error::Internal("the password hashing threads are gone".into()))?;
    answered
        .await
        .map_err(|_| Error::Internal("a password hashing job failed".into()))
}

/// Hashes a password into a PHC string (argon2id, random salt).
pub async fn hash(password: String) -> Result<String> {
    on_hashing_pool(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("hashing a password failed: {e}")))
    })
    .await?
}

/// Verifies a password against a stored PHC string. When there is no stored
/// hash (unknown user, or an account without a password) a dummy hash is
/// still verified, so the answer takes the same time either way and does not
/// reveal which accounts exist.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool> {
    on_hashing_pool(move || {
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
    .await?
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

    #[tokio::test]
    async fn many_checks_at_once_all_get_their_answer() {
        let phc = hash("correct horse".into()).await.unwrap();
        let checks = (0..6).map(|i| {
            let phc = phc.clone();
            tokio::spawn(async move {
                let guess = if i % 2 == 0 { "correct horse" } else { "wrong" };
                (i, verify(guess.into(), Some(phc)).await.unwrap())
            })
        });
        for check in checks {
            let (i, matched) = check.await.unwrap();
            assert_eq!(matched, i % 2 == 0, "check {i}");
        }
    }

    #[test]
    fn length_rules() {
        assert!(validate("short").is_err());
        assert!(validate("long enough").is_ok());
        assert!(validate(&"x".repeat(2000)).is_err());
    }
}
