//! The one kind of command the SSH server runs: a git service on a
//! repository, as git's client sends it (`git-upload-pack 'owner/repo.git'`).
//! Everything else is refused with a sentence for the client's terminal.

use forge_git::service::Service;

/// A command the server may run, once access is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitCommand {
    pub service: Service,
    pub owner: String,
    /// The repository's name, without `.git`.
    pub name: String,
}

/// Why a command is refused, in words for the client's terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

const ONLY_GIT: &str = "This forge runs only git over SSH (git-upload-pack, git-receive-pack, \
git-upload-archive): there is no shell access.";

/// Reads an `exec` request: a service name and one repository path, the
/// path quoted or not, with or without a leading `/` and a `.git` suffix.
pub fn parse(command: &[u8]) -> Result<GitCommand, Refused> {
    let command = std::str::from_utf8(command).map_err(|_| Refused(ONLY_GIT.into()))?;
    let command = command.trim();
    let (program, rest) = command.split_once([' ', '\t']).unwrap_or((command, ""));
    // `git upload-pack` (with a space) is how some clients spell it.
    let (program, rest) = match (program, rest.trim_start().split_once(' ')) {
        ("git", Some((sub, rest))) => (format!("git-{sub}"), rest),
        _ => (program.to_string(), rest),
    };
    let Some(service) = Service::parse_command(&program) else {
        return Err(Refused(ONLY_GIT.into()));
    };
    let path = unquote(rest.trim()).ok_or_else(|| {
        Refused(format!(
            "{program} needs one repository path, such as 'owner/repository.git'."
        ))
    })?;
    let (owner, name) = repository_path(&path)?;
    Ok(GitCommand {
        service,
        owner,
        name,
    })
}

/// The single argument of a command: in single quotes (as git sends it,
/// with `'\''` for a quote inside), double quotes, or bare without spaces.
fn unquote(text: &str) -> Option<String> {
    if text.is_empty() {
        return None;
    }
    if let Some(inner) = text.strip_prefix('\'') {
        // Shell single quoting: '...' pieces joined by \' .
        let mut out = String::new();
        let mut rest = inner;
        loop {
            let end = rest.find('\'')?;
            out.push_str(&rest[..end]);
            rest = &rest[end + 1..];
            if rest.is_empty() {
                return Some(out);
            }
            rest = rest.strip_prefix("\\''")?;
            out.push('\'');
        }
    }
    if let Some(inner) = text.strip_prefix('"') {
        let inner = inner.strip_suffix('"')?;
        if inner.contains(['"', '\\', '$', '`']) {
            return None;
        }
        return Some(inner.to_string());
    }
    if text.contains(|c: char| c.is_whitespace() || "'\"\\$`;&|<>(){}*?!~".contains(c)) {
        return None;
    }
    Some(text.to_string())
}

/// `owner/name` from a path such as `/owner/name.git` or `owner/name`.
fn repository_path(path: &str) -> Result<(String, String), Refused> {
    let bad = || {
        Refused(format!(
            "{path:?} is not a repository path: use 'owner/repository.git'."
        ))
    };
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    let mut parts = trimmed.split('/');
    let (Some(owner), Some(name), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let name = name.strip_suffix(".git").unwrap_or(name);
    for part in [owner, name] {
        if part.is_empty()
            || part.starts_with('-')
            || part.starts_with('.')
            || part.contains("..")
            || part.chars().any(|c| c.is_control() || c == '\\')
        {
            return Err(bad());
        }
    }
    Ok((owner.to_string(), name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(command: &str) -> (Service, String, String) {
        let parsed = parse(command.as_bytes()).expect("accepted");
        (parsed.service, parsed.owner, parsed.name)
    }

    #[test]
    fn accepts_what_git_clients_send() {
        let expected = (
            Service::UploadPack,
            "alice".to_string(),
            "tools".to_string(),
        );
        for command in [
            "git-upload-pack 'alice/tools.git'",
            "git-upload-pack '/alice/tools.git'",
            "git-upload-pack 'alice/tools'",
            "git-upload-pack alice/tools.git",
            "git-upload-pack \"/alice/tools\"",
            "git upload-pack 'alice/tools.git'",
        ] {
            assert_eq!(ok(command), expected, "{command}");
        }
        assert_eq!(
            ok("git-receive-pack '/alice/tools.git'").0,
            Service::ReceivePack
        );
        assert_eq!(
            ok("git-upload-archive 'alice/tools.git'").0,
            Service::UploadArchive
        );
    }

    #[test]
    fn refuses_everything_else() {
        for command in [
            "",
            "bash",
            "ls -la",
            "git-shell -c ls",
            "scp -t /etc",
            "git-upload-pack",
            "git-upload-pack ''",
            "git-upload-pack 'alice'",
            "git-upload-pack '../alice/tools.git'",
            "git-upload-pack 'alice/../tools.git'",
            "git-upload-pack 'alice/..'",
            "git-upload-pack '-alice/tools.git'",
            "git-upload-pack 'alice/--upload-pack=evil'",
            "git-upload-pack 'alice/tools.git' extra",
            "git-upload-pack alice/tools.git;ls",
            "git-upload-pack 'a/b/c.git'",
            "git-upload-pack 'alice/tools.git",
        ] {
            assert!(parse(command.as_bytes()).is_err(), "{command:?}");
        }
        assert!(parse(&[0xff, 0xfe]).is_err());
    }
}
