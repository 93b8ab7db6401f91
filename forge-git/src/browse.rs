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

use crate::GitError;
use git2::{
    BranchType, Delta, DiffFindOptions, DiffLineType, DiffOptions, ErrorCode, ObjectType, Patch,
    Reference, Sort, Tree,
};
/// The types callers of this module handle (the web layer does not
/// depend on `git2` itself).
pub use git2::{Oid, Repository};

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

/// The longest ref name (in path components) tried when a URL mixes a
/// branch or tag name with a path.
const MAX_REF_COMPONENTS: usize = 32;

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
    if !Reference::is_valid_name(full_name) {
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

/// The kind of a tree entry, from its mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Dir,
    File,
    Executable,
    Symlink,
    Submodule,
}

impl EntryKind {
    fn of_mode(mode: i32) -> EntryKind {
        match mode & 0o170000 {
            0o040000 => EntryKind::Dir,
            0o120000 => EntryKind::Symlink,
            0o160000 => EntryKind::Submodule,
            _ if mode & 0o111 != 0 => EntryKind::Executable,
            _ => EntryKind::File,
        }
    }

    /// Whether the entry is a blob (file, executable or symlink).
    pub fn is_blob(self) -> bool {
        matches!(
            self,
            EntryKind::File | EntryKind::Executable | EntryKind::Symlink
        )
    }
}

/// One entry of a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The name as text (invalid UTF-8 replaced), for display.
    pub name: String,
    /// The name's bytes, for URLs.
    pub raw_name: Vec<u8>,
    pub kind: EntryKind,
    /// The size of blobs, in bytes.
    pub size: Option<u64>,
    /// The blob, tree, or (for submodules) commit id.
    pub id: Oid,
}

/// What a path names in a commit's tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A folder, with its entries: folders and submodules first, then the
    /// rest, each group by name.
    Dir(Vec<Entry>),
    /// Anything else: a file, an executable, a symlink or a submodule.
    Leaf(Entry),
}

/// What `path` names in the tree of `commit`; an empty path is the root.
pub fn lookup(repo: &Repository, commit: Oid, path: &[Vec<u8>]) -> Result<Node> {
    let commit = repo.find_commit(commit)?;
    let mut tree = commit.tree()?;
    let Some((last, parents)) = path.split_last() else {
        return Ok(Node::Dir(list(repo, &tree)?));
    };
    for component in parents {
        tree = subtree(repo, &tree, component)?;
    }
    let entry = child(&tree, last).ok_or(BrowseError::NotFound)?;
    let kind = EntryKind::of_mode(entry.filemode());
    if kind == EntryKind::Dir {
        let tree = repo.find_tree(entry.id())?;
        return Ok(Node::Dir(list(repo, &tree)?));
    }
    let size = if kind.is_blob() {
        Some(blob_size(repo, entry.id())?)
    } else {
        None
    };
    Ok(Node::Leaf(Entry {
        name: String::from_utf8_lossy(last).into_owned(),
        raw_name: last.clone(),
        kind,
        size,
        id: entry.id(),
    }))
}

/// The entry `name` of `tree`. (A name with a NUL byte names nothing, and
/// would make `git2` panic.)
fn child<'t>(tree: &'t Tree<'_>, name: &[u8]) -> Option<git2::TreeEntry<'t>> {
    if name.contains(&0) {
        return None;
    }
    tree.get_name_bytes(name)
}

fn subtree<'r>(repo: &'r Repository, tree: &Tree<'r>, name: &[u8]) -> Result<Tree<'r>> {
    let entry = child(tree, name).ok_or(BrowseError::NotFound)?;
    if entry.kind() != Some(ObjectType::Tree) {
        return Err(BrowseError::NotFound);
    }
    Ok(repo.find_tree(entry.id())?)
}

/// The size of a blob, read from its header without loading it.
pub fn blob_size(repo: &Repository, id: Oid) -> Result<u64> {
    let (size, kind) = repo.odb()?.read_header(id)?;
    if kind != ObjectType::Blob {
        return Err(BrowseError::NotFound);
    }
    Ok(size as u64)
}

