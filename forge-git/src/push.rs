//! Push events: which refs a push moved, and which commits it brought.
//!
//! The ref updates a client asks for are read from the start of the
//! `receive-pack` request as it streams through (they come before the pack);
//! once git has finished, only the updates that actually took effect are
//! kept. Concurrent pushes to one repository therefore never claim each
//! other's updates.

use crate::GitError;
use git2::{Oid, Repository};
use std::collections::HashSet;

/// The most commits one push event lists; a push of a whole history (an
/// import) does not need each commit examined.
pub const MAX_NEW_COMMITS: usize = 10_000;

/// Commands larger than this are not parsed (pushes of thousands of refs
/// still work; their event lists only the first ones).
const MAX_COMMAND_BYTES: usize = 1 << 20;

const ZERO: &str = "0000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefCommand {
    pub old: String,
    pub new: String,
    pub name: String,
}

/// Reads the ref-update commands from the first bytes of a `receive-pack`
/// request, fed incrementally.
#[derive(Debug, Default)]
pub struct CommandParser {
    buffer: Vec<u8>,
    done: bool,
    commands: Vec<RefCommand>,
}

impl CommandParser {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_done(&self) -> bool {
        self.done
    }

    pub fn feed(&mut self, bytes: &[u8]) {
        if self.done {
            return;
        }
        self.buffer.extend_from_slice(bytes);
        loop {
            if self.buffer.len() < 4 {
                break;
            }
            let Some(len) = std::str::from_utf8(&self.buffer[..4])
                .ok()
                .and_then(|hex| usize::from_str_radix(hex, 16).ok())
            else {
                self.done = true;
                break;
            };
            if len == 0 {
                // The flush packet ends the commands; the pack follows.
                self.done = true;
                break;
            }
            if len < 4 {
                self.done = true;
                break;
            }
            if self.buffer.len() < len {
                break;
            }
            let line: Vec<u8> = self.buffer.drain(..len).skip(4).collect();
            self.parse_line(&line);
        }
        if self.buffer.len() > MAX_COMMAND_BYTES {
            self.done = true;
        }
        if self.done {
            self.buffer = Vec::new();
        }
    }

    fn parse_line(&mut self, line: &[u8]) {
        // The first command carries the capabilities after a NUL.
        let line = line.split(|b| *b == 0).next().unwrap_or_default();
        let Ok(text) = std::str::from_utf8(line) else {
            return;
        };
        let mut parts = text.trim_end_matches('\n').splitn(3, ' ');
        let (Some(old), Some(new), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
            return;
        };
        let is_oid = |s: &str| s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit());
        if is_oid(old) && is_oid(new) && name.starts_with("refs/") {
            self.commands.push(RefCommand {
                old: old.to_string(),
                new: new.to_string(),
                name: name.to_string(),
            });
        }
    }

    pub fn commands(self) -> Vec<RefCommand> {
        self.commands
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    pub name: String,
    /// `None` when the ref was created.
    pub old: Option<String>,
    /// `None` when the ref was deleted.
    pub new: Option<String>,
}

impl RefUpdate {
    /// The branch name, for updates of `refs/heads/*`.
    pub fn branch(&self) -> Option<&str> {
        self.name.strip_prefix("refs/heads/")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    pub id: String,
    pub message: String,
    pub author_name: String,
    pub author_email: String,
    /// Unix seconds.
    pub time: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushEvent {
    pub updates: Vec<RefUpdate>,
    /// Commits no ref reached before the push, newest first.
    pub new_commits: Vec<CommitInfo>,
}

fn optional(oid: &str) -> Option<String> {
    (oid != ZERO).then(|| oid.to_string())
}

/// How sure we are of what git did with a push's commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// git has just finished: an update took effect when its ref holds the
    /// requested value.
    JustFinished,
    /// The push was interrupted (the process recording it died) and found
    /// later: other pushes may have moved the ref since, so an update
    /// counts too when the ref has moved on from the requested commit.
    FoundLater,
}

/// The push event of `commands` once git has run them: only the updates
/// that took effect count (see [`Evidence`]).
pub fn applied(
    repo: &Repository,
    commands: &[RefCommand],
    evidence: Evidence,
) -> Result<PushEvent, GitError> {
    let mut updates = Vec::new();
    for command in commands {
        let current = match repo.find_reference(&command.name) {
            Ok(reference) => reference.target(),
            Err(e) if e.code() == git2::ErrorCode::NotFound => None,
            Err(e) => return Err(e.into()),
        };
        let requested = optional(&command.new);
        let took_effect = current.map(|oid| oid.to_string()) == requested
            || (evidence == Evidence::FoundLater
                && held_since(repo, &command.name, current, requested.as_deref()));
        if took_effect {
            updates.push(RefUpdate {
                name: command.name.clone(),
                old: optional(&command.old),
                new: requested,
            });
        }
    }

    let updated: HashSet<&str> = updates.iter().map(|u| u.name.as_str()).collect();
    let mut walk = repo.revwalk()?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)?;
    let mut any_new = false;
    for update in &updates {
        if let Some(new) = &update.new
            && let Ok(oid) = Oid::from_str(new)
            && repo.find_commit(oid).is_ok()
        {
            walk.push(oid)?;
            any_new = true;
        }
        if let Some(old) = &update.old
            && let Ok(oid) = Oid::from_str(old)
            && repo.find_commit(oid).is_ok()
        {
            walk.hide(oid)?;
        }
    }
    let mut new_commits = Vec::new();
    if any_new {
        for reference in repo.references()? {
            let reference = reference?;
            let skip = reference.name().is_ok_and(|name| updated.contains(name));
            if let (false, Ok(commit)) = (skip, reference.peel_to_commit()) {
                walk.hide(commit.id())?;
            }
        }
        for oid in walk.take(MAX_NEW_COMMITS) {
            let commit = repo.find_commit(oid?)?;
            let author = commit.author();
            new_commits.push(CommitInfo {
                id: commit.id().to_string(),
                message: String::from_utf8_lossy(commit.message_bytes()).into_owned(),
                author_name: String::from_utf8_lossy(author.name_bytes()).into_owned(),
                author_email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
                time: commit.time().seconds(),
            });
        }
    }
    Ok(PushEvent {
        updates,
        new_commits,
    })
}

