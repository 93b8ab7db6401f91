//! Blobs: their size, their content for display or download, and where a
//! symbolic link points.

use super::{BrowseError, Result};
use git2::{ObjectType, Oid, Repository};

/// The size of a blob, read from its header without loading it.
pub fn blob_size(repo: &Repository, id: Oid) -> Result<u64> {
    let (size, kind) = repo.odb()?.read_header(id)?;
    if kind != ObjectType::Blob {
        return Err(BrowseError::NotFound);
    }
    Ok(size as u64)
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
