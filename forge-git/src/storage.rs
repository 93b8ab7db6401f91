//! Where repositories live on disk: `ROOT/NN/ID.git`, by id so that renames
//! never move folders, spread over 100 sub-folders so that no folder holds
//! too many entries.

use crate::GitError;
use std::path::{Path, PathBuf};

/// Process-wide libgit2 settings, applied once before any repository opens.
fn configure_libgit2() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // libgit2 hashes every object it reads again to check its id, which
        // git itself does not do on reads: on a history page that re-hashing
        // took a fifth of the time. Objects enter a repository only through
        // git receive-pack, whose index-pack derives every id from the
        // object's content as it stores it.
        git2::opts::strict_hash_verification(false);
    });
}

#[derive(Debug, Clone)]
pub struct Storage {
    root: PathBuf,
}

impl Storage {
    pub fn new(root: impl Into<PathBuf>) -> Storage {
        configure_libgit2();
        Storage { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn path_of(&self, id: i64) -> PathBuf {
        self.root
            .join(format!("{:02}", id.rem_euclid(100)))
            .join(format!("{id}.git"))
    }

    /// Creates an empty bare repository whose HEAD names `default_branch`.
    pub fn create(&self, id: i64, default_branch: &str) -> Result<(), GitError> {
        let path = self.path_of(id);
        if path.exists() {
            // A folder left by a repository whose creation was rolled back.
            std::fs::remove_dir_all(&path).map_err(|source| GitError::Io {
                context: format!("removing the stale folder {}", path.display()),
                source,
            })?;
        }
        let mut options = git2::RepositoryInitOptions::new();
        options
            .bare(true)
            .mkpath(true)
            .initial_head(&format!("refs/heads/{default_branch}"));
        let repo = git2::Repository::init_opts(&path, &options)?;
        let mut config = repo.config()?;
        // Serve partial clones (`--filter=blob:none`) and the objects they
        // fetch lazily afterwards.
        config.set_bool("uploadpack.allowFilter", true)?;
        config.set_bool("uploadpack.allowAnySHA1InWant", true)?;
        // Keep every pushed object reachable through the reflog for a while,
        // so an unlucky force push can be undone by an admin.
        config.set_bool("core.logAllRefUpdates", true)?;
        for (name, value) in crate::process::DURABILITY {
            config.set_str(name, value)?;
        }
        drop(config);
        drop(repo);
        // libgit2 wrote HEAD, the configuration and the folders without
        // syncing them (git2 offers no safe switch for libgit2's fsync):
        // sync them now, so a repository whose creation was acknowledged
        // survives a power loss.
        sync_all(&[
            path.join("HEAD"),
            path.join("config"),
            path.join("refs").join("heads"),
            path.join("refs"),
            path.join("objects"),
            path.clone(),
            path.parent().map(Path::to_path_buf).unwrap_or_default(),
        ])
    }

    /// Removes a repository's folder; a missing folder is not an error.
    pub fn delete(&self, id: i64) -> Result<(), GitError> {
        let path = self.path_of(id);
        match std::fs::remove_dir_all(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(GitError::Io {
                context: format!("removing {}", path.display()),
                source,
            }),
        }
    }

    /// Proves the storage accepts writes: creates a small file under the
    /// root, syncs it and removes it. Fails on a full disk, a read-only file
    /// system, or a root that is not a folder.
    pub fn probe_write(&self) -> Result<(), GitError> {
        use std::io::Write;
        static PROBES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = PROBES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = self
            .root
            .join(format!(".write-probe-{}-{n}", std::process::id()));
        let io = |context: &str, source| GitError::Io {
            context: format!("{context} {}", path.display()),
            source,
        };
        // The root is made on first use, as the server does at start.
        std::fs::create_dir_all(&self.root).map_err(|e| io("creating the folder of", e))?;
        let mut file = std::fs::File::create(&path).map_err(|e| io("creating", e))?;
        let written = file
            .write_all(b"probe\n")
            .and_then(|()| file.sync_all())
            .map_err(|e| io("writing", e));
        drop(file);
        let removed = std::fs::remove_file(&path).map_err(|e| io("removing", e));
        written.and(removed)
    }

    /// Whether the root is a folder the forge can list.
    pub fn is_readable(&self) -> bool {
        std::fs::read_dir(&self.root).is_ok()
    }

    /// Removes the quarantine folders of pushes that never finished
    /// (`objects/tmp_objdir-incoming-*` and `objects/incoming-*`, where git
    /// receive-pack keeps a push's objects until it accepts them) when
    /// nothing in them changed for `grace`: a push still streaming writes
    /// into its folder, an interrupted one never does again. Returns how
    /// many folders were removed.
    pub fn remove_abandoned_quarantines(
        &self,
        grace: std::time::Duration,
    ) -> Result<usize, GitError> {
        let cutoff = std::time::SystemTime::now()
            .checked_sub(grace)
            .unwrap_or(std::time::UNIX_EPOCH);
        let mut removed = 0;
        for repo in self.repository_paths()? {
            let objects = repo.join("objects");
            let Ok(entries) = std::fs::read_dir(&objects) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if !(name.starts_with("tmp_objdir-incoming-") || name.starts_with("incoming-")) {
                    continue;
                }
                let path = entry.path();
                if !path.is_dir() || newest_change(&path) > cutoff {
                    continue;
                }
                match std::fs::remove_dir_all(&path) {
                    Ok(()) => removed += 1,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(source) => {
                        return Err(GitError::Io {
                            context: format!("removing {}", path.display()),
                            source,
                        });
                    }
                }
            }
        }
        Ok(removed)
    }

    /// The folder of every repository in the storage (`ROOT/NN/ID.git`),
    /// in no particular order.
    pub fn repository_paths(&self) -> Result<Vec<PathBuf>, GitError> {
        let mut paths = Vec::new();
        let shards = match std::fs::read_dir(&self.root) {
            Ok(shards) => shards,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(paths),
            Err(source) => {
                return Err(GitError::Io {
                    context: format!("listing {}", self.root.display()),
                    source,
                });
            }
        };
        for shard in shards.flatten() {
            let Ok(repos) = std::fs::read_dir(shard.path()) else {
                continue;
            };
            for repo in repos.flatten() {
                let path = repo.path();
                if path.extension().is_some_and(|e| e == "git") && path.is_dir() {
                    paths.push(path);
                }
            }
        }
        Ok(paths)
    }

    pub fn open(&self, id: i64) -> Result<git2::Repository, GitError> {
        Ok(git2::Repository::open_bare(self.path_of(id))?)
    }
}

/// Whether the repository has no branch or tag yet.
pub fn is_empty(repo: &git2::Repository) -> Result<bool, GitError> {
    Ok(repo.references()?.next().is_none())
}

/// Whether the local branch `name` exists.
pub fn has_branch(repo: &git2::Repository, name: &str) -> bool {
    repo.find_branch(name, git2::BranchType::Local).is_ok()
}

/// Points HEAD at `branch` (used when the default branch changes).
pub fn set_head(repo: &git2::Repository, branch: &str) -> Result<(), GitError> {
    repo.set_head(&format!("refs/heads/{branch}"))?;
    sync_all(&[repo.path().join("HEAD"), repo.path().to_path_buf()])
}

/// The latest modification time of a folder and everything under it.
fn newest_change(path: &Path) -> std::time::SystemTime {
    let mut newest = std::fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or(std::time::UNIX_EPOCH);
    if let Ok(entries) = std::fs::read_dir(path) {
        for entry in entries.flatten() {
            let changed = match entry.file_type() {
                Ok(kind) if kind.is_dir() => newest_change(&entry.path()),
                _ => entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH),
            };
            newest = newest.max(changed);
        }
    }
    newest
}

