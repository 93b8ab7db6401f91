//! Finding issues: filters, free-text search, sort orders, and keyset
//! pagination, so that the cost of a page does not grow with its depth.

use crate::db::{Db, Engine};
use crate::error::{Error, Result};
use crate::ids::{AccountId, LabelId, MilestoneId, RepoId, UserId};
use crate::issue::{Issue, from_row};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StateFilter {
    #[default]
    Open,
    Closed,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Newest,
    Oldest,
    RecentlyUpdated,
    MostCommented,
}

impl Sort {
    pub const ALL: [Sort; 4] = [
        Sort::Newest,
        Sort::Oldest,
        Sort::RecentlyUpdated,
        Sort::MostCommented,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::Oldest => "oldest",
            Sort::RecentlyUpdated => "recentupdate",
            Sort::MostCommented => "mostcomment",
        }
    }

    pub fn parse(s: &str) -> Result<Sort> {
        Sort::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| Error::invalid("sort", "error-sort"))
    }
}

/// Which kind of issue a list shows: a pull request is an issue too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KindFilter {
    /// Issues and pull requests (Gitea's API without `type`).
    #[default]
    Both,
    /// Plain issues only (the issue list page, `type=issues`).
    Issues,
    /// Pull requests only (`type=pulls`).
    Pulls,
}

