//! The timeline of an issue in sentences: each event told in the visitor's
//! language, with links where the language puts them (people, issues,
//! commits, labels, dates).

use super::chips::Chip;
use super::tn;
use crate::AppState;
use crate::context::PageCtx;
use crate::error::PageError;
use crate::i18n;
use crate::pages::repo_head::base_of;
use crate::views::url_encode;
use forge_core::issue::CloseReason;
use forge_core::repo::{self, Access, Repo};
use forge_core::timeline::{self, kind};
use std::collections::HashMap;

/// A piece of a translated sentence: text, or something the sentence
/// refers to (a person, an issue, a commit, a label).
#[derive(Debug, Clone)]
pub(super) enum Part {
    Text(String),
    /// A link: address, text.
    Link(String, String),
    /// A commit: address, short id.
    Commit(String, String),
    Chip(Chip),
    /// A date: machine-readable form, text.
    Time(String, String),
}

pub(super) fn time_part(ctx: &PageCtx, ms: i64) -> Part {
    Part::Time(
        forge_core::clock::rfc3339(ms),
        crate::format::long_date(ctx.lang, ms),
    )
}

/// The message `key` with its placeholders replaced by parts. The message
/// is formatted with markers in place of the arguments, then split around
/// them, so links sit where each language puts them.
pub(super) fn sentence(ctx: &PageCtx, key: &str, args: &[(&str, Part)]) -> Vec<Part> {
    let markers: Vec<String> = (0..args.len())
        .map(|i| format!("\u{E000}{i}\u{E001}"))
        .collect();
    let fluent_args: Vec<(&str, &str)> = args
        .iter()
        .zip(&markers)
        .map(|((name, _), marker)| (*name, marker.as_str()))
        .collect();
    let text = tn(ctx, key, &fluent_args);
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find('\u{E000}') {
        let after = &rest[start + '\u{E000}'.len_utf8()..];
        let Some(end) = after.find('\u{E001}') else {
            break;
        };
        if start > 0 {
            out.push(Part::Text(rest[..start].to_string()));
        }
        if let Some((_, part)) = after[..end].parse::<usize>().ok().and_then(|i| args.get(i)) {
            out.push(part.clone());
        }
        rest = &after[end + '\u{E001}'.len_utf8()..];
    }
    if !rest.is_empty() {
        out.push(Part::Text(rest.to_string()));
    }
    out
}

pub(super) fn person(name: &str) -> Part {
    Part::Link(format!("/{}", url_encode(name)), name.to_string())
}

fn short_id(id: &str) -> String {
    id.chars().take(10).collect()
}

/// Whether the visitor may read `owner/name` (for cross-references).
pub(super) async fn may_read(
    state: &AppState,
    ctx: &PageCtx,
    cache: &mut HashMap<String, bool>,
    full_name: &str,
) -> Result<bool, PageError> {
    if let Some(known) = cache.get(full_name) {
        return Ok(*known);
    }
    let readable = match full_name.split_once('/') {
        Some((owner, name)) => match repo::find(&state.db, owner, name).await? {
            Some(found) => {
                repo::access(&state.db, ctx.user.as_ref(), &found).await? >= Access::Read
            }
            None => false,
        },
        None => false,
    };
    cache.insert(full_name.to_string(), readable);
    Ok(readable)
}

