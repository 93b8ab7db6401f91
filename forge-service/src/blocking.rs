//! Git work on tokio's blocking pool: `git2` calls block, and must not hold
//! up the threads that serve requests.

use forge_core::{Error, Result};

/// Runs `work` on the blocking pool; `what` says what failed, in logs.
pub(crate) async fn git<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> Result<T, forge_git::GitError> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Internal(format!("{what}: the task failed: {e}")))?
        .map_err(|e| Error::Internal(format!("{what}: {e}")))
}

/// Runs `work`, which reports domain errors itself, on the blocking pool.
pub(crate) async fn run<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Internal(format!("{what}: the task failed: {e}")))?
}
