//! Commits made by the forge: a file created, changed or deleted through the
//! API, and the first files of a new repository. The objects are written by
//! `forge-git`; the branch moves by compare-and-swap on the commit the
//! change was made against, inside a journalled push, and what the move
//! causes (events, "Fixes #N") is recorded by [`Forge::process_push`] as
//! for a push over git.

use crate::Forge;
use crate::blocking;
use forge_core::clock::now_ms;
use forge_core::repo::{self, Access, Repo};
use forge_core::user::User;
use forge_core::{Error, Result};
use forge_git::edit::{self, FileChange, NewCommit, Person};
use forge_git::push::{Evidence, RefCommand};

const ZERO: &str = "0000000000000000000000000000000000000000";

/// What to do to one file.
#[derive(Debug, Clone)]
pub enum FileOp {
    /// Create a file that must not exist yet.
    Create(Vec<u8>),
    /// Replace a file whose current blob is `sha`.
    Update { content: Vec<u8>, sha: String },
    /// Delete a file whose current blob is `sha`.
    Delete { sha: String },
}

/// A change to one file, as the API asks for it.
#[derive(Debug, Clone)]
pub struct FileEdit {
    pub path: String,
    pub op: FileOp,
    /// The branch to change; the default branch when `None`.
    pub branch: Option<String>,
    /// A branch to create from `branch` with the change, leaving `branch`
    /// as it is.
    pub new_branch: Option<String>,
    pub message: Option<String>,
    /// Who wrote the change; the actor when `None`.
    pub author: Option<Person>,
    /// Who committed it; the author when `None`.
    pub committer: Option<Person>,
}

/// The commit a change made, and the branch it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    pub commit: String,
    pub branch: String,
    /// The path, normalised (components joined by `/`).
    pub path: String,
}

/// The actor as the commit's author: their name (or login) and address.
pub fn person_of(user: &User) -> Person {
    Person {
        name: if user.full_name.trim().is_empty() {
            user.name.clone()
        } else {
            user.full_name.trim().to_string()
        },
        email: user.email.clone(),
    }
}

/// git cannot write a signature holding `<`, `>` or a line break.
fn check_person(person: &Person) -> Result<()> {
    let bad = |text: &str| text.contains(['<', '>', '\n', '\r', '\0']);
    if bad(&person.name) || bad(&person.email) || person.name.trim().is_empty() {
        return Err(Error::invalid("author", "error-signature"));
    }
    Ok(())
}

enum Moved {
    Done(String),
    Lost,
}