/// Flushes files and folders to the disk (a folder's entry list is what
/// makes a renamed file findable after a power loss). Paths that do not
/// exist are skipped.
fn sync_all(paths: &[PathBuf]) -> Result<(), GitError> {
    for path in paths.iter().filter(|p| !p.as_os_str().is_empty()) {
        let file = match std::fs::File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => {
                return Err(GitError::Io {
                    context: format!("opening {} to sync it", path.display()),
                    source,
                });
            }
        };
        file.sync_all().map_err(|source| GitError::Io {
            context: format!("syncing {}", path.display()),
            source,
        })?;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A fresh folder under the system's temporary folder.
    pub(crate) fn temp_root() -> PathBuf {
        std::env::temp_dir().join(format!(
            "forge-git-test-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ))
    }

    #[test]
    fn creates_bare_repositories_by_id_with_their_default_branch() {
        let storage = Storage::new(temp_root());
        storage.create(1234, "trunk").unwrap();
        let path = storage.path_of(1234);
        assert!(path.ends_with("34/1234.git"));
        let repo = storage.open(1234).unwrap();
        assert!(repo.is_bare());
        assert!(is_empty(&repo).unwrap());
        let head = repo.find_reference("HEAD").unwrap();
        assert_eq!(head.symbolic_target().unwrap(), Some("refs/heads/trunk"));
        assert!(
            repo.config()
                .unwrap()
                .get_bool("uploadpack.allowFilter")
                .unwrap()
        );
        storage.delete(1234).unwrap();
        assert!(!path.exists());
        storage.delete(1234).unwrap();
    }

    /// Sets the modification time of a file or folder `age` in the past.
    fn age(path: &Path, age: std::time::Duration) {
        let when = std::time::SystemTime::now() - age;
        std::fs::File::open(path)
            .unwrap()
            .set_times(std::fs::FileTimes::new().set_modified(when))
            .unwrap();
    }

    #[test]
    fn abandoned_push_quarantines_are_removed_after_their_grace() {
        let storage = Storage::new(temp_root());
        storage.create(5, "main").unwrap();
        let objects = storage.path_of(5).join("objects");
        let hour = std::time::Duration::from_secs(3600);
        // An interrupted push, two hours old, with a pack in it.
        let old = objects.join("tmp_objdir-incoming-aB3dEf");
        std::fs::create_dir_all(old.join("pack")).unwrap();
        std::fs::write(old.join("pack").join("tmp_pack_x"), b"half a pack").unwrap();
        age(&old.join("pack").join("tmp_pack_x"), 2 * hour);
        age(&old.join("pack"), 2 * hour);
        age(&old, 2 * hour);
        let old_plain = objects.join("incoming-Zz9");
        std::fs::create_dir_all(&old_plain).unwrap();
        age(&old_plain, 2 * hour);
        // A push still streaming: its folder is old, the pack it writes is
        // fresh.
        let streaming = objects.join("tmp_objdir-incoming-Q1w2e3");
        std::fs::create_dir_all(&streaming).unwrap();
        std::fs::write(streaming.join("tmp_pack_y"), b"arriving").unwrap();
        age(&streaming, 2 * hour);
        // Ordinary object folders are never touched, however old.
        let objects_folder = objects.join("ab");
        std::fs::create_dir_all(&objects_folder).unwrap();
        age(&objects_folder, 2 * hour);

        assert_eq!(storage.remove_abandoned_quarantines(hour).unwrap(), 2);
        assert!(!old.exists());
        assert!(!old_plain.exists());
        assert!(streaming.exists());
        assert!(objects_folder.exists());
        assert!(objects.join("pack").exists());
        // Nothing left to remove on the next round.
        assert_eq!(storage.remove_abandoned_quarantines(hour).unwrap(), 0);
        assert_eq!(
            storage.repository_paths().unwrap(),
            vec![storage.path_of(5)]
        );
        std::fs::remove_dir_all(storage.root()).unwrap();
    }
}