/// The sentence of an event that is not a comment; `None` for one the
/// visitor may not see (a mention from a repository they cannot read).
///
/// `readable` tells which repositories (`owner/name`) the visitor may read;
/// those missing from it are taken as unreadable.
pub(super) fn event_sentence(
    ctx: &PageCtx,
    repo: &Repo,
    event: &timeline::Event,
    readable: &HashMap<String, bool>,
) -> Option<(Vec<Part>, &'static str)> {
    let base = base_of(repo);
    let actor = match &event.actor {
        Some(name) => person(name),
        None => Part::Text(ctx.t("issue-event-someone")),
    };
    let commit = event
        .commit
        .as_ref()
        .map(|id| Part::Commit(format!("{base}/commit/{}", url_encode(id)), short_id(id)));
    let label = event
        .label
        .as_ref()
        .map(|(name, color)| Part::Chip(Chip::new(name, color)));
    let milestone = Part::Text(
        event
            .milestone
            .clone()
            .unwrap_or_else(|| ctx.t("issue-event-deleted-milestone")),
    );
    let subject = match &event.subject {
        Some(name) => person(name),
        None => Part::Text(ctx.t("issue-event-someone")),
    };
    let said = |key: &str, args: &[(&str, Part)]| sentence(ctx, key, args);
    let found = match event.kind.as_str() {
        kind::OPENED => (said("issue-event-opened", &[("actor", actor)]), "ev-opened"),
        kind::LABELED | kind::UNLABELED => {
            let label = label?;
            let key = if event.kind == kind::LABELED {
                "issue-event-labeled"
            } else {
                "issue-event-unlabeled"
            };
            (said(key, &[("actor", actor), ("label", label)]), "ev-label")
        }
        kind::ASSIGNED => (
            said(
                "issue-event-assigned",
                &[("actor", actor), ("assignee", subject)],
            ),
            "ev-assign",
        ),
        kind::UNASSIGNED => (
            said(
                "issue-event-unassigned",
                &[("actor", actor), ("assignee", subject)],
            ),
            "ev-assign",
        ),
        kind::MILESTONED => (
            said(
                "issue-event-milestoned",
                &[("actor", actor), ("milestone", milestone)],
            ),
            "ev-milestone",
        ),
        kind::DEMILESTONED => (
            said(
                "issue-event-demilestoned",
                &[("actor", actor), ("milestone", milestone)],
            ),
            "ev-milestone",
        ),
        kind::CLOSED => {
            let parts = match commit {
                Some(commit) => said(
                    "issue-event-closed-commit",
                    &[("actor", actor), ("commit", commit)],
                ),
                None => {
                    let reason = event
                        .new_value
                        .as_deref()
                        .and_then(|r| CloseReason::parse(r).ok());
                    let key = match reason {
                        Some(r) => format!("issue-event-closed-{}", r.as_str()),
                        None => "issue-event-closed".into(),
                    };
                    said(&key, &[("actor", actor)])
                }
            };
            (parts, "ev-closed")
        }
        kind::REOPENED => (
            said("issue-event-reopened", &[("actor", actor)]),
            "ev-reopened",
        ),
        kind::RENAMED => (
            said(
                "issue-event-renamed",
                &[
                    ("actor", actor),
                    (
                        "old",
                        Part::Text(event.old_value.clone().unwrap_or_default()),
                    ),
                    (
                        "new",
                        Part::Text(event.new_value.clone().unwrap_or_default()),
                    ),
                ],
            ),
            "ev-renamed",
        ),
        kind::LOCKED => (said("issue-event-locked", &[("actor", actor)]), "ev-lock"),
        kind::UNLOCKED => (said("issue-event-unlocked", &[("actor", actor)]), "ev-lock"),
        kind::REFERENCED => {
            let commit = commit?;
            (
                said(
                    "issue-event-referenced",
                    &[("actor", actor), ("commit", commit)],
                ),
                "ev-ref",
            )
        }
        kind::CROSS_REFERENCED => {
            let Some((full_name, number)) = &event.ref_issue else {
                return None;
            };
            // A mention from a repository the visitor cannot read is not
            // shown: it would tell them that issue exists.
            if !readable.get(full_name).copied().unwrap_or(false) {
                return None;
            }
            let same = full_name.eq_ignore_ascii_case(&repo.full_name());
            let text = if same {
                format!("#{number}")
            } else {
                format!("{full_name}#{number}")
            };
            let href = match full_name.split_once('/') {
                Some((o, n)) => format!("/{}/{}/issues/{number}", url_encode(o), url_encode(n)),
                None => return None,
            };
            (
                said(
                    "issue-event-cross-referenced",
                    &[("actor", actor), ("issue", Part::Link(href, text))],
                ),
                "ev-ref",
            )
        }
        other => {
            // Kinds this page does not know (funding events, and whatever
            // comes later): the catalogue's `issue-event-{kind}` message if
            // there is one, with `$actor`, `$subject`, `$value` and `$old`;
            // otherwise a neutral line. Never a failure.
            let key = format!("issue-event-{other}");
            let key = if i18n::catalogue().has(&key) {
                key
            } else {
                "issue-event-changed".into()
            };
            let parts = said(
                &key,
                &[
                    ("actor", actor),
                    ("subject", subject),
                    (
                        "value",
                        Part::Text(readable_value(ctx, event.new_value.as_deref())),
                    ),
                    (
                        "old",
                        Part::Text(event.old_value.clone().unwrap_or_default()),
                    ),
                ],
            );
            let class = if other.starts_with("funding")
                || other.starts_with("pledge")
                || other.starts_with("delivered")
                || other.starts_with("delivery")
                || other.starts_with("payment")
                || matches!(other, "settled" | "disputed" | "funded")
            {
                "ev-funding"
            } else {
                "ev-other"
            };
            (parts, class)
        }
    };
    Some(found)
}

