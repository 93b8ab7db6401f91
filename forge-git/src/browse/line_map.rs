//! Where a line of a file, commented on at one commit, shows at another:
//! review comments stay on the line they were written on after pushes
//! (even force-pushes), and are outdated when that line is gone.

use super::Result;
use git2::{ObjectType, Oid, Repository};
use std::path::Path;

/// The blob of `path` at `commit`, if the commit exists and the path is a
/// file there.
fn blob_at(repo: &Repository, commit: Oid, path: &str) -> Option<Oid> {
    let tree = repo.find_commit(commit).ok()?.tree().ok()?;
    let entry = tree.get_path(Path::new(path)).ok()?;
    (entry.kind() == Some(ObjectType::Blob)).then(|| entry.id())
}

/// The lines of `path` at `commit` (without their ends of line), or `None`
/// when the commit or the file is missing.
fn lines_at(repo: &Repository, commit: Oid, path: &str) -> Result<Option<Vec<String>>> {
    let Some(blob) = blob_at(repo, commit, path) else {
        return Ok(None);
    };
    let blob = repo.find_blob(blob)?;
    let text = String::from_utf8_lossy(blob.content());
    Ok(Some(text.lines().map(str::to_string).collect()))
}

/// The text of line `line` (from 1) of `path` at `commit`, if there is one.
pub fn line_text(repo: &Repository, commit: Oid, path: &str, line: u32) -> Result<Option<String>> {
    let Some(index) = (line as usize).checked_sub(1) else {
        return Ok(None);
    };
    Ok(lines_at(repo, commit, path)?.and_then(|lines| lines.get(index).cloned()))
}

/// Where line `line` of `path`, whose text was `text` at commit `written`,
/// shows at commit `current`: the same line when the file did not change
/// between the two commits, otherwise the line with the same text nearest
/// to `line`; `None` (outdated) when no line has that text any more.
pub fn locate_line(
    repo: &Repository,
    written: &str,
    current: Oid,
    path: &str,
    line: u32,
    text: &str,
) -> Result<Option<u32>> {
    let now = blob_at(repo, current, path);
    let then = Oid::from_str(written)
        .ok()
        .and_then(|commit| blob_at(repo, commit, path));
    if now.is_some() && now == then {
        return Ok(Some(line));
    }
    Ok(lines_at(repo, current, path)?.and_then(|lines| nearest_line(&lines, line, text)))
}

/// The number (from 1) of the line of `lines` equal to `text` nearest to
/// line `line`; the earlier one on a tie.
pub fn nearest_line<S: AsRef<str>>(lines: &[S], line: u32, text: &str) -> Option<u32> {
    let target = i64::from(line);
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.as_ref() == text)
        .map(|(i, _)| i as i64 + 1)
        .min_by_key(|n| ((n - target).abs(), *n))
        .and_then(|n| u32::try_from(n).ok())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use git2::Signature;

    #[test]
    fn the_nearest_equal_line_wins() {
        let lines = ["a", "x", "b", "c", "x", "d"];
        assert_eq!(nearest_line(&lines, 2, "x"), Some(2));
        assert_eq!(nearest_line(&lines, 4, "x"), Some(5));
        assert_eq!(nearest_line(&lines, 1, "x"), Some(2));
        // Equally far: the earlier line.
        assert_eq!(nearest_line(&["x", "y", "x"], 2, "x"), Some(1));
        assert_eq!(nearest_line(&lines, 3, "gone"), None);
        assert_eq!(nearest_line::<&str>(&[], 1, ""), None);
    }

    fn commit(repo: &Repository, parent: Option<Oid>, files: &[(&str, &str)]) -> Oid {
        let mut builder = repo.treebuilder(None).unwrap();
        for (name, content) in files {
            let blob = repo.blob(content.as_bytes()).unwrap();
            builder.insert(name, blob, 0o100644).unwrap();
        }
        let tree = repo.find_tree(builder.write().unwrap()).unwrap();
        let who = Signature::now("T", "t@example.org").unwrap();
        let parents: Vec<_> = parent
            .map(|p| repo.find_commit(p).unwrap())
            .into_iter()
            .collect();
        let parents: Vec<_> = parents.iter().collect();
        repo.commit(None, &who, &who, "c", &tree, &parents).unwrap()
    }

    #[test]
    fn lines_follow_their_text_across_commits() {
        let dir = std::env::temp_dir().join(format!("forge-line-map-{}", std::process::id()));
        let repo = Repository::init_bare(&dir).unwrap();
        let first = commit(&repo, None, &[("f.txt", "one\ntwo\nthree\n")]);
        assert_eq!(
            line_text(&repo, first, "f.txt", 2).unwrap().as_deref(),
            Some("two")
        );
        assert_eq!(line_text(&repo, first, "f.txt", 9).unwrap(), None);
        assert_eq!(line_text(&repo, first, "f.txt", 0).unwrap(), None);
        assert_eq!(line_text(&repo, first, "nope", 1).unwrap(), None);
        let first_id = first.to_string();

        // Another file changed: the line stays where it was.
        let other = commit(
            &repo,
            Some(first),
            &[("f.txt", "one\ntwo\nthree\n"), ("g.txt", "two\n")],
        );
        assert_eq!(
            locate_line(&repo, &first_id, other, "f.txt", 2, "two").unwrap(),
            Some(2)
        );
        // Lines inserted above: the line moves down.
        let shifted = commit(&repo, None, &[("f.txt", "zero\nhalf\none\ntwo\nthree\n")]);
        assert_eq!(
            locate_line(&repo, &first_id, shifted, "f.txt", 2, "two").unwrap(),
            Some(4)
        );
        // The line is gone, or the file is: outdated.
        let gone = commit(&repo, None, &[("f.txt", "one\n2\nthree\n")]);
        assert_eq!(
            locate_line(&repo, &first_id, gone, "f.txt", 2, "two").unwrap(),
            None
        );
        let removed = commit(&repo, None, &[("g.txt", "two\n")]);
        assert_eq!(
            locate_line(&repo, &first_id, removed, "f.txt", 2, "two").unwrap(),
            None
        );
        // The commented commit is unknown (garbage-collected): by text.
        assert_eq!(
            locate_line(&repo, &"0".repeat(40), shifted, "f.txt", 2, "two").unwrap(),
            Some(4)
        );
        drop(repo);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
