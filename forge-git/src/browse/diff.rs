//! One commit with its diff against its first parent, within limits on
//! files and lines.

use super::Result;
use git2::{Delta, DiffFindOptions, DiffLineType, DiffOptions, Oid, Patch, Repository};

/// Limits on the diff of one commit.
#[derive(Debug, Clone, Copy)]
pub struct DiffLimits {
    /// Files beyond this many are listed by name only, and not all of them.
    pub max_files: usize,
    /// Lines shown over all files; a file that does not fit is "too large".
    pub max_lines: usize,
    /// Files larger than this are not diffed (shown as binary changes).
    pub max_file_bytes: u64,
}

impl Default for DiffLimits {
    fn default() -> Self {
        DiffLimits {
            max_files: 300,
            max_lines: 5000,
            max_file_bytes: 1 << 20,
        }
    }
}

/// One commit with its diff against its first parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitDetail {
    pub id: Oid,
    pub parents: Vec<Oid>,
    pub summary: String,
    /// The message after its summary line.
    pub body: String,
    pub author_name: String,
    pub author_email: String,
    pub author_time_ms: i64,
    pub committer_name: String,
    pub committer_time_ms: i64,
    pub diff: DiffView,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffView {
    pub files: Vec<FileDiff>,
    /// How many files changed in all (may exceed `files.len()`).
    pub total_files: usize,
    /// Whether some files or lines are left out for size.
    pub truncated: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileStatus {
    Added,
    Deleted,
    Modified,
    Renamed,
    Copied,
    TypeChanged,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDiff {
    pub old_path: String,
    pub new_path: String,
    pub status: FileStatus,
    pub additions: usize,
    pub deletions: usize,
    pub body: DiffBody,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffBody {
    Hunks(Vec<Hunk>),
    /// A binary file (or one over the size limit): no lines to show.
    Binary,
    /// Left out: the diff has too many lines.
    TooLarge,
    /// Only the mode changed, or an empty file was added or removed.
    Empty,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    pub header: String,
    pub lines: Vec<DiffLine>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Context,
    Added,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub kind: LineKind,
    pub old_no: Option<u32>,
    pub new_no: Option<u32>,
    /// The line without its end of line.
    pub text: String,
}

/// One commit and its diff against its first parent (the empty tree for a
/// root commit), within `limits`.
pub fn commit(repo: &Repository, id: Oid, limits: DiffLimits) -> Result<CommitDetail> {
    let commit = repo.find_commit(id)?;
    let parents: Vec<Oid> = commit.parent_ids().collect();
    let tree = commit.tree()?;
    let parent_tree = match parents.first() {
        Some(parent) => Some(repo.find_commit(*parent)?.tree()?),
        None => None,
    };
    let diff = tree_diff(repo, parent_tree.as_ref(), &tree, limits)?;
    let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
    let (summary, body) = split_message(&message);
    let author = commit.author();
    let committer = commit.committer();
    Ok(CommitDetail {
        id,
        parents,
        summary,
        body,
        author_name: String::from_utf8_lossy(author.name_bytes()).into_owned(),
        author_email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
        author_time_ms: author.when().seconds().saturating_mul(1000),
        committer_name: String::from_utf8_lossy(committer.name_bytes()).into_owned(),
        committer_time_ms: committer.when().seconds().saturating_mul(1000),
        diff,
    })
}

/// The diff from commit `old` to commit `new` (a pull request's changes:
/// from the merge base to the head), within `limits`.
pub fn between(repo: &Repository, old: Oid, new: Oid, limits: DiffLimits) -> Result<DiffView> {
    let old_tree = repo.find_commit(old)?.tree()?;
    let new_tree = repo.find_commit(new)?.tree()?;
    tree_diff(repo, Some(&old_tree), &new_tree, limits)
}

fn tree_diff(
    repo: &Repository,
    parent_tree: Option<&git2::Tree<'_>>,
    tree: &git2::Tree<'_>,
    limits: DiffLimits,
) -> Result<DiffView> {
    let mut options = DiffOptions::new();
    options
        .context_lines(3)
        .max_size(i64::try_from(limits.max_file_bytes).unwrap_or(i64::MAX));
    let mut diff = repo.diff_tree_to_tree(parent_tree, Some(tree), Some(&mut options))?;
    let total_before_renames = diff.deltas().len();
    if total_before_renames <= limits.max_files {
        let mut find = DiffFindOptions::new();
        find.renames(true).rename_limit(100);
        diff.find_similar(Some(&mut find))?;
    }
    let total_files = diff.deltas().len();
    let mut files = Vec::new();
    let mut truncated = total_files > limits.max_files;
    let mut budget = limits.max_lines;
    let mut out_of_budget = false;
    for (index, delta) in diff.deltas().enumerate().take(limits.max_files) {
        let path_of = |file: git2::DiffFile<'_>| {
            file.path_bytes()
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .unwrap_or_default()
        };
        let old_path = path_of(delta.old_file());
        let new_path = path_of(delta.new_file());
        let status = match delta.status() {
            Delta::Added => FileStatus::Added,
            Delta::Deleted => FileStatus::Deleted,
            Delta::Renamed => FileStatus::Renamed,
            Delta::Copied => FileStatus::Copied,
            Delta::Typechange => FileStatus::TypeChanged,
            _ => FileStatus::Modified,
        };
        let mut file = FileDiff {
            old_path,
            new_path,
            status,
            additions: 0,
            deletions: 0,
            body: DiffBody::TooLarge,
        };
        if out_of_budget {
            files.push(file);
            continue;
        }
        let Some(patch) = Patch::from_diff(&diff, index)? else {
            file.body = DiffBody::Binary;
            files.push(file);
            continue;
        };
        if patch.delta().flags().is_binary() {
            file.body = DiffBody::Binary;
            files.push(file);
            continue;
        }
        let (_, additions, deletions) = patch.line_stats()?;
        file.additions = additions;
        file.deletions = deletions;
        let mut line_count = 0;
        for h in 0..patch.num_hunks() {
            line_count += patch.num_lines_in_hunk(h)?;
        }
        if line_count > budget {
            out_of_budget = true;
            truncated = true;
            files.push(file);
            continue;
        }
        budget -= line_count;
        file.body = if patch.num_hunks() == 0 {
            DiffBody::Empty
        } else {
            DiffBody::Hunks(hunks(&patch)?)
        };
        files.push(file);
    }
    Ok(DiffView {
        files,
        total_files,
        truncated,
    })
}

fn hunks(patch: &Patch<'_>) -> Result<Vec<Hunk>> {
    let mut hunks = Vec::with_capacity(patch.num_hunks());
    for h in 0..patch.num_hunks() {
        let (hunk, count) = patch.hunk(h)?;
        let mut lines = Vec::with_capacity(count);
        for l in 0..count {
            let line = patch.line_in_hunk(h, l)?;
            let kind = match line.origin_value() {
                DiffLineType::Addition => LineKind::Added,
                DiffLineType::Deletion => LineKind::Removed,
                DiffLineType::Context => LineKind::Context,
                // "\ No newline at end of file" markers and the like.
                _ => continue,
            };
            let text = String::from_utf8_lossy(line.content());
            lines.push(DiffLine {
                kind,
                old_no: line.old_lineno(),
                new_no: line.new_lineno(),
                text: text.trim_end_matches(['\n', '\r']).to_string(),
            });
        }
        hunks.push(Hunk {
            header: String::from_utf8_lossy(hunk.header())
                .trim_end()
                .to_string(),
            lines,
        });
    }
    Ok(hunks)
}

/// A message's summary (its first paragraph, joined on one line, as git
/// does) and the rest.
fn split_message(message: &str) -> (String, String) {
    let message = message.trim_start_matches(['\n', '\r']);
    let (first, rest) = match message.find("\n\n") {
        Some(at) => (&message[..at], &message[at + 2..]),
        None => (message, ""),
    };
    let summary = first.lines().map(str::trim).collect::<Vec<_>>().join(" ");
    (summary, rest.trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages() {
        assert_eq!(
            split_message("Title\non two lines\n\nBody\n\nMore\n"),
            ("Title on two lines".into(), "Body\n\nMore".into())
        );
        assert_eq!(split_message("Only"), ("Only".into(), String::new()));
    }
}
