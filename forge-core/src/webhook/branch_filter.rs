//! A hook's branch filter, in Gitea's glob syntax: the branches whose
//! push, create and delete events it is sent for. `*` (the default, and
//! an empty filter) is every branch. Tags are never filtered out.
//!
//! The syntax (Gitea's `gobwas/glob`, without separators, so `*` also
//! matches `/`): `*` any text, `?` one character, `[abc]`, `[a-z]`,
//! `[!abc]` one character in or out of a class, `{main,release/*}` one of
//! several patterns, and `\` before a character that would be special.

use crate::error::{Error, Problem, Result};

/// The filter of every branch.
pub const ALL: &str = "*";

const MAX_LEN: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Char(char),
    Any,
    One,
    /// Ranges of a class (a single character is a range of one), and
    /// whether the class is negated.
    Class(Vec<(char, char)>, bool),
    /// Alternatives, each a pattern.
    Either(Vec<Vec<Token>>),
}

/// Parses up to the end, or in braces up to the `,` or `}` that ends an
/// alternative (left in `chars`).
fn parse(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, nested: bool) -> Option<Vec<Token>> {
    let mut tokens = Vec::new();
    while let Some(&c) = chars.peek() {
        if nested && (c == ',' || c == '}') {
            return Some(tokens);
        }
        chars.next();
        tokens.push(match c {
            '*' => Token::Any,
            '?' => Token::One,
            '\\' => Token::Char(chars.next()?),
            '[' => {
                let negated = chars.next_if_eq(&'!').is_some();
                let mut ranges = Vec::new();
                loop {
                    let first = match chars.next()? {
                        ']' if !ranges.is_empty() => break,
                        '\\' => chars.next()?,
                        c => c,
                    };
                    if chars.next_if_eq(&'-').is_some() {
                        let last = match chars.next()? {
                            '\\' => chars.next()?,
                            c => c,
                        };
                        if last < first {
                            return None;
                        }
                        ranges.push((first, last));
                    } else {
                        ranges.push((first, first));
                    }
                }
                Token::Class(ranges, negated)
            }
            '{' => {
                let mut alternatives = Vec::new();
                loop {
                    alternatives.push(parse(chars, true)?);
                    match chars.next()? {
                        ',' => continue,
                        _ => break,
                    }
                }
                Token::Either(alternatives)
            }
            ']' | '}' => return None,
            c => Token::Char(c),
        });
    }
    if nested { None } else { Some(tokens) }
}

/// The most brace-free patterns a filter may stand for.
const MAX_ALTERNATIVES: usize = 64;

/// The brace-free patterns `tokens` stand for; `None` past the limit.
fn expand(tokens: &[Token]) -> Option<Vec<Vec<Token>>> {
    let mut patterns: Vec<Vec<Token>> = vec![Vec::new()];
    for token in tokens {
        match token {
            Token::Either(alternatives) => {
                let mut grown = Vec::new();
                for alternative in alternatives {
                    for tail in expand(alternative)? {
                        for head in &patterns {
                            let mut pattern = head.clone();
                            pattern.extend(tail.iter().cloned());
                            grown.push(pattern);
                            if grown.len() > MAX_ALTERNATIVES {
                                return None;
                            }
                        }
                    }
                }
                patterns = grown;
            }
            other => {
                for pattern in &mut patterns {
                    pattern.push(other.clone());
                }
            }
        }
    }
    Some(patterns)
}

fn compile(pattern: &str) -> Option<Vec<Vec<Token>>> {
    expand(&parse(&mut pattern.chars().peekable(), false)?)
}

/// Whether one brace-free pattern matches all of `text`: the positions of
/// the text reachable after each token, so the time is the pattern's
/// length times the text's, whatever the stars.
fn glob(tokens: &[Token], text: &[char]) -> bool {
    let mut reached = vec![false; text.len() + 1];
    reached[0] = true;
    for token in tokens {
        let mut next = vec![false; text.len() + 1];
        match token {
            Token::Any => {
                let mut seen = false;
                for (at, slot) in next.iter_mut().enumerate() {
                    seen |= reached[at];
                    *slot = seen;
                }
            }
            single => {
                for (at, c) in text.iter().enumerate() {
                    let fits = match single {
                        Token::Char(expected) => expected == c,
                        Token::One => true,
                        Token::Class(ranges, negated) => {
                            ranges.iter().any(|(a, b)| (a..=b).contains(&c)) != *negated
                        }
                        Token::Any | Token::Either(_) => false,
                    };
                    if reached[at] && fits {
                        next[at + 1] = true;
                    }
                }
            }
        }
        reached = next;
    }
    reached[text.len()]
}

/// Checks a filter typed by a person or a client; an empty one is `*`.
pub fn validate(raw: &str) -> Result<String> {
    let filter = raw.trim();
    if filter.is_empty() {
        return Ok(ALL.to_string());
    }
    if filter.len() > MAX_LEN {
        return Err(Error::Invalid {
            field: "branch_filter",
            problem: Problem::new("error-text-too-long").arg("max", MAX_LEN.to_string()),
        });
    }
    if filter.chars().any(char::is_control) || compile(filter).is_none() {
        return Err(Error::invalid(
            "branch_filter",
            "error-webhook-branch-filter",
        ));
    }
    Ok(filter.to_string())
}

/// Whether a hook with `filter` is sent for `refname` (`refs/heads/…`,
/// or a tag, which every filter lets through).
pub fn lets_through(filter: &str, refname: &str) -> bool {
    let Some(branch) = refname.strip_prefix("refs/heads/") else {
        return true;
    };
    if filter.is_empty() || filter == ALL {
        return true;
    }
    match compile(filter) {
        Some(patterns) => {
            let text: Vec<char> = branch.chars().collect();
            patterns.iter().any(|tokens| glob(tokens, &text))
        }
        // A stored filter was checked; one that no longer parses lets
        // nothing through rather than everything.
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn branch(filter: &str, name: &str) -> bool {
        lets_through(filter, &format!("refs/heads/{name}"))
    }

    #[test]
    fn gitea_globs_match_branch_names() {
        assert!(branch("*", "feature/x"));
        assert!(branch("", "anything"));
        assert!(branch("main", "main"));
        assert!(!branch("main", "main2"));
        assert!(branch("{main,release/*}", "release/1.2"));
        assert!(branch("{main,release/*}", "main"));
        assert!(!branch("{main,release/*}", "feature/x"));
        assert!(branch("feature-?", "feature-a"));
        assert!(!branch("feature-?", "feature-ab"));
        assert!(branch("v[0-9].*", "v1.x"));
        assert!(!branch("v[!0-9]*", "v1"));
        assert!(branch("v[!0-9]*", "vx"));
        assert!(branch("*-fix", "a/b-fix"));
        assert!(branch("a\\*b", "a*b"));
        assert!(!branch("a\\*b", "axb"));
        assert!(branch("{a,b{c,d}}x", "bdx"));
        // Tags are not branches: always let through.
        assert!(lets_through("main", "refs/tags/v1"));
    }

    #[test]
    fn bad_filters_are_refused() {
        for bad in ["[abc", "{a,b", "a}", "[z-a]", "x\\"] {
            assert!(validate(bad).is_err(), "{bad}");
        }
        assert_eq!(validate("  ").unwrap(), "*");
        assert_eq!(validate("{main,dev}").unwrap(), "{main,dev}");
        assert!(validate(&"{a,b}".repeat(7)).is_err());
    }

    #[test]
    fn many_stars_cost_little() {
        let filter = "*a".repeat(60) + "b";
        assert!(!branch(&filter, &"a".repeat(200)));
    }
}
