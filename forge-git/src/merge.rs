//! Merging without a working tree: whether a pull request's head merges
//! into its base (`git merge-tree --write-tree`), the commits each merge
//! style makes (`git commit-tree`), and moving the base branch only if it
//! still points where it did (`git update-ref NEW OLD`). Every process goes
//! through [`crate::process`], so objects and refs are written durably.
//!
//! Synchronous: callers run it on tokio's blocking pool.

use crate::GitError;
use crate::process::{GitCommand, Signature};
use git2::{Oid, Repository};
use std::path::Path;

/// What merging `head` into `base` gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mergeability {
    /// The merge is clean (or there is nothing to merge).
    Clean,
    /// These paths conflict.
    Conflict(Vec<String>),
    /// No common history.
    Unrelated,
}

/// A check of one pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub merge_base: Option<Oid>,
    pub result: Mergeability,
}

/// Why the forge could not merge.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("the changes conflict in {0:?}")]
    Conflict(Vec<String>),
    #[error("the branches have no common history")]
    Unrelated,
    #[error("the base branch is not an ancestor of the head")]
    NotFastForward,
    #[error("the head holds merge commits, which a rebase cannot copy")]
    MergeCommitInRebase,
    #[error("the branch moved meanwhile")]
    Moved,
    #[error(transparent)]
    Git(#[from] GitError),
}

impl From<git2::Error> for MergeError {
    fn from(e: git2::Error) -> Self {
        MergeError::Git(GitError::Git(e))
    }
}

fn io_error(context: &str, source: std::io::Error) -> GitError {
    GitError::Io {
        context: context.to_string(),
        source,
    }
}

fn failed(context: &str, output: &std::process::Output) -> GitError {
    io_error(
        context,
        std::io::Error::other(String::from_utf8_lossy(&output.stderr).trim().to_string()),
    )
}

/// The merge base of `base` and `head`, `None` when they share no history.
pub fn merge_base(repo: &Repository, base: Oid, head: Oid) -> Result<Option<Oid>, GitError> {
    match repo.merge_base(base, head) {
        Ok(oid) => Ok(Some(oid)),
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Runs `git merge-tree`: the tree of the merge, or the conflicting paths.
fn merge_tree(
    path: &Path,
    base: Oid,
    head: Oid,
    merge_base: Option<Oid>,
) -> Result<Result<Oid, Vec<String>>, GitError> {
    let output = GitCommand::merge_tree(path, base, head, merge_base)
        .output()
        .map_err(|e| io_error("running git merge-tree", e))?;
    let clean = match output.status.code() {
        Some(0) => true,
        Some(1) => false,
        _ => return Err(failed("git merge-tree", &output)),
    };
    let mut fields = output
        .stdout
        .split(|b| *b == 0)
        .map(|f| String::from_utf8_lossy(f).into_owned());
    let tree = fields
        .next()
        .and_then(|t| Oid::from_str(t.trim()).ok())
        .ok_or_else(|| failed("reading git merge-tree's tree", &output))?;
    if clean {
        return Ok(Ok(tree));
    }
    let mut files: Vec<String> = fields.filter(|f| !f.is_empty()).collect();
    files.dedup();
    Ok(Err(files))
}

/// Whether `head` merges cleanly into `base` in the repository at `path`.
pub fn check(repo: &Repository, path: &Path, base: Oid, head: Oid) -> Result<Checked, GitError> {
    let Some(merge_base) = merge_base(repo, base, head)? else {
        return Ok(Checked {
            merge_base: None,
            result: Mergeability::Unrelated,
        });
    };
    if merge_base == head || merge_base == base {
        // Nothing to merge, or a fast-forward: always clean.
        return Ok(Checked {
            merge_base: Some(merge_base),
            result: Mergeability::Clean,
        });
    }
    let result = match merge_tree(path, base, head, None)? {
        Ok(_) => Mergeability::Clean,
        Err(files) => Mergeability::Conflict(files),
    };
    Ok(Checked {
        merge_base: Some(merge_base),
        result,
    })
}

fn commit_tree(
    path: &Path,
    tree: Oid,
    parents: &[Oid],
    author: &Signature,
    committer: &Signature,
    message: &str,
) -> Result<Oid, GitError> {
    let git = GitCommand::commit_tree(path, tree, parents, author, committer)
        .map_err(|e| io_error("preparing git commit-tree", std::io::Error::other(e)))?;
    let output = git
        .output_with_input(message.as_bytes())
        .map_err(|e| io_error("running git commit-tree", e))?;
    if !output.status.success() {
        return Err(failed("git commit-tree", &output));
    }
    Oid::from_str(String::from_utf8_lossy(&output.stdout).trim()).map_err(GitError::from)
}

fn signature_of(commit: &git2::Commit<'_>) -> Signature {
    let author = commit.author();
    Signature {
        name: String::from_utf8_lossy(author.name_bytes()).into_owned(),
        email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
        time: Some((author.when().seconds(), author.when().offset_minutes())),
    }
}

/// The merge styles, as this module makes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Merge,
    Squash,
    Rebase,
    FastForwardOnly,
}

/// What to merge and how.
#[derive(Debug, Clone)]
pub struct MergeRequest<'a> {
    pub style: Style,
    pub base: Oid,
    pub head: Oid,
    /// The message of a merge or squash commit.
    pub message: &'a str,
    /// Who merges: the committer of every new commit, and the author of a
    /// merge commit.
    pub committer: &'a Signature,
}

