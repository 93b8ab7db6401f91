//! Git repositories of the forge.
//!
//! Everything here is synchronous (`git2`, and `std::process::Command` for
//! the `git` binary): the web layer runs it on tokio's blocking pool or wraps
//! the commands in `tokio::process`. Nothing here knows of HTTP or SQL.

pub mod browse;
pub mod push;
pub mod service;
pub mod storage;

pub use storage::Storage;

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("git: {0}")]
    Git(#[from] git2::Error),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}