fn list(repo: &Repository, tree: &Tree<'_>) -> Result<Vec<Entry>> {
    let odb = repo.odb()?;
    let mut entries = Vec::with_capacity(tree.len());
    for entry in tree.iter() {
        let kind = EntryKind::of_mode(entry.filemode());
        let size = if kind.is_blob() {
            match odb.read_header(entry.id()) {
                Ok((size, _)) => Some(size as u64),
                // A missing object (a broken or shallow repository) is shown
                // without its size rather than failing the whole page.
                Err(e) if e.code() == ErrorCode::NotFound => None,
                Err(e) => return Err(e.into()),
            }
        } else {
            None
        };
        let raw_name = entry.name_bytes().to_vec();
        entries.push(Entry {
            name: String::from_utf8_lossy(&raw_name).into_owned(),
            raw_name,
            kind,
            size,
            id: entry.id(),
        });
    }
    entries.sort_by_cached_key(|e| {
        let group = u8::from(!matches!(e.kind, EntryKind::Dir | EntryKind::Submodule));
        (group, e.name.to_lowercase(), e.raw_name.clone())
    });
    Ok(entries)
}

/// A blob's content for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// Text (invalid UTF-8 replaced).
    Text(String),
    Binary,
    /// Larger than the display limit; not read.
    TooLarge,
}

/// A blob for display: its size and, within `limit` bytes, its content.
pub fn read_blob(repo: &Repository, id: Oid, limit: u64) -> Result<(u64, Content)> {
    let size = blob_size(repo, id)?;
    if size > limit {
        return Ok((size, Content::TooLarge));
    }
    let blob = repo.find_blob(id)?;
    if blob.is_binary() || looks_binary(blob.content()) {
        return Ok((size, Content::Binary));
    }
    Ok((
        size,
        Content::Text(String::from_utf8_lossy(blob.content()).into_owned()),
    ))
}

/// A blob's bytes, when it is at most `limit` bytes long; `Err(size)` when
/// it is larger (the caller streams it from `git cat-file` instead).
pub fn read_raw(
    repo: &Repository,
    id: Oid,
    limit: u64,
) -> Result<std::result::Result<Vec<u8>, u64>> {
    let size = blob_size(repo, id)?;
    if size > limit {
        return Ok(Err(size));
    }
    Ok(Ok(repo.find_blob(id)?.content().to_vec()))
}

/// Whether bytes look binary: a NUL byte in the first 8000, as git checks.
pub fn looks_binary(bytes: &[u8]) -> bool {
    bytes.iter().take(8000).any(|b| *b == 0)
}

/// Where a symbolic link points (its blob's content).
pub fn symlink_target(repo: &Repository, id: Oid) -> Result<String> {
    let blob = repo.find_blob(id)?;
    let target = blob.content();
    Ok(String::from_utf8_lossy(&target[..target.len().min(4096)]).into_owned())
}

/// The URL of the submodule at `path` in `commit`, from `.gitmodules`.
pub fn submodule_url(repo: &Repository, commit: Oid, path: &[Vec<u8>]) -> Result<Option<String>> {
    let tree = repo.find_commit(commit)?.tree()?;
    let Some(entry) = tree.get_name(".gitmodules") else {
        return Ok(None);
    };
    if entry.kind() != Some(ObjectType::Blob) || blob_size(repo, entry.id())? > 1 << 20 {
        return Ok(None);
    }
    let blob = repo.find_blob(entry.id())?;
    let wanted = path.join(&b'/');
    let wanted = String::from_utf8_lossy(&wanted);
    Ok(parse_gitmodules(
        &String::from_utf8_lossy(blob.content()),
        &wanted,
    ))
}

fn parse_gitmodules(text: &str, wanted: &str) -> Option<String> {
    let mut path: Option<String> = None;
    let mut url: Option<String> = None;
    let mut found = None;
    let mut finish = |path: &mut Option<String>, url: &mut Option<String>| {
        if found.is_none() && path.as_deref() == Some(wanted) {
            found = url.take();
        }
        *path = None;
        *url = None;
    };
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            finish(&mut path, &mut url);
        } else if let Some((key, value)) = line.split_once('=') {
            let value = value.trim().trim_matches('"').to_string();
            match key.trim() {
                "path" => path = Some(value),
                "url" => url = Some(value),
                _ => {}
            }
        }
    }
    finish(&mut path, &mut url);
    found
}

/// A commit in a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitSummary {
    pub id: Oid,
    pub summary: String,
    pub author: String,
    /// The author's time, in unix milliseconds.
    pub time_ms: i64,
}