/// Makes the commit the base branch will point to (writing the objects,
/// moving no ref). The head's commits must be in this repository.
pub fn make(repo: &Repository, path: &Path, request: &MergeRequest<'_>) -> Result<Oid, MergeError> {
    let (base, head) = (request.base, request.head);
    let Some(merge_base) = merge_base(repo, base, head)? else {
        return Err(MergeError::Unrelated);
    };
    match request.style {
        Style::FastForwardOnly => {
            if merge_base == base {
                Ok(head)
            } else {
                Err(MergeError::NotFastForward)
            }
        }
        Style::Merge => {
            let tree = merge_tree(path, base, head, None)?.map_err(MergeError::Conflict)?;
            Ok(commit_tree(
                path,
                tree,
                &[base, head],
                request.committer,
                request.committer,
                request.message,
            )?)
        }
        Style::Squash => {
            let tree = merge_tree(path, base, head, None)?.map_err(MergeError::Conflict)?;
            let author = signature_of(&repo.find_commit(head)?);
            Ok(commit_tree(
                path,
                tree,
                &[base],
                &author,
                request.committer,
                request.message,
            )?)
        }
        Style::Rebase => {
            if merge_base == base {
                // Nothing to replay: the base fast-forwards to the head.
                return Ok(head);
            }
            let mut walk = repo.revwalk()?;
            walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)?;
            walk.push(head)?;
            walk.hide(base)?;
            let mut onto = base;
            for oid in walk {
                let commit = repo.find_commit(oid?)?;
                if commit.parent_count() != 1 {
                    return Err(MergeError::MergeCommitInRebase);
                }
                let parent = commit.parent_id(0)?;
                let tree = merge_tree(path, onto, commit.id(), Some(parent))?
                    .map_err(MergeError::Conflict)?;
                if tree == repo.find_commit(onto)?.tree_id() {
                    // Already in the base: a rebase drops it.
                    continue;
                }
                let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
                onto = commit_tree(
                    path,
                    tree,
                    &[onto],
                    &signature_of(&commit),
                    request.committer,
                    &message,
                )?;
            }
            Ok(onto)
        }
    }
}

/// Moves `branch` from `old` to `new` only if it still points at `old`.
/// [`MergeError::Moved`] when it does not.
pub fn move_branch(
    repo: &Repository,
    path: &Path,
    branch: &str,
    old: Oid,
    new: Oid,
    message: &str,
) -> Result<(), MergeError> {
    let name = format!("refs/heads/{branch}");
    let git = GitCommand::update_ref(path, &name, new, old, message)
        .map_err(|e| io_error("preparing git update-ref", std::io::Error::other(e)))?;
    let output = git
        .output()
        .map_err(|e| io_error("running git update-ref", e))?;
    if output.status.success() {
        return Ok(());
    }
    let now = repo.find_reference(&name).ok().and_then(|r| r.target());
    if now != Some(old) {
        return Err(MergeError::Moved);
    }
    Err(failed("git update-ref", &output).into())
}

/// Copies `refspecs` from the repository at `source` into the one at
/// `dest` (a fork's branches at its creation, a pull request's head into
/// its base repository).
pub fn fetch(dest: &Path, source: &Path, refspecs: &[String]) -> Result<(), GitError> {
    let git = GitCommand::fetch_local(dest, source, refspecs)
        .map_err(|e| io_error("preparing git fetch", std::io::Error::other(e)))?;
    let output = git.output().map_err(|e| io_error("running git fetch", e))?;
    if !output.status.success() {
        return Err(failed("git fetch", &output));
    }
    Ok(())
}

/// Makes `refs/pull/*` the forge's own in the repository at `path`:
/// `receive.hideRefs` hides them from pushes, and git refuses any update of
/// a hidden ref, so no client can rewrite a pull request's head. Fetches
/// still see them.
pub fn protect_pull_refs(repo: &Repository) -> Result<(), GitError> {
    let mut config = repo.config()?.open_level(git2::ConfigLevel::Local)?;
    if config.get_string("receive.hideRefs").ok().as_deref() != Some("refs/pull/") {
        config.set_str("receive.hideRefs", "refs/pull/")?;
    }
    Ok(())
}

