//! Which commit a URL names: a branch or tag at the start of its path
//! (names may contain `/`), a commit id, or the branch a repository's home
//! shows.

use super::{BrowseError, Result};
use git2::{BranchType, ErrorCode, ObjectType, Oid, Reference, Repository};

/// The longest ref name (in path components) tried when a URL mixes a
/// branch or tag name with a path.
const MAX_REF_COMPONENTS: usize = 32;

/// The longest full ref name looked up. libgit2 normalises names into a
/// buffer of 1,024 bytes and fails on longer ones (which git2 turns into a
/// panic in `Reference::is_valid_name`); no ref that long can exist.
const MAX_REF_NAME: usize = 1000;

/// How a URL names the commit it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    Branch,
    Tag,
    Commit,
}

impl RefKind {
    /// The word in URLs: `branch`, `tag` or `commit`.
    pub fn as_str(self) -> &'static str {
        match self {
            RefKind::Branch => "branch",
            RefKind::Tag => "tag",
            RefKind::Commit => "commit",
        }
    }

    pub fn parse(word: &str) -> Option<RefKind> {
        match word {
            "branch" => Some(RefKind::Branch),
            "tag" => Some(RefKind::Tag),
            "commit" => Some(RefKind::Commit),
            _ => None,
        }
    }
}

/// A ref resolved from the start of a URL path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub kind: RefKind,
    /// The branch or tag name, or the full commit id.
    pub name: String,
    pub commit: Oid,
    /// How many path components the ref name took; the rest is a path.
    pub consumed: usize,
}

/// Resolves the ref at the start of `components`: for branches and tags the
/// longest prefix that names one (names may contain `/`), for commits the
/// first component as a full or abbreviated commit id.
pub fn resolve(repo: &Repository, kind: RefKind, components: &[Vec<u8>]) -> Result<Resolved> {
    let prefix = match kind {
        RefKind::Commit => {
            let first = components.first().ok_or(BrowseError::NotFound)?;
            let text = std::str::from_utf8(first).map_err(|_| BrowseError::NotFound)?;
            let commit = commit_by_id(repo, text)?;
            return Ok(Resolved {
                kind,
                name: commit.to_string(),
                commit,
                consumed: 1,
            });
        }
        RefKind::Branch => "refs/heads/",
        RefKind::Tag => "refs/tags/",
    };
    for n in (1..=components.len().min(MAX_REF_COMPONENTS)).rev() {
        let Ok(parts) = components[..n]
            .iter()
            .map(|c| std::str::from_utf8(c))
            .collect::<std::result::Result<Vec<_>, _>>()
        else {
            continue;
        };
        let name = parts.join("/");
        if let Some(commit) = commit_of_ref(repo, &format!("{prefix}{name}"))? {
            return Ok(Resolved {
                kind,
                name,
                commit,
                consumed: n,
            });
        }
    }
    Err(BrowseError::NotFound)
}

/// The commit a full ref name points to (through annotated tags), if the
/// ref exists and ends at a commit.
fn commit_of_ref(repo: &Repository, full_name: &str) -> Result<Option<Oid>> {
    if full_name.len() > MAX_REF_NAME || !Reference::is_valid_name(full_name) {
        return Ok(None);
    }
    let reference = match repo.find_reference(full_name) {
        Ok(r) => r,
        Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    match reference.peel(ObjectType::Commit) {
        Ok(object) => Ok(Some(object.id())),
        // A tag of a tree or a blob names no commit.
        Err(e) if matches!(e.code(), ErrorCode::NotFound | ErrorCode::Peel) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A commit named by its full or abbreviated (at least 4 digits) id.
pub fn commit_by_id(repo: &Repository, text: &str) -> Result<Oid> {
    let valid = (4..=40).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit());
    if !valid {
        return Err(BrowseError::NotFound);
    }
    Ok(repo.find_commit_by_prefix(text)?.id())
}

/// What a short name means, as for archives: a branch, else a tag, else a
/// commit id.
pub fn resolve_name(repo: &Repository, name: &str) -> Result<(RefKind, Oid)> {
    if let Some(commit) = commit_of_ref(repo, &format!("refs/heads/{name}"))? {
        return Ok((RefKind::Branch, commit));
    }
    if let Some(commit) = commit_of_ref(repo, &format!("refs/tags/{name}"))? {
        return Ok((RefKind::Tag, commit));
    }
    Ok((RefKind::Commit, commit_by_id(repo, name)?))
}

/// The branch to show on the repository's home: `preferred` if it exists,
/// else the one HEAD names, else the first branch by name. `None` when the
/// repository has no branch.
pub fn home_branch(repo: &Repository, preferred: &str) -> Result<Option<(String, Oid)>> {
    if let Some(commit) = commit_of_ref(repo, &format!("refs/heads/{preferred}"))? {
        return Ok(Some((preferred.to_string(), commit)));
    }
    if let Ok(head) = repo.find_reference("HEAD")
        && let Ok(Some(target)) = head.symbolic_target()
        && let Some(name) = target.strip_prefix("refs/heads/")
        && let Some(commit) = commit_of_ref(repo, target)?
    {
        return Ok(Some((name.to_string(), commit)));
    }
    let mut first: Option<(String, Oid)> = None;
    for branch in repo.branches(Some(BranchType::Local))? {
        let (branch, _) = branch?;
        let Ok(Some(name)) = branch.name() else {
            continue;
        };
        let Some(commit) = commit_of_ref(repo, &format!("refs/heads/{name}"))? else {
            continue;
        };
        if first.as_ref().is_none_or(|(f, _)| name < f.as_str()) {
            first = Some((name.to_string(), commit));
        }
    }
    Ok(first)
}
