//! Listing branches and tags.

use super::Result;
use super::history::{CommitSummary, summarize};
use git2::{BranchType, Repository};

/// Branch names, at most `max`, for a branch selector (no commit is read).
pub fn branch_names(repo: &Repository, max: usize) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for branch in repo.branches(Some(BranchType::Local))? {
        let (branch, _) = branch?;
        if let Ok(Some(name)) = branch.name() {
            names.push(name.to_string());
        }
    }
    names.sort();
    names.truncate(max);
    Ok(names)
}

/// A branch and the commit it points to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchInfo {
    pub name: String,
    pub commit: CommitSummary,
}

/// The branches, most recently changed first; at most `max` of them (the
/// boolean says whether some were left out).
pub fn branches(repo: &Repository, max: usize) -> Result<(Vec<BranchInfo>, bool)> {
    let mut out = Vec::new();
    for branch in repo.branches(Some(BranchType::Local))? {
        let (branch, _) = branch?;
        let Ok(Some(name)) = branch.name() else {
            continue;
        };
        let Ok(commit) = branch.get().peel_to_commit() else {
            continue;
        };
        out.push(BranchInfo {
            name: name.to_string(),
            commit: summarize(&commit),
        });
    }
    out.sort_by(|a, b| {
        b.commit
            .time_ms
            .cmp(&a.commit.time_ms)
            .then_with(|| a.name.cmp(&b.name))
    });
    let truncated = out.len() > max;
    out.truncate(max);
    Ok((out, truncated))
}

/// A tag and the commit it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagInfo {
    pub name: String,
    pub commit: CommitSummary,
    /// The tag object of an annotated tag, else the commit.
    pub object: git2::Oid,
    /// Whether it is an annotated tag (a tag object).
    pub annotated: bool,
    /// The first line of an annotated tag's message.
    pub message: String,
    /// The tagger's time for annotated tags, else the commit's.
    pub time_ms: i64,
}

/// The tags that name commits, newest first; at most `max` of them.
pub fn tags(repo: &Repository, max: usize) -> Result<(Vec<TagInfo>, bool)> {
    let mut out = Vec::new();
    for reference in repo.references_glob("refs/tags/*")? {
        let reference = reference?;
        let Some(name) = reference
            .name()
            .ok()
            .and_then(|n| n.strip_prefix("refs/tags/"))
        else {
            continue;
        };
        let name = name.to_string();
        let object = reference.target();
        let Ok(commit) = reference.peel_to_commit() else {
            continue;
        };
        let commit = summarize(&commit);
        let (annotated, message, time_ms) = match reference.peel_to_tag() {
            Ok(tag) => {
                let message = tag
                    .message_bytes()
                    .map(|m| {
                        String::from_utf8_lossy(m)
                            .lines()
                            .next()
                            .unwrap_or("")
                            .trim()
                            .to_string()
                    })
                    .unwrap_or_default();
                let time = tag
                    .tagger()
                    .map_or(commit.time_ms, |t| t.when().seconds().saturating_mul(1000));
                (true, message, time)
            }
            Err(_) => (false, String::new(), commit.time_ms),
        };
        out.push(TagInfo {
            name,
            object: object.unwrap_or(commit.id),
            commit,
            annotated,
            message,
            time_ms,
        });
    }
    out.sort_by(|a, b| b.time_ms.cmp(&a.time_ms).then_with(|| b.name.cmp(&a.name)));
    let truncated = out.len() > max;
    out.truncate(max);
    Ok((out, truncated))
}
