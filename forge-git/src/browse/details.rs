//! Commits as the API shows them: both signatures with their addresses and
//! time zones, the whole message, tree and parents, the files changed, and
//! numbered pages of history with their total.

use super::Result;
use super::history::changes_path;
use git2::{Delta, Oid, Repository};

/// Where the total of a history stops being counted: a history longer than
/// this reports this many commits (the pages still reach further through
/// the last page's commits).
pub const MAX_COUNTED: usize = 10_000;

/// A signature: who, and when in their time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub name: String,
    pub email: String,
    /// Unix seconds.
    pub time_s: i64,
    /// Minutes east of UTC.
    pub offset_min: i32,
}

/// A file a commit changed against its first parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub path: String,
    /// Gitea's words: `added`, `removed`, `modified`, `renamed`, `copied`.
    pub status: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Details {
    pub id: Oid,
    pub tree: Oid,
    pub parents: Vec<Oid>,
    pub message: String,
    pub author: Signed,
    pub committer: Signed,
    /// The files changed, when asked for.
    pub files: Option<Vec<Changed>>,
    /// Lines added and removed, when the files were asked for.
    pub additions: usize,
    pub deletions: usize,
}

fn signed(signature: &git2::Signature<'_>) -> Signed {
    Signed {
        name: String::from_utf8_lossy(signature.name_bytes()).into_owned(),
        email: String::from_utf8_lossy(signature.email_bytes()).into_owned(),
        time_s: signature.when().seconds(),
        offset_min: signature.when().offset_minutes(),
    }
}

/// One commit; with its changed files when `files` is set.
pub fn details(repo: &Repository, id: Oid, files: bool) -> Result<Details> {
    let commit = repo.find_commit(id)?;
    let mut out = Details {
        id,
        tree: commit.tree_id(),
        parents: commit.parent_ids().collect(),
        message: String::from_utf8_lossy(commit.message_bytes()).into_owned(),
        author: signed(&commit.author()),
        committer: signed(&commit.committer()),
        files: None,
        additions: 0,
        deletions: 0,
    };
    if files {
        let tree = commit.tree()?;
        let parent_tree = match out.parents.first() {
            Some(parent) => Some(repo.find_commit(*parent)?.tree()?),
            None => None,
        };
        let diff = repo.diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), None)?;
        let stats = diff.stats()?;
        out.additions = stats.insertions();
        out.deletions = stats.deletions();
        let changed = diff
            .deltas()
            .map(|delta| {
                let file = if delta.status() == Delta::Deleted {
                    delta.old_file()
                } else {
                    delta.new_file()
                };
                Changed {
                    path: file
                        .path_bytes()
                        .map(|p| String::from_utf8_lossy(p).into_owned())
                        .unwrap_or_default(),
                    status: match delta.status() {
                        Delta::Added => "added",
                        Delta::Deleted => "removed",
                        Delta::Renamed => "renamed",
                        Delta::Copied => "copied",
                        _ => "modified",
                    },
                }
            })
            .collect();
        out.files = Some(changed);
    }
    Ok(out)
}

/// Page `skip / limit` of the history from `start` (newest first), only
/// commits changing `path` if one is given, and how many there are in all
/// (counted up to [`MAX_COUNTED`]).
pub fn history_page(
    repo: &Repository,
    start: Oid,
    path: Option<&[Vec<u8>]>,
    skip: usize,
    limit: usize,
    files: bool,
) -> Result<(Vec<Details>, usize)> {
    repo.find_commit(start)?;
    let mut walk = repo.revwalk()?;
    walk.set_sorting(git2::Sort::NONE)?;
    walk.push(start)?;
    let path = path.filter(|p| !p.is_empty());
    let mut page = Vec::new();
    let mut total = 0;
    for id in walk {
        let id = id?;
        if let Some(path) = path
            && !changes_path(repo, &repo.find_commit(id)?, path)?
        {
            continue;
        }
        if total >= skip && page.len() < limit {
            page.push(details(repo, id, files)?);
        }
        total += 1;
        if total >= MAX_COUNTED {
            break;
        }
    }
    Ok((page, total))
}