/// The commit a branch points to, if it exists.
pub fn branch_commit(repo: &Repository, branch: &str) -> Result<Option<Oid>, GitError> {
    match repo.find_reference(&format!("refs/heads/{branch}")) {
        Ok(reference) => Ok(reference.peel_to_commit().ok().map(|c| c.id())),
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(repo: &Repository, parent: Option<Oid>, file: &str, content: &str) -> Oid {
        let blob = repo.blob(content.as_bytes()).unwrap();
        let mut builder = match parent {
            Some(p) => repo
                .treebuilder(Some(&repo.find_commit(p).unwrap().tree().unwrap()))
                .unwrap(),
            None => repo.treebuilder(None).unwrap(),
        };
        builder.insert(file, blob, 0o100644).unwrap();
        let tree = repo.find_tree(builder.write().unwrap()).unwrap();
        let who = git2::Signature::now("T", "t@example.org").unwrap();
        let parents: Vec<_> = parent
            .map(|p| repo.find_commit(p).unwrap())
            .into_iter()
            .collect();
        let refs: Vec<_> = parents.iter().collect();
        repo.commit(None, &who, &who, file, &tree, &refs).unwrap()
    }

    fn merger() -> Signature {
        Signature {
            name: "Merger".into(),
            email: "m@example.org".into(),
            time: None,
        }
    }

    #[test]
    fn the_base_moves_only_from_where_it_was() {
        let storage = crate::Storage::new(crate::storage::tests::temp_root());
        storage.create(1, "main").unwrap();
        let repo = storage.open(1).unwrap();
        let path = storage.path_of(1);
        let start = commit(&repo, None, "a", "a\n");
        repo.reference("refs/heads/main", start, true, "start")
            .unwrap();
        let head = commit(&repo, Some(start), "b", "b\n");
        // A concurrent push moves main first.
        let pushed = commit(&repo, Some(start), "c", "c\n");
        repo.reference("refs/heads/main", pushed, true, "push")
            .unwrap();
        let request = MergeRequest {
            style: Style::Merge,
            base: start,
            head,
            message: "Merge",
            committer: &merger(),
        };
        let made = make(&repo, &path, &request).unwrap();
        let refused = move_branch(&repo, &path, "main", start, made, "merge").unwrap_err();
        assert!(matches!(refused, MergeError::Moved), "{refused}");
        assert_eq!(branch_commit(&repo, "main").unwrap(), Some(pushed));
        // From where it is now, the merge lands, with both parents.
        let request = MergeRequest {
            base: pushed,
            ..request
        };
        let made = make(&repo, &path, &request).unwrap();
        move_branch(&repo, &path, "main", pushed, made, "merge").unwrap();
        assert_eq!(branch_commit(&repo, "main").unwrap(), Some(made));
        let merged = repo.find_commit(made).unwrap();
        assert_eq!(merged.parent_ids().collect::<Vec<_>>(), vec![pushed, head]);
        assert_eq!(merged.committer().name().unwrap(), "Merger");
        storage.delete(1).unwrap();
    }

    #[test]
    fn checks_find_conflicts_and_unrelated_histories() {
        let storage = crate::Storage::new(crate::storage::tests::temp_root());
        storage.create(2, "main").unwrap();
        let repo = storage.open(2).unwrap();
        let path = storage.path_of(2);
        let start = commit(&repo, None, "f", "one\n");
        let ours = commit(&repo, Some(start), "f", "ours\n");
        let theirs = commit(&repo, Some(start), "f", "theirs\n");
        let other = commit(&repo, Some(start), "g", "g\n");
        let alone = commit(&repo, None, "x", "x\n");
        let checked = check(&repo, &path, ours, theirs).unwrap();
        assert_eq!(checked.result, Mergeability::Conflict(vec!["f".into()]));
        assert_eq!(checked.merge_base, Some(start));
        assert_eq!(
            check(&repo, &path, ours, other).unwrap().result,
            Mergeability::Clean
        );
        assert_eq!(
            check(&repo, &path, ours, alone).unwrap().result,
            Mergeability::Unrelated
        );
        let request = MergeRequest {
            style: Style::Rebase,
            base: ours,
            head: theirs,
            message: "",
            committer: &merger(),
        };
        assert!(matches!(
            make(&repo, &path, &request),
            Err(MergeError::Conflict(files)) if files == ["f"]
        ));
        let request = MergeRequest {
            style: Style::FastForwardOnly,
            head: other,
            ..request
        };
        assert!(matches!(
            make(&repo, &path, &request),
            Err(MergeError::NotFastForward)
        ));
        storage.delete(2).unwrap();
    }
}
