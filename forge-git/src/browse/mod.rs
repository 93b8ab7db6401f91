//! Reading repositories for the code browser: refs, trees, blobs, history,
//! one commit with its diff, branches and tags.
//!
//! Everything is synchronous `git2` work, meant for tokio's blocking pool.
//! Costs are bounded by what a page shows, never by the length of the
//! history: a tree lists its entries without walking history, and a history
//! page walks from a given commit only as far as it needs (plus a fixed cap
//! of commits examined when it filters by path).
//!
//! Paths are sequences of raw byte components (`&[Vec<u8>]`): git names are
//! bytes, and a name that is not UTF-8 must still be reachable.
//!
//! One module per concern (resolving refs, trees, blobs, submodules,
//! history, a commit's diff, where a commented line shows after pushes, branch and tag lists, READMEs), all re-exported
//! here: callers name everything `browse::…`.

mod blob;
mod details;
mod diff;
mod history;
mod line_map;
mod readme;
mod refs;
mod resolve;
mod submodule;
mod tree;

use crate::GitError;
use git2::ErrorCode;
/// The types callers of this module handle (the web layer does not
/// depend on `git2` itself).
pub use git2::{Oid, Repository};

pub use blob::{Content, blob_size, looks_binary, read_blob, read_raw, symlink_target};
pub use details::{Changed, Details, MAX_COUNTED, Signed, details, history_page};
pub use diff::{
    CommitDetail, DiffBody, DiffLimits, DiffLine, DiffView, FileDiff, FileStatus, Hunk, LineKind,
    between, commit,
};
pub use history::{CommitSummary, LogPage, LogStart, MAX_SCANNED, log};
pub use line_map::{line_text, locate_line, nearest_line};
pub use readme::readme;
pub use refs::{BranchInfo, TagInfo, branch_names, branches, tags};
pub use resolve::{RefKind, Resolved, commit_by_id, home_branch, resolve, resolve_name};
pub use submodule::submodule_url;
pub use tree::{Entry, EntryKind, Node, lookup};

/// What a browse request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum BrowseError {
    /// The ref, commit or path does not exist (a 404 for the web).
    #[error("not found")]
    NotFound,
    #[error("git: {0}")]
    Git(git2::Error),
}

impl From<git2::Error> for BrowseError {
    fn from(error: git2::Error) -> Self {
        match error.code() {
            ErrorCode::NotFound | ErrorCode::Ambiguous | ErrorCode::InvalidSpec => {
                BrowseError::NotFound
            }
            _ => BrowseError::Git(error),
        }
    }
}

impl From<GitError> for BrowseError {
    fn from(error: GitError) -> Self {
        match error {
            GitError::Git(e) => e.into(),
            GitError::Io { .. } => BrowseError::Git(git2::Error::from_str(&error.to_string())),
        }
    }
}

pub type Result<T> = std::result::Result<T, BrowseError>;

#[cfg(test)]
mod tests;
