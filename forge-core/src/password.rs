//! Password hashing with argon2id. Hashing is deliberately slow and takes
//! 19 MiB of memory, so it runs on a thread of its own (see `on_hashing_thread`)
//! and never stalls the threads that serve requests.

use crate::error::{Error, Problem, Result};
use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Block, Params, Version};
use std::cell::RefCell;

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

type Job = Box<dyn FnOnce() + Send>;

/// Password checks waiting for the hashing thread, at most. When the queue
/// is full, a check is refused at once (`Error::Busy`, a 503 with
/// `Retry-After`) rather than queued: 256 anonymous bad requests once made a
/// real sign-in wait six seconds behind them.
pub const QUEUE_BOUND: usize = 32;

/// A hashing thread and its bounded queue.
struct HashQueue {
    sender: std::sync::mpsc::SyncSender<Job>,
}

impl HashQueue {
    fn start(bound: usize) -> HashQueue {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Job>(bound);
        let spawned = std::thread::Builder::new()
            .name("password".into())
            .spawn(move || {
                for job in receiver {
                    // A panicking job must not take the thread along; its
                    // caller sees the dropped answer as an error.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the password hashing thread");
        }
        HashQueue { sender }
    }

    /// Puts `work` in the queue, or refuses at once when it is full.
    fn submit<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<tokio::sync::oneshot::Receiver<T>> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(work());
        });
        match self.sender.try_send(job) {
            Ok(()) => Ok(answered),
            Err(std::sync::mpsc::TrySendError::Full(_)) => {
                tracing::warn!("the password hashing queue is full; a check is refused");
                Err(Error::Busy(Problem::new("error-busy")))
            }
            Err(std::sync::mpsc::TrySendError::Disconnected(_)) => Err(Error::Internal(
                "the password hashing thread is gone".into(),
            )),
        }
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        self.submit(work)?
            .await
            .map_err(|_| Error::Internal("a password hashing job failed".into()))
    }
}

/// Runs `work` on the one thread kept for password hashing.
///
/// Each argon2 computation needs 19 MiB. Allocated anew each time (it is
/// 64-byte aligned, which glibc serves through memalign), that memory was
/// never reused: the server grew by 19 MiB at every sign-in, to 151 MB after
/// eight. The hashing thread allocates it once and reuses it (see
/// `with_memory`), and running every hash there bounds both the memory and
/// the CPU a burst of sign-ins can take: the others wait in a bounded line,
/// and the threads serving requests never wait for a hash.
async fn on_hashing_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    static QUEUE: std::sync::OnceLock<HashQueue> = std::sync::OnceLock::new();
    QUEUE
        .get_or_init(|| HashQueue::start(QUEUE_BOUND))
        .run(work)
        .await
}

/// Runs `work` with this thread's argon2 memory, allocated on first use and
/// kept for the thread's life.
fn with_memory<T>(work: impl FnOnce(&mut Vec<Block>) -> T) -> T {
    thread_local! {
        static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
    }
    MEMORY.with(|memory| work(&mut memory.borrow_mut()))
}

/// The raw argon2 output of `password` under `argon2` and `salt`, computed
/// in this thread's memory.
fn compute(
    argon2: &Argon2<'_>,
    params: &Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<()> {
    with_memory(|memory| {
        let blocks = params.block_count();
        if memory.len() != blocks {
            memory.clear();
            memory.shrink_to_fit();
            memory.resize(blocks, Block::default());
        }
        let done = argon2
            .hash_password_into_with_memory(password, salt, out, &mut memory[..])
            .map_err(|e| Error::Internal(format!("hashing a password failed: {e}")));
        // The blocks hold state derived from the password: wipe them rather
        // than keep them until the next sign-in (about 2 ms).
        memory.fill(Block::default());
        done
    })
}

/// A PHC string of `password` with the default parameters (argon2id) and a
/// random salt. Runs on a hashing thread.
fn hash_now(password: &[u8]) -> Result<String> {
    let params = Params::default();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| Error::Internal(format!("no random salt: {e}")))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(&argon2, &params, password, &salt, &mut out)?;
    let malformed = |e: argon2::password_hash::phc::Error| {
        Error::Internal(format!("encoding a password hash failed: {e}"))
    };
    Ok(PasswordHash {
        algorithm: ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| Error::Internal(format!("{e}")))?,
        salt: Some(Salt::new(&salt).map_err(malformed)?),
        hash: Some(Output::new(&out).map_err(malformed)?),
    }
    .to_string())
}

