//! Views derived from immutable git objects, kept in memory between
//! requests: a blob's highlighted lines (keyed by the blob's id and the
//! file's name, which picks the grammar), a commit's diff (keyed by the
//! repository and the commit's id), a page of history (keyed by the
//! repository, the commit it starts from and the path it follows).
//!
//! An object's id names its content for ever, so an entry can never be
//! stale: there is nothing to invalidate, only memory to bound. Each cache
//! holds at most a byte budget of views and drops the least recently used
//! first. A view larger than a quarter of the budget is not kept.
//!
//! Access is checked before a cache is consulted, and keys are only built
//! from ids found in the repository being shown (or, for commits, include
//! the repository), so a cache never shows one repository's objects through
//! another's pages.

use forge_git::browse::{CommitDetail, DiffBody, LogPage, LogStart, Oid};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

/// Byte budget of each cache. Together they add at most three times this
/// to the server's memory, after enough distinct pages have been seen.
pub const BUDGET_BYTES: usize = 8 * 1024 * 1024;

/// The caches of derived views, shared by every request.
pub struct ViewCaches {
    /// Highlighted lines of a blob shown under a file name.
    pub highlighted: BoundedCache<(Oid, String), Vec<String>>,
    /// A commit's detail and diff, by repository id and commit id.
    pub commits: BoundedCache<(i64, Oid), CommitDetail>,
    /// A page of history, by repository id, where it starts (a commit id)
    /// and the path it follows.
    pub logs: BoundedCache<(i64, LogStart, Vec<Vec<u8>>), LogPage>,
}

impl ViewCaches {
    pub fn new(budget_bytes: usize) -> ViewCaches {
        ViewCaches {
            highlighted: BoundedCache::new(budget_bytes),
            commits: BoundedCache::new(budget_bytes),
            logs: BoundedCache::new(budget_bytes),
        }
    }
}

/// A map with a byte budget that forgets its least recently used entries.
pub struct BoundedCache<K, V> {
    budget: usize,
    inner: Mutex<Inner<K, V>>,
}

struct Inner<K, V> {
    entries: HashMap<K, Entry<V>>,
    bytes: usize,
    clock: u64,
}

struct Entry<V> {
    value: Arc<V>,
    bytes: usize,
    used: u64,
}

impl<K: Hash + Eq + Clone, V> BoundedCache<K, V> {
    pub fn new(budget: usize) -> BoundedCache<K, V> {
        BoundedCache {
            budget,
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                bytes: 0,
                clock: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<K, V>> {
        // The map stays consistent at every step a panic could interrupt,
        // so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn get(&self, key: &K) -> Option<Arc<V>> {
        let mut inner = self.lock();
        inner.clock += 1;
        let now = inner.clock;
        let entry = inner.entries.get_mut(key)?;
        entry.used = now;
        Some(entry.value.clone())
    }

    /// Keeps `value`, which takes about `bytes` of memory, unless it is too
    /// large for the budget; evicts the least recently used entries to fit.
    pub fn insert(&self, key: K, value: Arc<V>, bytes: usize) {
        if bytes > self.budget / 4 {
            return;
        }
        let mut inner = self.lock();
        inner.clock += 1;
        let used = inner.clock;
        if let Some(old) = inner.entries.insert(key, Entry { value, bytes, used }) {
            inner.bytes -= old.bytes;
        }
        inner.bytes += bytes;
        while inner.bytes > self.budget {
            // Eviction scans every entry; the budget keeps them to a few
            // hundred views, and eviction happens only when one is added.
            let Some(oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(gone) = inner.entries.remove(&oldest) {
                inner.bytes -= gone.bytes;
            }
        }
    }

    /// The cached value of `key`, or the one `compute` makes, kept with the
    /// weight `bytes` gives it. Errors are not kept.
    pub fn get_or_try_insert<E>(
        &self,
        key: K,
        compute: impl FnOnce() -> Result<V, E>,
        bytes: impl FnOnce(&V) -> usize,
    ) -> Result<Arc<V>, E> {
        if let Some(found) = self.get(&key) {
            return Ok(found);
        }
        let value = Arc::new(compute()?);
        self.insert(key, value.clone(), bytes(&value));
        Ok(value)
    }

    /// Bytes held now (for tests and statistics).
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }
}

/// The memory a list of strings takes, roughly.
pub fn lines_bytes(lines: &[String]) -> usize {
    lines
        .iter()
        .map(|l| l.capacity() + std::mem::size_of::<String>())
        .sum()
}

/// The memory a page of history takes, roughly.
pub fn log_bytes(page: &LogPage) -> usize {
    let commit = std::mem::size_of::<forge_git::browse::CommitSummary>();
    std::mem::size_of::<LogPage>()
        + page
            .commits
            .iter()
            .map(|c| commit + c.summary.len() + c.author.len())
            .sum::<usize>()
}

/// The memory a commit's detail takes, roughly.
pub fn commit_bytes(detail: &CommitDetail) -> usize {
    let line = std::mem::size_of::<forge_git::browse::DiffLine>();
    let files: usize = detail
        .diff
        .files
        .iter()
        .map(|f| {
            let lines = match &f.body {
                DiffBody::Hunks(hunks) => hunks
                    .iter()
                    .map(|h| {
                        h.header.len() + h.lines.iter().map(|l| line + l.text.len()).sum::<usize>()
                    })
                    .sum(),
                _ => 0,
            };
            f.old_path.len() + f.new_path.len() + std::mem::size_of_val(f) + lines
        })
        .sum();
    std::mem::size_of::<CommitDetail>() + detail.summary.len() + detail.body.len() + files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_recently_used_entries_within_the_budget() {
        let cache: BoundedCache<u32, String> = BoundedCache::new(400);
        for key in 0..4 {
            cache.insert(key, Arc::new(format!("value {key}")), 100);
        }
        assert_eq!(cache.bytes(), 400);
        // Using 0 makes 1 the least recently used: adding 4 evicts it.
        assert!(cache.get(&0).is_some());
        cache.insert(4, Arc::new("value 4".into()), 100);
        assert_eq!(cache.bytes(), 400);
        assert!(cache.get(&1).is_none());
        for kept in [0, 2, 3, 4] {
            assert_eq!(cache.get(&kept).as_deref(), Some(&format!("value {kept}")));
        }
    }

    #[test]
    fn computes_once_and_keeps_no_error() {
        let cache: BoundedCache<u32, String> = BoundedCache::new(400);
        let failed: Result<_, &str> = cache.get_or_try_insert(1, || Err("no"), |_| 10);
        assert_eq!(failed, Err("no"));
        assert!(cache.get(&1).is_none());
        let made = cache.get_or_try_insert(1, || Ok::<_, &str>("a".to_string()), |_| 10);
        assert_eq!(made.unwrap().as_str(), "a");
        let again = cache.get_or_try_insert(1, || Err("not called"), |_| 10);
        assert_eq!(again.unwrap().as_str(), "a");
        assert_eq!(cache.bytes(), 10);
    }

    #[test]
    fn refuses_values_too_large_and_replaces_in_place() {
        let cache: BoundedCache<u32, String> = BoundedCache::new(400);
        cache.insert(1, Arc::new("huge".into()), 101);
        assert!(cache.get(&1).is_none());
        assert_eq!(cache.bytes(), 0);
        cache.insert(1, Arc::new("a".into()), 60);
        cache.insert(1, Arc::new("b".into()), 40);
        assert_eq!(cache.bytes(), 40);
        assert_eq!(cache.get(&1).as_deref().map(String::as_str), Some("b"));
    }
}