fn summarize(commit: &git2::Commit<'_>) -> CommitSummary {
    let summary = commit
        .summary_bytes()
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .unwrap_or_default();
    let author = commit.author();
    CommitSummary {
        id: commit.id(),
        summary,
        author: String::from_utf8_lossy(author.name_bytes()).into_owned(),
        time_ms: author.when().seconds().saturating_mul(1000),
    }
}

/// Where a history page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogStart {
    /// With this commit.
    At(Oid),
    /// After this commit: with its parents (the previous page ended there).
    After(Oid),
}

/// One page of history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPage {
    pub commits: Vec<CommitSummary>,
    /// When there is more: the commit the next page starts after.
    pub next: Option<Oid>,
}

/// The most commits one history page examines when it filters by path; a
/// path changed rarely yields short pages rather than slow ones.
pub const MAX_SCANNED: usize = 10_000;

/// Up to `limit` commits from `start`, newest first (by commit time), that
/// change `path` if one is given. Walks only as far as the page needs.
pub fn log(
    repo: &Repository,
    start: LogStart,
    path: Option<&[Vec<u8>]>,
    limit: usize,
) -> Result<LogPage> {
    let mut walk = repo.revwalk()?;
    // No explicit sorting: libgit2 then walks lazily, newest commit date
    // first, as `git log` does. Any sorting flag makes it read the whole
    // history before returning the first commit (12 ms for 2,000 commits
    // on a page that shows 50).
    walk.set_sorting(Sort::NONE)?;
    match start {
        LogStart::At(id) => {
            repo.find_commit(id)?;
            walk.push(id)?;
        }
        LogStart::After(id) => {
            for parent in repo.find_commit(id)?.parent_ids() {
                walk.push(parent)?;
            }
        }
    }
    let path = path.filter(|p| !p.is_empty());
    let mut commits = Vec::new();
    let mut scanned = 0;
    for id in walk {
        let id = id?;
        let commit = repo.find_commit(id)?;
        let wanted = match path {
            None => true,
            Some(path) => changes_path(repo, &commit, path)?,
        };
        if wanted {
            if commits.len() == limit {
                // One more exists: the next page starts after the last shown.
                let next = commits.last().map(|c: &CommitSummary| c.id);
                return Ok(LogPage { commits, next });
            }
            commits.push(summarize(&commit));
        }
        scanned += 1;
        if path.is_some() && scanned >= MAX_SCANNED {
            return Ok(LogPage {
                commits,
                next: Some(id),
            });
        }
    }
    Ok(LogPage {
        commits,
        next: None,
    })
}