/// Whether `password` gives the output stored in `phc`, compared in
/// constant time. Runs on a hashing thread.
fn verify_now(password: &[u8], phc: &str) -> Result<bool> {
    let malformed = |e: &dyn std::fmt::Display| {
        Error::Internal(format!("a stored password hash is malformed: {e}"))
    };
    let parsed = PasswordHash::new(phc).map_err(|e| malformed(&e))?;
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return Err(malformed(&"no salt or no hash"));
    };
    let algorithm = Algorithm::try_from(parsed.algorithm.as_str()).map_err(|e| malformed(&e))?;
    let version = match parsed.version {
        Some(v) => Version::try_from(v).map_err(|e| malformed(&e))?,
        None => Version::default(),
    };
    let params = Params::try_from(&parsed).map_err(|e| malformed(&e))?;
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    compute(&argon2, &params, password, salt, &mut out)?;
    let computed = Output::new(&out).map_err(|e| malformed(&e))?;
    // Output's equality is constant-time.
    Ok(&computed == expected)
}

/// Hashes a password into a PHC string (argon2id, random salt).
pub async fn hash(password: String) -> Result<String> {
    on_hashing_thread(move || hash_now(password.as_bytes())).await?
}

/// Verifies a password against a stored PHC string. When there is no stored
/// hash (unknown user, or an account without a password) a dummy hash is
/// still verified, so the answer takes the same time either way and does not
/// reveal which accounts exist.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool> {
    on_hashing_thread(move || {
        let (phc, real) = match stored {
            Some(phc) => (phc, true),
            None => (dummy_hash()?.to_string(), false),
        };
        let matches = verify_now(password.as_bytes(), &phc)?;
        Ok(real && matches)
    })
    .await?
}

fn dummy_hash() -> Result<&'static str> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(known) = DUMMY.get() {
        return Ok(known);
    }
    let made = hash_now(b"not a password anyone has")?;
    Ok(DUMMY.get_or_init(|| made))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_queue_refuses_at_once() {
        let queue = HashQueue::start(1);
        // The first job holds the thread until released; the second fills
        // the queue; the third is refused without waiting.
        let (release, held) = std::sync::mpsc::channel::<()>();
        let (started, running) = tokio::sync::oneshot::channel::<()>();
        let first = queue
            .submit(move || {
                let _ = started.send(());
                let _ = held.recv();
                1
            })
            .expect("an empty queue takes a job");
        running.await.expect("the first job starts");
        let second = queue.submit(|| 2).expect("one job may wait");
        let third = queue.submit(|| 3);
        assert!(matches!(third, Err(Error::Busy(_))), "{third:?}");
        release.send(()).expect("the first job waits");
        assert_eq!(first.await.expect("first runs"), 1);
        assert_eq!(second.await.expect("second runs"), 2);
        assert_eq!(queue.run(|| 4).await.expect("room again"), 4);
    }

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
    async fn hashes_of_the_argon2_crate_verify_and_ours_verify_there() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let theirs = Argon2::default()
            .hash_password(b"correct horse")
            .unwrap()
            .to_string();
        assert!(
            verify("correct horse".into(), Some(theirs.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("wrong".into(), Some(theirs)).await.unwrap());
        let ours = hash("correct horse".into()).await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"wrong", &parsed)
                .is_err()
        );
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