/// Whether the ref `name`, now at `current`, held the `requested` commit
/// since the push: its reflog says so (repositories keep one for every
/// ref), or it now descends from that commit (a later push moved it
/// further).
fn held_since(
    repo: &Repository,
    name: &str,
    current: Option<Oid>,
    requested: Option<&str>,
) -> bool {
    let Some(requested) = requested.and_then(|r| Oid::from_str(r).ok()) else {
        return false;
    };
    let in_reflog = repo
        .reflog(name)
        .is_ok_and(|log| log.iter().any(|entry| entry.id_new() == requested));
    in_reflog
        || current.is_some_and(|current| {
            repo.graph_descendant_of(current, requested)
                .unwrap_or(false)
        })
}

/// The commits a branch gained by moving from `old` to `new`, oldest first:
/// everything reachable from `new` but not from `old`, whether or not other
/// refs already had it (a branch merged into the default branch brings its
/// commits to the default branch only now).
pub fn branch_commits(
    repo: &Repository,
    old: Option<&str>,
    new: &str,
) -> Result<Vec<CommitInfo>, GitError> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME | git2::Sort::REVERSE)?;
    walk.push(Oid::from_str(new)?)?;
    if let Some(old) = old
        && let Ok(oid) = Oid::from_str(old)
        && repo.find_commit(oid).is_ok()
    {
        walk.hide(oid)?;
    }
    let mut commits = Vec::new();
    for oid in walk.take(MAX_NEW_COMMITS) {
        let commit = repo.find_commit(oid?)?;
        let author = commit.author();
        commits.push(CommitInfo {
            id: commit.id().to_string(),
            message: String::from_utf8_lossy(commit.message_bytes()).into_owned(),
            author_name: String::from_utf8_lossy(author.name_bytes()).into_owned(),
            author_email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
            time: commit.time().seconds(),
        });
    }
    Ok(commits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::pkt_line;

    #[test]
    fn parses_commands_fed_in_pieces_and_stops_at_the_flush() {
        let a = "1".repeat(40);
        let b = "2".repeat(40);
        let mut request = pkt_line(&format!(
            "{ZERO} {a} refs/heads/main\0report-status side-band-64k\n"
        ));
        request.extend(pkt_line(&format!("{a} {b} refs/tags/v1\n")));
        request.extend_from_slice(b"0000PACK\x00\x00\x00\x02garbage");
        let mut parser = CommandParser::new();
        for chunk in request.chunks(7) {
            parser.feed(chunk);
        }
        assert!(parser.is_done());
        let commands = parser.commands();
        assert_eq!(
            commands,
            vec![
                RefCommand {
                    old: ZERO.into(),
                    new: a.clone(),
                    name: "refs/heads/main".into()
                },
                RefCommand {
                    old: a,
                    new: b,
                    name: "refs/tags/v1".into()
                },
            ]
        );
    }

    #[test]
    fn garbage_ends_parsing_without_panicking() {
        let mut parser = CommandParser::new();
        parser.feed(b"zzzz\xff\xfe");
        assert!(parser.is_done());
        assert!(parser.commands().is_empty());
        let mut parser = CommandParser::new();
        parser.feed(b"0003");
        assert!(parser.is_done());
    }
}
