//! Finding a folder's README.

use super::tree::{Entry, EntryKind};

/// README names, in order of preference (compared case-insensitively).
const README_NAMES: [&str; 6] = [
    "readme.md",
    "readme.markdown",
    "readme",
    "readme.txt",
    "readme.rst",
    "readme.adoc",
];

/// The README of a folder's entries (from [`lookup`](super::lookup)): its
/// name and blob id.
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
