//! Tests of the whole code browser over one small repository.

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
    let Node::Leaf(main) = lookup(&repo, head, &[b"src".to_vec(), b"main.rs".to_vec()]).unwrap()
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
