//! The `pre-receive` hook through which `git receive-pack` enforces branch
//! protection. The forge writes it once into a folder of its own (never
//! into a repository) and points git at it with `core.hooksPath` for the
//! pushes to a protected repository, passing what it decided about this
//! pusher in the environment ([`Rule::env`]). The hook checks each
//! `old new ref` line itself: deleting a protected branch, pushing to one
//! the pusher may not push to, and rewriting its history (a new commit
//! that does not descend from the old one: `git merge-base --is-ancestor`,
//! which sees the pushed objects in git's quarantine) are refused before
//! any ref moves, with a message that names the rule. POSIX `sh`, no
//! network.

use std::path::{Path, PathBuf};

/// The hook's text.
pub const PRE_RECEIVE: &str = r#"#!/bin/sh
# Written by the forge: refuses the ref updates that branch protection
# forbids. FORGE_PROTECT_COUNT rules, the most specific first; rule I is
# FORGE_PROTECT_<I>_PATTERN (a shell pattern of branch names),
# FORGE_PROTECT_<I>_PUSH (1: this pusher may push) and
# FORGE_PROTECT_<I>_FORCE (1: history may be rewritten).
count=${FORGE_PROTECT_COUNT:-0}
status=0
while read -r old new ref; do
    case "$ref" in
        refs/heads/*) branch=${ref#refs/heads/} ;;
        *) continue ;;
    esac
    i=0
    found=
    while [ "$i" -lt "$count" ]; do
        eval "pattern=\${FORGE_PROTECT_${i}_PATTERN}"
        case "$branch" in
            $pattern) found=1; break ;;
        esac
        i=$((i + 1))
    done
    [ -n "$found" ] || continue
    eval "push=\${FORGE_PROTECT_${i}_PUSH} force=\${FORGE_PROTECT_${i}_FORCE}"
    case "$new" in
        *[!0]*) deleted= ;;
        *) deleted=1 ;;
    esac
    case "$old" in
        *[!0]*) created= ;;
        *) created=1 ;;
    esac
    if [ -n "$deleted" ]; then
        echo "error: the branch \"$branch\" is protected (rule \"$pattern\"): it may not be deleted" >&2
        status=1
    elif [ "$push" != 1 ]; then
        echo "error: the branch \"$branch\" is protected (rule \"$pattern\"): you may not push to it" >&2
        status=1
    elif [ -z "$created" ] && [ "$force" != 1 ] && ! git merge-base --is-ancestor "$old" "$new" 2>/dev/null; then
        echo "error: the branch \"$branch\" is protected (rule \"$pattern\"): force pushes are not allowed" >&2
        status=1
    fi
done
exit $status
"#;

/// What the hook needs to know of one rule, for one pusher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The branch name pattern (`*` and `?` as in a shell's `case`).
    pub pattern: String,
    /// This pusher may push to the branches it protects.
    pub push: bool,
    /// History of those branches may be rewritten.
    pub force: bool,
}

/// The hooks folder and the environment of one push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hooks {
    pub dir: PathBuf,
    pub env: Vec<(String, String)>,
}

impl Rule {
    /// The environment that tells the hook `rules`, the most specific
    /// first.
    pub fn env(rules: &[Rule]) -> Vec<(String, String)> {
        let mut env = vec![("FORGE_PROTECT_COUNT".to_string(), rules.len().to_string())];
        for (i, rule) in rules.iter().enumerate() {
            let flag = |on: bool| if on { "1" } else { "0" }.to_string();
            env.push((format!("FORGE_PROTECT_{i}_PATTERN"), rule.pattern.clone()));
            env.push((format!("FORGE_PROTECT_{i}_PUSH"), flag(rule.push)));
            env.push((format!("FORGE_PROTECT_{i}_FORCE"), flag(rule.force)));
        }
        env
    }
}

/// Writes the hook into `dir` unless it is there already, and returns
/// `dir`. The file is written aside and renamed into place, so a push never
/// runs a half-written hook.
pub fn install(dir: &Path) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let hook = dir.join("pre-receive");
    if std::fs::read_to_string(&hook).is_ok_and(|text| text == PRE_RECEIVE) {
        return Ok(dir.to_path_buf());
    }
    std::fs::create_dir_all(dir)?;
    let aside = dir.join(format!("pre-receive.{}.tmp", std::process::id()));
    std::fs::write(&aside, PRE_RECEIVE)?;
    std::fs::set_permissions(&aside, std::fs::Permissions::from_mode(0o755))?;
    std::fs::File::open(&aside)?.sync_all()?;
    std::fs::rename(&aside, &hook)?;
    Ok(dir.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_numbers_the_rules() {
        let env = Rule::env(&[Rule {
            pattern: "release/*".into(),
            push: true,
            force: false,
        }]);
        assert_eq!(env[0], ("FORGE_PROTECT_COUNT".into(), "1".into()));
        assert!(env.contains(&("FORGE_PROTECT_0_PATTERN".into(), "release/*".into())));
        assert!(env.contains(&("FORGE_PROTECT_0_PUSH".into(), "1".into())));
        assert!(env.contains(&("FORGE_PROTECT_0_FORCE".into(), "0".into())));
    }
}