/// An event's value for people: amounts recorded as "minor-units CURRENCY"
/// (funding events) in the visitor's notation, anything else as it is.
fn readable_value(ctx: &PageCtx, value: Option<&str>) -> String {
    let value = value.unwrap_or_default();
    match value.split_once(' ') {
        Some((amount, currency))
            if currency.len() == 3
                && currency.bytes().all(|b| b.is_ascii_uppercase())
                && amount.parse::<i64>().is_ok() =>
        {
            let minor = amount.parse::<i64>().unwrap_or_default();
            crate::format::money(ctx.lang, minor, currency)
        }
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    fn page_ctx(lang: Lang) -> PageCtx {
        PageCtx {
            lang,
            user: None,
            csrf: String::new(),
            site_name: "Forge".into(),
            signup_open: true,
            here: "/".into(),
            private_view: Default::default(),
            flash: None,
            flash_key: None,
            unread: 0,
        }
    }

    fn test_repo() -> Repo {
        Repo {
            id: forge_core::RepoId(1),
            owner_id: forge_core::AccountId(1),
            owner_name: "coop".into(),
            owner_is_org: true,
            name: "tools".into(),
            description: String::new(),
            private: false,
            default_branch: "main".into(),
            created_at: 0,
            updated_at: 0,
        }
    }

    fn event(kind: &str) -> timeline::Event {
        timeline::Event {
            id: 1,
            kind: kind.into(),
            actor: Some("alice".into()),
            comment: None,
            label: None,
            milestone: None,
            subject: None,
            ref_issue: None,
            commit: None,
            old_value: None,
            new_value: None,
            created_at: 0,
        }
    }

    fn text_of(parts: &[Part]) -> String {
        parts
            .iter()
            .map(|p| match p {
                Part::Text(t) | Part::Link(_, t) | Part::Commit(_, t) | Part::Time(_, t) => {
                    t.clone()
                }
                Part::Chip(c) => c.name.clone(),
            })
            .collect()
    }

    #[test]
    fn sentences_put_links_where_each_language_says() {
        let ctx = page_ctx(Lang::En);
        let repo = test_repo();
        let mut closed = event(kind::CLOSED);
        closed.commit = Some("0123456789abcdef0123456789abcdef01234567".into());
        let (parts, class) = event_sentence(&ctx, &repo, &closed, &HashMap::new()).unwrap();
        assert_eq!(class, "ev-closed");
        assert!(matches!(&parts[0], Part::Link(href, name) if href == "/alice" && name == "alice"));
        assert!(parts.iter().any(|p| matches!(p,
            Part::Commit(href, id) if href == "/coop/tools/commit/0123456789abcdef0123456789abcdef01234567" && id == "0123456789")));
        let mut renamed = event(kind::RENAMED);
        renamed.old_value = Some("\u{E000}1\u{E001} <b>old</b>".into());
        renamed.new_value = Some("new".into());
        for lang in Lang::ALL {
            let (parts, _) =
                event_sentence(&page_ctx(lang), &repo, &renamed, &HashMap::new()).unwrap();
            let text = text_of(&parts);
            assert!(text.contains("\u{E000}1\u{E001} <b>old</b>"), "{text}");
            assert!(text.contains("new"), "{text}");
        }
    }

    #[test]
    fn unknown_events_are_told_plainly() {
        let ctx = page_ctx(Lang::Fr);
        let repo = test_repo();
        for kind in [
            "funding_opened",
            "pledged",
            "payment_recorded",
            "settled",
            "something_new",
        ] {
            let mut e = event(kind);
            e.subject = Some("coop".into());
            e.new_value = Some("100".into());
            let (parts, class) = event_sentence(&ctx, &repo, &e, &HashMap::new()).unwrap();
            assert!(!text_of(&parts).is_empty());
            assert!(!text_of(&parts).contains("issue-event"), "{parts:?}");
            let expected = if kind == "something_new" {
                "ev-other"
            } else {
                "ev-funding"
            };
            assert_eq!(class, expected, "{kind}");
        }
        let mut e = event("mystery");
        e.actor = None;
        let (parts, _) = event_sentence(&ctx, &repo, &e, &HashMap::new()).unwrap();
        assert!(text_of(&parts).starts_with("Quelqu’un"), "{parts:?}");
    }

    #[test]
    fn mentions_from_unreadable_repositories_are_left_out() {
        let ctx = page_ctx(Lang::En);
        let repo = test_repo();
        let mut e = event(kind::CROSS_REFERENCED);
        e.ref_issue = Some(("coop/secret".into(), 4));
        assert!(event_sentence(&ctx, &repo, &e, &HashMap::new()).is_none());
        let readable = HashMap::from([("coop/secret".to_string(), true)]);
        let (parts, _) = event_sentence(&ctx, &repo, &e, &readable).unwrap();
        assert!(parts.iter().any(|p| matches!(p,
            Part::Link(href, text) if href == "/coop/secret/issues/4" && text == "coop/secret#4")));
        e.ref_issue = Some(("coop/tools".into(), 2));
        let readable = HashMap::from([("coop/tools".to_string(), true)]);
        let (parts, _) = event_sentence(&ctx, &repo, &e, &readable).unwrap();
        assert!(
            parts
                .iter()
                .any(|p| matches!(p, Part::Link(_, text) if text == "#2"))
        );
    }
}
