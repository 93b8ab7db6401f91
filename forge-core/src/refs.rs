//! References in text: `#12`, `owner/repo#12`, `@name`, and the closing
//! keywords of commit messages ("Fixes #12").

/// Words that close the issue they precede, in a commit that reaches the
/// default branch.
pub const CLOSING_KEYWORDS: &[&str] = &[
    "close", "closes", "closed", "fix", "fixes", "fixed", "resolve", "resolves", "resolved",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueRef {
    /// `Some((owner, repo))` for `owner/repo#N`; `None` for `#N`.
    pub repo: Option<(String, String)>,
    pub number: i64,
    /// Preceded by a closing keyword.
    pub closes: bool,
}

fn trim_punctuation(token: &str) -> &str {
    token
        .trim_start_matches(['(', '[', '"', '\''])
        .trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '"', '\''])
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Parses one token as an issue reference.
fn parse_ref(token: &str) -> Option<(Option<(String, String)>, i64)> {
    let (prefix, digits) = token.split_once('#')?;
    if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number: i64 = digits.parse().ok()?;
    if number == 0 {
        return None;
    }
    if prefix.is_empty() {
        return Some((None, number));
    }
    let (owner, repo) = prefix.split_once('/')?;
    if is_name(owner) && is_name(repo) {
        Some((Some((owner.to_lowercase(), repo.to_string())), number))
    } else {
        None
    }
}

/// The issues a text refers to, each once (closing wins over mentioning).
pub fn issue_refs(text: &str) -> Vec<IssueRef> {
    let mut refs: Vec<IssueRef> = Vec::new();
    let mut previous = String::new();
    for raw in text.split_whitespace() {
        let token = trim_punctuation(raw);
        if let Some((repo, number)) = parse_ref(token) {
            let closes = CLOSING_KEYWORDS.contains(&previous.as_str());
            match refs
                .iter_mut()
                .find(|r| r.repo == repo && r.number == number)
            {
                Some(existing) => existing.closes |= closes,
                None => refs.push(IssueRef {
                    repo,
                    number,
                    closes,
                }),
            }
        }
        previous = token.trim_end_matches(':').to_lowercase();
    }
    refs
}

/// The names mentioned as `@name`, lowercased, each once.
pub fn mentions(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for raw in text.split_whitespace() {
        let token = trim_punctuation(raw);
        if let Some(name) = token.strip_prefix('@')
            && is_name(name)
            && !name.starts_with(['-', '_', '.'])
        {
            let name = name.to_lowercase();
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(repo: Option<(&str, &str)>, number: i64, closes: bool) -> IssueRef {
        IssueRef {
            repo: repo.map(|(o, r)| (o.to_string(), r.to_string())),
            number,
            closes,
        }
    }

    #[test]
    fn closing_keywords_in_any_case() {
        for keyword in CLOSING_KEYWORDS {
            let message = format!("Tidy up\n\n{} #7", keyword.to_uppercase());
            assert_eq!(issue_refs(&message), vec![r(None, 7, true)], "{keyword}");
        }
        assert_eq!(issue_refs("fixes: #3."), vec![r(None, 3, true)]);
        assert_eq!(
            issue_refs("Resolves coop/tools#12 and mentions #4 (see #5)"),
            vec![
                r(Some(("coop", "tools")), 12, true),
                r(None, 4, false),
                r(None, 5, false)
            ]
        );
    }

    #[test]
    fn mere_mentions_do_not_close() {
        assert_eq!(
            issue_refs("Related to #2; not fixing #3 yet"),
            vec![r(None, 2, false), r(None, 3, false)]
        );
        assert_eq!(
            issue_refs("prefix #2 then fixes #2"),
            vec![r(None, 2, true)]
        );
        assert!(issue_refs("colour #fff, #0, C# code, a#1, x/#2").is_empty());
    }

    #[test]
    fn mentions_are_names() {
        assert_eq!(
            mentions("Thanks @Alice and @bob-2, cc @alice."),
            vec!["alice", "bob-2"]
        );
        assert!(mentions("mail me at a@b.org or @ or @-x").is_empty());
    }
}