impl KindFilter {
    /// Gitea's `type` parameter.
    pub fn parse(text: &str) -> Result<KindFilter> {
        match text.trim() {
            "issues" => Ok(KindFilter::Issues),
            "pulls" => Ok(KindFilter::Pulls),
            _ => Err(Error::invalid("type", "error-issue-type")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MilestoneFilter {
    Is(MilestoneId),
    None,
}

#[derive(Debug, Clone, Default)]
pub struct IssueQuery {
    pub state: StateFilter,
    pub kind: KindFilter,
    /// Issues carrying every one of these labels.
    pub labels: Vec<LabelId>,
    pub milestone: Option<MilestoneFilter>,
    pub assignee: Option<UserId>,
    pub author: Option<AccountId>,
    pub mentioned: Option<UserId>,
    /// Words that must all appear in the title, body or comments.
    pub text: Option<String>,
    pub sort: Sort,
    /// Where the page starts: the cursor of the previous page's last issue.
    pub after: Option<String>,
    /// Issues to skip before the page, for clients that count pages (Gitea's
    /// `page`); the cursor stays the fast way through a long list.
    pub offset: i64,
    pub limit: i64,
}

#[derive(Debug, Clone)]
pub struct IssuePage {
    pub issues: Vec<Issue>,
    /// The cursor of the next page, when there is one.
    pub next: Option<String>,
}

enum Bind {
    Int(i64),
    Text(String),
}

/// The cursor of an issue under a sort order: `key.number`.
fn cursor_of(issue: &Issue, sort: Sort) -> String {
    match sort {
        Sort::Newest | Sort::Oldest => issue.number.to_string(),
        Sort::RecentlyUpdated => format!("{}.{}", issue.updated_at, issue.number),
        Sort::MostCommented => format!("{}.{}", issue.comment_count, issue.number),
    }
}

fn parse_cursor(cursor: &str, sort: Sort) -> Result<(i64, i64)> {
    let bad = || Error::invalid("after", "error-cursor");
    match sort {
        Sort::Newest | Sort::Oldest => Ok((0, cursor.parse().map_err(|_| bad())?)),
        _ => {
            let (key, number) = cursor.split_once('.').ok_or_else(bad)?;
            Ok((
                key.parse().map_err(|_| bad())?,
                number.parse().map_err(|_| bad())?,
            ))
        }
    }
}

fn escape_like(word: &str) -> String {
    let mut out = String::with_capacity(word.len() + 2);
    out.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

pub const MAX_LIMIT: i64 = 100;

/// The statement that selects the issues `query` matches, unordered, with
/// its bound values, and whether it reads the SQLite word index.
struct Selection {
    sql: String,
    binds: Vec<Bind>,
    indexed: bool,
}

fn select(db: &Db, repo: RepoId, query: &IssueQuery, with_cursor: bool) -> Result<Selection> {
    let words: Vec<String> = match &query.text {
        Some(text) => {
            crate::issue::refuse_nul("q", text)?;
            text.to_lowercase()
                .split_whitespace()
                .take(10)
                .map(str::to_owned)
                .collect()
        }
        None => Vec::new(),
    };
    // On SQLite, words of three characters or more are looked up in the
    // trigram index `issue_search` (migration 0007), which yields matches
    // by issue id, newest first: the page then stops after `limit` matches
    // instead of reading every issue of the repository. Within a repository
    // ids grow with numbers (both are taken under the repository's write
    // lock when an issue is created), so id order is number order. Other
    // sort orders, and PostgreSQL (whose trigram index serves LIKE itself),
    // keep the LIKE filter below.
    let indexed: Vec<&String> =
        if db.engine() == Engine::Sqlite && matches!(query.sort, Sort::Newest | Sort::Oldest) {
            words.iter().filter(|w| w.chars().count() >= 3).collect()
        } else {
            Vec::new()
        };
    let mut sql = String::from(if indexed.is_empty() {
        crate::issue::select_issue!("WHERE i.repo_id = $1")
    } else {
        crate::issue::select_issue!("JOIN issue_search s ON s.rowid = i.id WHERE i.repo_id = $1")
    });
    let mut binds = vec![Bind::Int(repo.0)];
    let mut push = |sql: &mut String, fragment: &str, bind: Bind| {
        binds.push(bind);
        sql.push_str(&fragment.replace("$?", &format!("${}", binds.len())));
    };
    match query.state {
        StateFilter::Open => sql.push_str(" AND i.is_closed = 0"),
        StateFilter::Closed => sql.push_str(" AND i.is_closed = 1"),
        StateFilter::All => {}
    }
    match query.kind {
        KindFilter::Both => {}
        KindFilter::Issues => sql
            .push_str(" AND NOT EXISTS (SELECT 1 FROM pull_requests pr WHERE pr.issue_id = i.id)"),
        KindFilter::Pulls => {
            sql.push_str(" AND EXISTS (SELECT 1 FROM pull_requests pr WHERE pr.issue_id = i.id)")
        }
    }
    for label in &query.labels {
        push(
            &mut sql,
            " AND EXISTS (SELECT 1 FROM issue_labels il WHERE il.issue_id = i.id AND il.label_id = $?)",
            Bind::Int(label.0),
        );
    }
    match query.milestone {
        Some(MilestoneFilter::Is(m)) => push(&mut sql, " AND i.milestone_id = $?", Bind::Int(m.0)),
        Some(MilestoneFilter::None) => sql.push_str(" AND i.milestone_id IS NULL"),
        None => {}
    }
    if let Some(user) = query.assignee {
        push(
            &mut sql,
            " AND EXISTS (SELECT 1 FROM issue_assignees ia WHERE ia.issue_id = i.id AND ia.user_id = $?)",
            Bind::Int(user.0),
        );
    }
    if let Some(author) = query.author {
        push(&mut sql, " AND i.author_id = $?", Bind::Int(author.0));
    }
    if let Some(user) = query.mentioned {
        push(
            &mut sql,
            " AND EXISTS (SELECT 1 FROM issue_mentions im WHERE im.issue_id = i.id AND im.user_id = $?)",
            Bind::Int(user.0),
        );
    }
    if !indexed.is_empty() {
        // Each word a quoted phrase: with the trigram tokenizer, a phrase
        // matches wherever its text appears, as LIKE '%word%' does.
        let phrases: Vec<String> = indexed
            .iter()
            .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
            .collect();
        push(
            &mut sql,
            " AND issue_search MATCH $?",
            Bind::Text(phrases.join(" ")),
        );
    }
    for word in words.iter().filter(|w| !indexed.contains(w)) {
        push(
            &mut sql,
            " AND i.search_text LIKE $? ESCAPE '\\'",
            Bind::Text(escape_like(word)),
        );
    }
    if with_cursor && let Some(after) = &query.after {
        let (key, number) = parse_cursor(after, query.sort)?;
        match query.sort {
            Sort::Newest => push(&mut sql, " AND i.number < $?", Bind::Int(number)),
            Sort::Oldest => push(&mut sql, " AND i.number > $?", Bind::Int(number)),
            Sort::RecentlyUpdated | Sort::MostCommented => {
                let column = if query.sort == Sort::RecentlyUpdated {
                    "i.updated_at"
                } else {
                    "i.comment_count"
                };
                push(&mut sql, &format!(" AND ({column} < $?"), Bind::Int(key));
                push(&mut sql, &format!(" OR ({column} = $?"), Bind::Int(key));
                push(&mut sql, " AND i.number < $?))", Bind::Int(number));
            }
        }
        if !indexed.is_empty() {
            // The same cursor as an id bound, which the index can seek to.
            let (op, none) = match query.sort {
                Sort::Oldest => (">", "0"),
                _ => ("<", "9223372036854775807"),
            };
            push(
                &mut sql,
                &format!(
                    " AND s.rowid {op} COALESCE((SELECT id FROM issues WHERE repo_id = $1 AND number = $?), {none})"
                ),
                Bind::Int(number),
            );
        }
    }
    Ok(Selection {
        sql,
        binds,
        indexed: !indexed.is_empty(),
    })
}
/// One page of the issues `query` matches.
pub async fn list(db: &Db, repo: RepoId, query: &IssueQuery) -> Result<IssuePage> {
    let limit = query.limit.clamp(1, MAX_LIMIT);
    let Selection {
        mut sql,
        binds,
        indexed,
    } = select(db, repo, query, true)?;
    sql.push_str(match query.sort {
        Sort::Newest if indexed => " ORDER BY s.rowid DESC",
        Sort::Oldest if indexed => " ORDER BY s.rowid ASC",
        Sort::Newest => " ORDER BY i.number DESC",
        Sort::Oldest => " ORDER BY i.number ASC",
        Sort::RecentlyUpdated => " ORDER BY i.updated_at DESC, i.number DESC",
        Sort::MostCommented => " ORDER BY i.comment_count DESC, i.number DESC",
    });
    // One more than asked tells whether a next page exists.
    sql.push_str(&format!(" LIMIT {}", limit + 1));
    if query.offset > 0 {
        sql.push_str(&format!(" OFFSET {}", query.offset));
    }

    // The text is assembled from the fixed fragments above only; every value
    // is a bound parameter.
    let rows = bound(&sql, binds).fetch_all(db.pool()).await?;
    let mut issues = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    let next = if issues.len() as i64 > limit {
        issues.truncate(limit as usize);
        issues.last().map(|i| cursor_of(i, query.sort))
    } else {
        None
    };
    Ok(IssuePage { issues, next })
}

/// How many issues `query` matches in all, whatever its page.
pub async fn count(db: &Db, repo: RepoId, query: &IssueQuery) -> Result<i64> {
    let Selection { sql, binds, .. } = select(db, repo, query, false)?;
    let sql = format!("SELECT COUNT(*) AS n FROM ({sql}) counted");
    Ok(sqlx::Row::try_get(
        &bound(&sql, binds).fetch_one(db.pool()).await?,
        "n",
    )?)
}

fn bound(
    sql: &str,
    binds: Vec<Bind>,
) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments> {
    let mut statement = sqlx::query(sqlx::AssertSqlSafe(sql));
    for bind in binds {
        statement = match bind {
            Bind::Int(v) => statement.bind(v),
            Bind::Text(v) => statement.bind(v),
        };
    }
    statement
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(escape_like("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    #[test]
    fn cursors_round_trip() {
        assert_eq!(parse_cursor("42", Sort::Newest).unwrap(), (0, 42));
        assert_eq!(
            parse_cursor("1700.42", Sort::RecentlyUpdated).unwrap(),
            (1700, 42)
        );
        assert!(parse_cursor("x", Sort::Newest).is_err());
        assert!(parse_cursor("42", Sort::MostCommented).is_err());
    }
}
