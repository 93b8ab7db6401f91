//! Git repositories of the forge.
//!
//! The work through `git2` is synchronous: the web layer runs it on tokio's
//! blocking pool. The `git` binary runs as `tokio::process` children, all of
//! them built and started by [`process`]. Nothing here knows of HTTP or SQL.

pub mod browse;
pub mod edit;
pub mod hooks;
pub mod merge;
pub mod process;
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
