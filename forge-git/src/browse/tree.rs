//! Trees: what a path names in a commit, and a folder's entries.

use super::blob::blob_size;
use super::{BrowseError, Result};
use git2::{ErrorCode, ObjectType, Oid, Repository, Tree};

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
pub(super) fn child<'t>(tree: &'t Tree<'_>, name: &[u8]) -> Option<git2::TreeEntry<'t>> {
    if name.contains(&0) {
        return None;
    }
    tree.get_name_bytes(name)
}

pub(super) fn subtree<'r>(repo: &'r Repository, tree: &Tree<'r>, name: &[u8]) -> Result<Tree<'r>> {
    let entry = child(tree, name).ok_or(BrowseError::NotFound)?;
    if entry.kind() != Some(ObjectType::Tree) {
        return Err(BrowseError::NotFound);
    }
    Ok(repo.find_tree(entry.id())?)
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
