//! Commits made by the forge itself: files created, changed or deleted
//! through the API, and the first files of a new repository. The objects
//! are written with `git2`; the branch then moves by compare-and-swap on
//! the commit it pointed to, so a push that moved it meanwhile is never
//! overwritten (the caller answers with a conflict).

use crate::GitError;
use git2::build::TreeUpdateBuilder;
use git2::{ErrorCode, FileMode, Oid, Repository, Signature, Time};

/// Who wrote or committed a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: String,
}

/// One change to the tree of the parent commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileChange {
    /// Creates or replaces the file at `path` (components joined by `/`).
    Put { path: String, content: Vec<u8> },
    /// Removes the file at `path`.
    Delete { path: String },
}

/// A commit to write.
#[derive(Debug, Clone)]
pub struct NewCommit<'a> {
    /// The commit the change applies to; `None` for a branch's first commit.
    pub parent: Option<Oid>,
    pub changes: &'a [FileChange],
    pub message: &'a str,
    pub author: &'a Person,
    pub committer: &'a Person,
    /// Unix seconds, for both signatures.
    pub time_s: i64,
}

/// The components of a file path someone typed, or `None` when it could not
/// name a file of a commit: empty, `.`/`..` components, `.git`, a NUL byte,
/// a backslash, or longer than 4,096 bytes.
pub fn path_components(path: &str) -> Option<Vec<&str>> {
    if path.len() > 4096 || path.contains(['\0', '\\']) {
        return None;
    }
    let parts: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    let valid = !parts.is_empty()
        && parts
            .iter()
            .all(|c| !matches!(*c, "." | "..") && !c.eq_ignore_ascii_case(".git"));
    valid.then_some(parts)
}

/// The blob at `path` in `commit` (its id and whether it is a file), or
/// `None` when the path names nothing or a folder.
pub fn blob_at(repo: &Repository, commit: Oid, path: &str) -> Result<Option<Oid>, GitError> {
    let tree = repo.find_commit(commit)?.tree()?;
    match tree.get_path(std::path::Path::new(path)) {
        Ok(entry) if entry.kind() == Some(git2::ObjectType::Blob) => Ok(Some(entry.id())),
        Ok(_) => Ok(None),
        Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Writes the blobs, trees and commit of `new`; no ref moves.
pub fn write_commit(repo: &Repository, new: &NewCommit<'_>) -> Result<Oid, GitError> {
    let parent = new.parent.map(|id| repo.find_commit(id)).transpose()?;
    let base = match &parent {
        Some(commit) => commit.tree()?,
        None => repo.find_tree(repo.treebuilder(None)?.write()?)?,
    };
    let mut update = TreeUpdateBuilder::new();
    for change in new.changes {
        match change {
            FileChange::Put { path, content } => {
                let blob = repo.blob(content)?;
                update.upsert(path.as_str(), blob, FileMode::Blob);
            }
            FileChange::Delete { path } => {
                update.remove(path.as_str());
            }
        }
    }
    let tree = repo.find_tree(update.create_updated(repo, &base)?)?;
    let time = Time::new(new.time_s, 0);
    let author = Signature::new(&new.author.name, &new.author.email, &time)?;
    let committer = Signature::new(&new.committer.name, &new.committer.email, &time)?;
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    Ok(repo.commit(None, &author, &committer, new.message, &tree, &parents)?)
}

/// Moves `refs/heads/{branch}` from `old` (`None`: the branch must not
/// exist) to `new`. `Ok(false)` when the branch no longer points at `old`:
/// something else moved it first.
pub fn move_branch(
    repo: &Repository,
    branch: &str,
    old: Option<Oid>,
    new: Oid,
    log_message: &str,
) -> Result<bool, GitError> {
    let name = format!("refs/heads/{branch}");
    let moved = match old {
        Some(old) => repo.reference_matching(&name, new, true, old, log_message),
        None => repo.reference(&name, new, false, log_message),
    };
    match moved {
        Ok(_) => Ok(true),
        Err(e)
            if matches!(
                e.code(),
                ErrorCode::Modified | ErrorCode::Exists | ErrorCode::NotFound
            ) =>
        {
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

/// The commit a branch points to, if it exists.
pub fn branch_commit(repo: &Repository, branch: &str) -> Result<Option<Oid>, GitError> {
    match repo.find_branch(branch, git2::BranchType::Local) {
        Ok(found) => Ok(Some(found.get().peel_to_commit()?.id())),
        Err(e) if matches!(e.code(), ErrorCode::NotFound | ErrorCode::InvalidSpec) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person() -> Person {
        Person {
            name: "Ada".into(),
            email: "ada@example.org".into(),
        }
    }

    #[test]
    fn commits_move_branches_only_from_the_commit_they_expect() {
        let dir = std::env::temp_dir().join(format!("forge-edit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let repo = Repository::init_bare(&dir).expect("a bare repository");
        let who = person();
        let first = write_commit(
            &repo,
            &NewCommit {
                parent: None,
                changes: &[FileChange::Put {
                    path: "docs/a.txt".into(),
                    content: b"one".to_vec(),
                }],
                message: "First",
                author: &who,
                committer: &who,
                time_s: 1_700_000_000,
            },
        )
        .expect("a first commit");
        assert!(move_branch(&repo, "main", None, first, "test").expect("created"));
        assert!(!move_branch(&repo, "main", None, first, "test").expect("refused"));
        let blob = blob_at(&repo, first, "docs/a.txt").expect("read");
        assert!(blob.is_some());
        assert_eq!(blob_at(&repo, first, "docs").expect("read"), None);
        let second = write_commit(
            &repo,
            &NewCommit {
                parent: Some(first),
                changes: &[FileChange::Delete {
                    path: "docs/a.txt".into(),
                }],
                message: "Second",
                author: &who,
                committer: &who,
                time_s: 1_700_000_001,
            },
        )
        .expect("a second commit");
        assert!(!move_branch(&repo, "main", Some(second), second, "test").expect("stale"));
        assert!(move_branch(&repo, "main", Some(first), second, "test").expect("moved"));
        assert_eq!(branch_commit(&repo, "main").expect("read"), Some(second));
        assert_eq!(blob_at(&repo, second, "docs/a.txt").expect("read"), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn paths_that_name_no_file_are_refused() {
        assert_eq!(path_components("a//b/"), Some(vec!["a", "b"]));
        for bad in ["", "/", "a/../b", ".git/config", "a\\b", "a\0"] {
            assert_eq!(path_components(bad), None, "{bad:?}");
        }
    }
}