/// Whether `commit` changes `path` compared with each of its parents (a
/// merge that takes the path from one parent does not).
fn changes_path(repo: &Repository, commit: &git2::Commit<'_>, path: &[Vec<u8>]) -> Result<bool> {
    let mine = id_at(repo, commit.tree_id(), path)?;
    if commit.parent_count() == 0 {
        return Ok(mine.is_some());
    }
    for parent in commit.parent_ids() {
        let theirs = if repo.find_commit(parent)?.tree_id() == commit.tree_id() {
            mine
        } else {
            id_at(repo, repo.find_commit(parent)?.tree_id(), path)?
        };
        if theirs == mine {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The id and mode of what `path` names under the tree `root`, if anything.
fn id_at(repo: &Repository, root: Oid, path: &[Vec<u8>]) -> Result<Option<(Oid, i32)>> {
    let mut tree = repo.find_tree(root)?;
    let Some((last, parents)) = path.split_last() else {
        return Ok(Some((root, 0o040000)));
    };
    for component in parents {
        match subtree(repo, &tree, component) {
            Ok(t) => tree = t,
            Err(BrowseError::NotFound) => return Ok(None),
            Err(e) => return Err(e),
        }
    }
    Ok(child(&tree, last).map(|entry| (entry.id(), entry.filemode())))
}

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
    let mut options = DiffOptions::new();
    options
        .context_lines(3)
        .max_size(i64::try_from(limits.max_file_bytes).unwrap_or(i64::MAX));
    let mut diff = repo.diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), Some(&mut options))?;
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
        diff: DiffView {
            files,
            total_files,
            truncated,
        },
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

/// README names, in order of preference (compared case-insensitively).
const README_NAMES: [&str; 6] = [
    "readme.md",
    "readme.markdown",
    "readme",
    "readme.txt",
    "readme.rst",
    "readme.adoc",
];

/// The README of a folder's entries (from [`lookup`]): its name and blob id.
pub fn readme(entries: &[Entry]) -> Option<&Entry> {
    entries
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::File | EntryKind::Executable))
        .filter_map(|e| {
            let lower = e.name.to_ascii_lowercase();
            README_NAMES
                .iter()
                .position(|n| *n == lower)
                .map(|rank| (rank, e))
        })
        .min_by_key(|(rank, e)| (*rank, e.raw_name.clone()))
        .map(|(_, e)| e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use git2::Signature;

    fn temp_repo() -> (std::path::PathBuf, Repository) {
        let path = std::env::temp_dir().join(format!(
            "forge-browse-test-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        let repo = Repository::init_bare(&path).unwrap();
        (path, repo)
    }

    /// Commits `files` (path, mode, content) on top of `parent`, as a whole
    /// new tree.
    fn commit_files(
        repo: &Repository,
        parent: Option<Oid>,
        files: &[(&[u8], i32, &[u8])],
        message: &str,
        time: i64,
    ) -> Oid {
        let mut index = git2::Index::new().unwrap();
        for (path, mode, content) in files {
            let id = repo.blob(content).unwrap();
            let entry = git2::IndexEntry {
                ctime: git2::IndexTime::new(0, 0),
                mtime: git2::IndexTime::new(0, 0),
                dev: 0,
                ino: 0,
                mode: *mode as u32,
                uid: 0,
                gid: 0,
                file_size: content.len() as u32,
                id,
                flags: path.len() as u16,
                flags_extended: 0,
                path: path.to_vec(),
            };
            index.add(&entry).unwrap();
        }
        let tree = index.write_tree_to(repo).unwrap();
        let tree = repo.find_tree(tree).unwrap();
        let sig = Signature::new("Ada", "ada@example.org", &git2::Time::new(time, 0)).unwrap();
        let parents: Vec<git2::Commit<'_>> = parent
            .into_iter()
            .map(|p| repo.find_commit(p).unwrap())
            .collect();
        let parent_refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        repo.commit(None, &sig, &sig, message, &tree, &parent_refs)
            .unwrap()
    }

    #[test]
    fn resolves_refs_lists_trees_and_pages_history() {
        let (path, repo) = temp_repo();
        let mut head = None;
        for i in 0..25 {
            let content = format!("line {i}\n");
            let mut files: Vec<(&[u8], i32, &[u8])> = vec![
                (b"README.md", 0o100644, b"# Hello\n"),
                (b"src/main.rs", 0o100644, content.as_bytes()),
                (b"bin\xff", 0o100755, b"\x00\x01"),
                (b"link", 0o120000, b"README.md"),
            ];
            if i % 10 == 0 {
                files.push((b"rare.txt", 0o100644, b"rare"));
            }
            if i >= 10 {
                files.retain(|f| f.0 != b"rare.txt");
                files.push((b"rare.txt", 0o100644, if i >= 20 { b"r2" } else { b"r1" }));
            }
            head = Some(commit_files(
                &repo,
                head,
                &files,
                &format!("Commit {i}\n\nBody {i}"),
                1_700_000_000 + i,
            ));
        }
        let head = head.unwrap();
        repo.reference("refs/heads/feature/x", head, false, "")
            .unwrap();
        repo.reference("refs/heads/main", head, false, "").unwrap();

        let components: Vec<Vec<u8>> = vec![b"feature".to_vec(), b"x".to_vec(), b"src".to_vec()];
        let resolved = resolve(&repo, RefKind::Branch, &components).unwrap();
        assert_eq!(resolved.name, "feature/x");
        assert_eq!(resolved.consumed, 2);
        assert!(matches!(
            resolve(&repo, RefKind::Branch, &[b"nope".to_vec()]),
            Err(BrowseError::NotFound)
        ));
        let short = head.to_string()[..8].to_string();
        let by_id = resolve(&repo, RefKind::Commit, &[short.into_bytes()]).unwrap();
        assert_eq!(by_id.commit, head);
        assert!(matches!(
            resolve(&repo, RefKind::Commit, &[b"HEAD~1".to_vec()]),
            Err(BrowseError::NotFound)
        ));
        assert_eq!(resolve_name(&repo, "main").unwrap().0, RefKind::Branch);
        assert_eq!(
            home_branch(&repo, "trunk").unwrap().map(|b| b.0),
            Some("feature/x".to_string())
        );

        let Node::Dir(entries) = lookup(&repo, head, &[]).unwrap() else {
            panic!("the root is a folder");
        };
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            ["src", "bin\u{fffd}", "link", "rare.txt", "README.md"]
        );
        assert_eq!(entries[1].raw_name, b"bin\xff");
        assert_eq!(entries[1].kind, EntryKind::Executable);
        assert_eq!(entries[2].kind, EntryKind::Symlink);
        assert_eq!(readme(&entries).unwrap().name, "README.md");
        let Node::Leaf(bin) = lookup(&repo, head, &[b"bin\xff".to_vec()]).unwrap() else {
            panic!("a file");
        };
        assert_eq!(read_blob(&repo, bin.id, 100).unwrap().1, Content::Binary);
        let Node::Leaf(main) =
            lookup(&repo, head, &[b"src".to_vec(), b"main.rs".to_vec()]).unwrap()
        else {
            panic!("a file");
        };
        assert_eq!(
            read_blob(&repo, main.id, 100).unwrap().1,
            Content::Text("line 24\n".into())
        );
        assert_eq!(read_blob(&repo, main.id, 3).unwrap().1, Content::TooLarge);
        for bad in [&b"nope"[..], b"ma\0in.rs", b""] {
            assert!(matches!(
                lookup(&repo, head, &[b"src".to_vec(), bad.to_vec()]),
                Err(BrowseError::NotFound)
            ));
        }
        assert!(matches!(
            resolve(&repo, RefKind::Branch, &[b"ma\0in".to_vec()]),
            Err(BrowseError::NotFound)
        ));

        let first = log(&repo, LogStart::At(head), None, 10).unwrap();
        assert_eq!(first.commits.len(), 10);
        assert_eq!(first.commits[0].summary, "Commit 24");
        let next = first.next.unwrap();
        assert_eq!(next, first.commits[9].id);
        let second = log(&repo, LogStart::After(next), None, 10).unwrap();
        assert_eq!(second.commits[0].summary, "Commit 14");
        let last = log(&repo, LogStart::After(second.next.unwrap()), None, 10).unwrap();
        assert_eq!(last.commits.len(), 5);
        assert_eq!(last.next, None);

        let rare = log(&repo, LogStart::At(head), Some(&[b"rare.txt".to_vec()]), 10).unwrap();
        let summaries: Vec<&str> = rare.commits.iter().map(|c| c.summary.as_str()).collect();
        assert_eq!(
            summaries,
            ["Commit 20", "Commit 10", "Commit 1", "Commit 0"]
        );

        let detail = commit(&repo, head, DiffLimits::default()).unwrap();
        assert_eq!(detail.summary, "Commit 24");
        assert_eq!(detail.body, "Body 24");
        assert_eq!(detail.diff.files.len(), 1);
        let DiffBody::Hunks(hunks) = &detail.diff.files[0].body else {
            panic!("a text diff");
        };
        let kinds: Vec<LineKind> = hunks[0].lines.iter().map(|l| l.kind).collect();
        assert_eq!(kinds, [LineKind::Removed, LineKind::Added]);
        let tight = commit(
            &repo,
            head,
            DiffLimits {
                max_lines: 1,
                ..DiffLimits::default()
            },
        )
        .unwrap();
        assert!(tight.diff.truncated);
        assert_eq!(tight.diff.files[0].body, DiffBody::TooLarge);

        let (branches, more) = branches(&repo, 10).unwrap();
        assert!(!more);
        assert_eq!(branches.len(), 2);
        std::fs::remove_dir_all(path).unwrap();
    }

    #[test]
    fn gitmodules() {
        let text = "[submodule \"lib\"]\n\tpath = vendor/lib\n\turl = https://example.org/lib.git\n[submodule \"x\"]\n\tpath = x\n\turl = ../x\n";
        assert_eq!(
            parse_gitmodules(text, "vendor/lib").as_deref(),
            Some("https://example.org/lib.git")
        );
        assert_eq!(parse_gitmodules(text, "x").as_deref(), Some("../x"));
        assert_eq!(parse_gitmodules(text, "y"), None);
    }

    #[test]
    fn messages() {
        assert_eq!(
            split_message("Title\non two lines\n\nBody\n\nMore\n"),
            ("Title on two lines".into(), "Body\n\nMore".into())
        );
        assert_eq!(split_message("Only"), ("Only".into(), String::new()));
    }
}
