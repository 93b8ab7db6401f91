//! Submodules: the URL `.gitmodules` gives a submodule's path.

use super::Result;
use super::blob::blob_size;
use git2::{ObjectType, Oid, Repository};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