impl Forge {
    /// Makes one file change as a commit of the forge on behalf of `actor`,
    /// who needs write access.
    pub async fn edit_file(
        &self,
        actor: &User,
        repo: &Repo,
        change: FileEdit,
    ) -> Result<Committed> {
        if repo::access(&self.db, Some(actor), repo).await? < Access::Write {
            return Err(Error::forbidden("error-repo-write-only"));
        }
        let path = edit::path_components(&change.path)
            .ok_or_else(|| Error::invalid("path", "error-file-path"))?
            .join("/");
        let base = match change.branch.as_deref().map(str::trim) {
            Some(b) if !b.is_empty() => b.to_string(),
            _ => repo.default_branch.clone(),
        };
        let target = match change.new_branch.as_deref().map(str::trim) {
            Some(b) if !b.is_empty() => Some(
                repo::validate_branch(b)
                    .map_err(|_| Error::invalid("new_branch", "error-branch-name"))?,
            ),
            _ => None,
        };
        // The branch that moves passes branch protection as a push would.
        self.check_branch_commit(repo, actor, target.as_deref().unwrap_or(&base))
            .await?;
        let author = change.author.unwrap_or_else(|| person_of(actor));
        check_person(&author)?;
        let committer = change.committer.unwrap_or_else(|| author.clone());
        check_person(&committer)?;
        let message = change
            .message
            .filter(|m| !m.trim().is_empty())
            .unwrap_or_else(|| {
                let verb = match change.op {
                    FileOp::Create(_) => "Add",
                    FileOp::Update { .. } => "Update",
                    FileOp::Delete { .. } => "Delete",
                };
                format!("{verb} {path}")
            });
        if message.contains('\0') {
            return Err(Error::invalid("message", "error-commit-message"));
        }
        let storage = self.storage.clone();
        let id = repo.id.0;
        let (read_base, read_target, read_path) = (base.clone(), target.clone(), path.clone());
        // Read the branches and check the file against the expected state.
        let read = blocking::git("reading a branch", move || {
            let git = storage.open(id)?;
            let parent = edit::branch_commit(&git, &read_base)?;
            if let Some(target) = &read_target
                && edit::branch_commit(&git, target)?.is_some()
            {
                return Ok(Err(Error::conflict(
                    Some("new_branch"),
                    "error-branch-exists",
                )));
            }
            let current = match parent {
                Some(p) => edit::blob_at(&git, p, &read_path)?,
                None => None,
            };
            Ok(Ok((parent, current)))
        })
        .await?;
        let (parent, current) = read?;
        let empty_allowed = matches!(change.op, FileOp::Create(_));
        if parent.is_none() && !(empty_allowed && self.is_empty(repo).await?) {
            return Err(Error::not_found("error-branch-missing"));
        }
        let changes = match change.op {
            FileOp::Create(content) => {
                if current.is_some() {
                    return Err(Error::invalid("path", "error-file-exists"));
                }
                vec![FileChange::Put {
                    path: path.clone(),
                    content,
                }]
            }
            FileOp::Update { content, sha } => {
                let Some(current) = current else {
                    return Err(Error::not_found("error-file-missing"));
                };
                if current.to_string() != sha.trim() {
                    return Err(Error::conflict(Some("sha"), "error-file-sha"));
                }
                vec![FileChange::Put {
                    path: path.clone(),
                    content,
                }]
            }
            FileOp::Delete { sha } => {
                let Some(current) = current else {
                    return Err(Error::not_found("error-file-missing"));
                };
                if current.to_string() != sha.trim() {
                    return Err(Error::conflict(Some("sha"), "error-file-sha"));
                }
                vec![FileChange::Delete { path: path.clone() }]
            }
        };
        let branch = target.clone().unwrap_or(base);
        let old = if target.is_some() { None } else { parent };
        let commit = self
            .commit_and_move(
                repo, actor, &branch, parent, old, changes, &message, author, committer,
            )
            .await?;
        Ok(Committed {
            commit,
            branch,
            path,
        })
    }

    /// Writes a commit on `parent` and moves `branch` from `old` to it as
    /// a journalled push, recording what it causes. A branch moved by
    /// someone else meanwhile is a conflict, and nothing is changed.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn commit_and_move(
        &self,
        repo: &Repo,
        actor: &User,
        branch: &str,
        parent: Option<forge_git::browse::Oid>,
        old: Option<forge_git::browse::Oid>,
        changes: Vec<FileChange>,
        message: &str,
        author: Person,
        committer: Person,
    ) -> Result<String> {
        let storage = self.storage.clone();
        let id = repo.id.0;
        let text = message.to_string();
        let time_s = now_ms().div_euclid(1000);
        let written = blocking::git("writing a commit", move || {
            edit::write_commit(
                &storage.open(id)?,
                &NewCommit {
                    parent,
                    changes: &changes,
                    message: &text,
                    author: &author,
                    committer: &committer,
                    time_s,
                },
            )
        })
        .await?;
        let command = RefCommand {
            old: old.map_or_else(|| ZERO.to_string(), |o| o.to_string()),
            new: written.to_string(),
            name: format!("refs/heads/{branch}"),
        };
        let journal = self
            .journal_push(repo.id, Some(actor.id), std::slice::from_ref(&command))
            .await?;
        let storage = self.storage.clone();
        let name = branch.to_string();
        let log = format!(
            "forge: {} by {}",
            message.lines().next().unwrap_or(""),
            actor.name
        );
        let moved = blocking::git("moving a branch", move || {
            let git = storage.open(id)?;
            Ok(if edit::move_branch(&git, &name, old, written, &log)? {
                Moved::Done(written.to_string())
            } else {
                Moved::Lost
            })
        })
        .await?;
        // Closes the journal row either way: only an update that took
        // effect counts.
        self.process_push(
            repo,
            Some(actor),
            Some(journal),
            vec![command],
            Evidence::JustFinished,
        )
        .await?;
        match moved {
            Moved::Done(commit) => Ok(commit),
            Moved::Lost => Err(Error::conflict(Some("branch"), "error-branch-moved")),
        }
    }
}
