//! Branch protection: rules per repository and branch name pattern (an
//! exact name such as `main`, or a glob such as `release/*`, where `*`
//! stands for any characters, `/` included, and `?` for one). The most
//! specific matching rule applies: an exact name before any glob, then the
//! glob with the most literal characters.
//!
//! A protected branch is never deleted. Who pushes to it: nobody when
//! `enable_push` is off (it then moves by merges only); with the allowlist
//! on, only the listed users and the members holding one of the listed
//! organisation roles (`owner`, `maintainer`, the "teams" of this forge);
//! otherwise everyone with write access. Nobody bypasses the allowlist, not
//! even an administrator: as in Gitea, they list themselves. Force pushes
//! (a new commit that does not descend from the old one) are refused unless
//! `enable_force_push`. A pull request merges into it when the merger is
//! on the allowlist (when it is on), when enough people who may merge
//! approved its head (only approvals on the current head count with
//! `dismiss_stale_approvals`), when nobody's verdict requests changes (with
//! `block_on_rejected_reviews`), and when every required status context
//! is `success` on its head (Gitea's rule: `warning` is not enough).
//!
//! Only the repository's administrators manage the rules; every change
//! writes its event to the outbox.

use crate::clock::now_ms;
use crate::commit_status::{self, State};
use crate::db::Db;
use crate::error::{Error, Problem, Result};
use crate::ids::{IssueId, OrgId, RepoId};
use crate::org::{self, Role};
use crate::outbox::{self, kind as event};
use crate::repo::{self, Access, Repo};
use crate::review;
use crate::user::{self, User};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Most entries in one list of a rule (users, roles, contexts).
pub const MAX_LIST: usize = 100;
/// Most approvals a rule may require.
pub const MAX_APPROVALS: i64 = 100;

/// One rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protection {
    pub id: i64,
    pub repo_id: RepoId,
    pub rule_name: String,
    pub settings: Settings,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a rule says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    pub enable_push: bool,
    pub enable_push_whitelist: bool,
    pub push_whitelist_usernames: Vec<String>,
    pub push_whitelist_teams: Vec<String>,
    pub enable_force_push: bool,
    pub required_approvals: i64,
    pub dismiss_stale_approvals: bool,
    pub block_on_rejected_reviews: bool,
    pub enable_status_check: bool,
    pub status_check_contexts: Vec<String>,
}

/// Changes to a rule; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub enable_push: Option<bool>,
    pub enable_push_whitelist: Option<bool>,
    pub push_whitelist_usernames: Option<Vec<String>>,
    pub push_whitelist_teams: Option<Vec<String>>,
    pub enable_force_push: Option<bool>,
    pub required_approvals: Option<i64>,
    pub dismiss_stale_approvals: Option<bool>,
    pub block_on_rejected_reviews: Option<bool>,
    pub enable_status_check: Option<bool>,
    pub status_check_contexts: Option<Vec<String>>,
}

impl Changes {
    fn apply(self, mut s: Settings) -> Settings {
        s.enable_push = self.enable_push.unwrap_or(s.enable_push);
        s.enable_push_whitelist = self
            .enable_push_whitelist
            .unwrap_or(s.enable_push_whitelist);
        if let Some(users) = self.push_whitelist_usernames {
            s.push_whitelist_usernames = users;
        }
        if let Some(teams) = self.push_whitelist_teams {
            s.push_whitelist_teams = teams;
        }
        s.enable_force_push = self.enable_force_push.unwrap_or(s.enable_force_push);
        s.required_approvals = self.required_approvals.unwrap_or(s.required_approvals);
        s.dismiss_stale_approvals = self
            .dismiss_stale_approvals
            .unwrap_or(s.dismiss_stale_approvals);
        s.block_on_rejected_reviews = self
            .block_on_rejected_reviews
            .unwrap_or(s.block_on_rejected_reviews);
        s.enable_status_check = self.enable_status_check.unwrap_or(s.enable_status_check);
        if let Some(contexts) = self.status_check_contexts {
            s.status_check_contexts = contexts;
        }
        s
    }
}

/// Whether `pattern` has glob characters.
pub fn is_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

/// Whether `text` matches `pattern` (`*`: any characters, `?`: one), the
/// way a POSIX shell's `case` matches, which the push hook uses.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) && p[pi] != '*' {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// How specific a pattern is: exact names first, then globs with more
/// literal characters. Lower sorts first.
fn specificity(pattern: &str) -> (bool, std::cmp::Reverse<usize>) {
    let literal = pattern.chars().filter(|c| !matches!(c, '*' | '?')).count();
    (is_glob(pattern), std::cmp::Reverse(literal))
}

/// Sorts rules most specific first: the order in which they are tried.
pub fn sort_by_specificity(rules: &mut [Protection]) {
    rules.sort_by(|a, b| {
        specificity(&a.rule_name)
            .cmp(&specificity(&b.rule_name))
            .then_with(|| a.rule_name.cmp(&b.rule_name))
    });
}

/// The rule that applies to `branch` among `rules` (sorted by
/// [`sort_by_specificity`]).
pub fn rule_for<'a>(rules: &'a [Protection], branch: &str) -> Option<&'a Protection> {
    rules.iter().find(|r| glob_match(&r.rule_name, branch))
}

fn validate_pattern(raw: &str) -> Result<String> {
    let name = raw.trim();
    // A glob is a branch name in which `*` and `?` stand for characters.
    let as_branch = name.replace(['*', '?'], "x");
    if name.is_empty() || repo::validate_branch(&as_branch).is_err() {
        return Err(Error::invalid("rule_name", "error-protection-rule-name"));
    }
    Ok(name.to_string())
}

fn too_many(field: &'static str, list: &[String]) -> Result<()> {
    if list.len() > MAX_LIST {
        return Err(Error::Invalid {
            field,
            problem: Problem::new("error-protection-list-too-long")
                .arg("max", MAX_LIST.to_string()),
        });
    }
    Ok(())
}

/// Checks and normalises a rule's settings for `repo`.
async fn validate(db: &Db, repo: &Repo, mut s: Settings) -> Result<Settings> {
    if !(0..=MAX_APPROVALS).contains(&s.required_approvals) {
        return Err(Error::Invalid {
            field: "required_approvals",
            problem: Problem::new("error-protection-approvals")
                .arg("max", MAX_APPROVALS.to_string()),
        });
    }
    too_many("push_whitelist_usernames", &s.push_whitelist_usernames)?;
    too_many("push_whitelist_teams", &s.push_whitelist_teams)?;
    too_many("status_check_contexts", &s.status_check_contexts)?;
    let mut users = Vec::new();
    for name in &s.push_whitelist_usernames {
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        let Some(found) = user::by_name(db, name).await? else {
            return Err(Error::Invalid {
                field: "push_whitelist_usernames",
                problem: Problem::new("error-protection-user").arg("name", name),
            });
        };
        if !users.contains(&found.name) {
            users.push(found.name);
        }
    }
    s.push_whitelist_usernames = users;
    let mut teams = Vec::new();
    for team in &s.push_whitelist_teams {
        if team.trim().is_empty() {
            continue;
        }
        // The "teams" of an organisation are its roles that may write.
        let role = Role::parse(team).ok().filter(|r| r.maintains());
        let Some(role) = role.filter(|_| repo.owner_is_org) else {
            return Err(Error::Invalid {
                field: "push_whitelist_teams",
                problem: Problem::new("error-protection-team").arg("name", team.trim()),
            });
        };
        if !teams.contains(&role.as_str().to_string()) {
            teams.push(role.as_str().to_string());
        }
    }
    s.push_whitelist_teams = teams;
    let mut contexts = Vec::new();
    for context in &s.status_check_contexts {
        let context = context.trim();
        if context.is_empty() {
            continue;
        }
        if context.chars().count() > 255 || context.chars().any(|c| c.is_control()) {
            return Err(Error::invalid(
                "status_check_contexts",
                "error-protection-context",
            ));
        }
        if !contexts.iter().any(|c| c == context) {
            contexts.push(context.to_string());
        }
    }
    s.status_check_contexts = contexts;
    Ok(s)
}

fn list_of(row: &AnyRow, column: &str) -> Result<Vec<String>> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text)
        .map_err(|e| Error::Internal(format!("reading {column} of a branch protection: {e}")))
}

fn to_text(list: &[String]) -> String {
    serde_json::Value::from(list).to_string()
}

fn from_row(row: &AnyRow) -> Result<Protection> {
    let flag = |name: &str| -> Result<bool> { Ok(row.try_get::<i64, _>(name)? != 0) };
    Ok(Protection {
        id: row.try_get("id")?,
        repo_id: RepoId(row.try_get("repo_id")?),
        rule_name: row.try_get("rule_name")?,
        settings: Settings {
            enable_push: flag("enable_push")?,
            enable_push_whitelist: flag("enable_push_whitelist")?,
            push_whitelist_usernames: list_of(row, "push_whitelist_usernames")?,
            push_whitelist_teams: list_of(row, "push_whitelist_teams")?,
            enable_force_push: flag("enable_force_push")?,
            required_approvals: row.try_get("required_approvals")?,
            dismiss_stale_approvals: flag("dismiss_stale_approvals")?,
            block_on_rejected_reviews: flag("block_on_rejected_reviews")?,
            enable_status_check: flag("enable_status_check")?,
            status_check_contexts: list_of(row, "status_check_contexts")?,
        },
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

macro_rules! select_rule {
    ($filter:literal) => {
        concat!(
            "SELECT id, repo_id, rule_name, enable_push, enable_push_whitelist, \
             push_whitelist_usernames, push_whitelist_teams, enable_force_push, required_approvals, \
             dismiss_stale_approvals, block_on_rejected_reviews, enable_status_check, \
             status_check_contexts, created_at, updated_at FROM branch_protections ",
            $filter
        )
    };
}

/// The rules of `repo`, most specific first.
pub async fn list(db: &Db, repo: RepoId) -> Result<Vec<Protection>> {
    let rows = sqlx::query(select_rule!("WHERE repo_id = $1"))
        .bind(repo.0)
        .fetch_all(db.pool())
        .await?;
    let mut rules = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    sort_by_specificity(&mut rules);
    Ok(rules)
}

/// The rule of `repo` named `rule_name`.
pub async fn get(db: &Db, repo: RepoId, rule_name: &str) -> Result<Option<Protection>> {
    let row = sqlx::query(select_rule!("WHERE repo_id = $1 AND rule_name = $2"))
        .bind(repo.0)
        .bind(rule_name)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The rule that protects `branch` of `repo`, if one does.
pub async fn for_branch(db: &Db, repo: RepoId, branch: &str) -> Result<Option<Protection>> {
    let rules = list(db, repo).await?;
    Ok(rule_for(&rules, branch).cloned())
}

async fn must_administer(db: &Db, actor: &User, repo: &Repo) -> Result<()> {
    match repo::access(db, Some(actor), repo).await? {
        Access::None => Err(Error::not_found("error-repo-not-found")),
        Access::Admin => Ok(()),
        _ => Err(Error::forbidden("error-protection-admins-only")),
    }
}

fn payload(rule: &str, s: &Settings) -> serde_json::Value {
    json!({
        "rule_name": rule,
        "enable_push": s.enable_push,
        "enable_push_whitelist": s.enable_push_whitelist,
        "push_whitelist_usernames": s.push_whitelist_usernames,
        "push_whitelist_teams": s.push_whitelist_teams,
        "enable_force_push": s.enable_force_push,
        "required_approvals": s.required_approvals,
        "dismiss_stale_approvals": s.dismiss_stale_approvals,
        "block_on_rejected_reviews": s.block_on_rejected_reviews,
        "enable_status_check": s.enable_status_check,
        "status_check_contexts": s.status_check_contexts,
    })
}

/// Adds a rule for the pattern `rule_name` to `repo`; administrators only.
pub async fn create(
    db: &Db,
    actor: &User,
    repo: &Repo,
    rule_name: &str,
    settings: Settings,
) -> Result<Protection> {
    must_administer(db, actor, repo).await?;
    let rule_name = validate_pattern(rule_name)?;
    let s = validate(db, repo, settings).await?;
    if get(db, repo.id, &rule_name).await?.is_some() {
        return Err(Error::conflict(
            Some("rule_name"),
            "error-protection-exists",
        ));
    }
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO branch_protections (repo_id, rule_name, enable_push, enable_push_whitelist, \
         push_whitelist_usernames, push_whitelist_teams, enable_force_push, required_approvals, \
         dismiss_stale_approvals, block_on_rejected_reviews, enable_status_check, \
         status_check_contexts, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
    )
    .bind(repo.id.0)
    .bind(&rule_name)
    .bind(i64::from(s.enable_push))
    .bind(i64::from(s.enable_push_whitelist))
    .bind(to_text(&s.push_whitelist_usernames))
    .bind(to_text(&s.push_whitelist_teams))
    .bind(i64::from(s.enable_force_push))
    .bind(s.required_approvals)
    .bind(i64::from(s.dismiss_stale_approvals))
    .bind(i64::from(s.block_on_rejected_reviews))
    .bind(i64::from(s.enable_status_check))
    .bind(to_text(&s.status_check_contexts))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    outbox::record_change(
        &mut tx,
        event::BRANCH_PROTECTION_SET,
        actor.id,
        repo.id,
        None,
        payload(&rule_name, &s),
    )
    .await?;
    tx.commit().await?;
    Ok(Protection {
        id,
        repo_id: repo.id,
        rule_name,
        settings: s,
        created_at: now,
        updated_at: now,
    })
}

/// Changes the rule `rule_name` of `repo`; administrators only.
pub async fn update(
    db: &Db,
    actor: &User,
    repo: &Repo,
    rule_name: &str,
    changes: Changes,
) -> Result<Protection> {
    must_administer(db, actor, repo).await?;
    let current = get(db, repo.id, rule_name)
        .await?
        .ok_or_else(|| Error::not_found("error-protection-not-found"))?;
    let s = validate(db, repo, changes.apply(current.settings.clone())).await?;
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    sqlx::query(
        "UPDATE branch_protections SET enable_push = $1, enable_push_whitelist = $2, \
         push_whitelist_usernames = $3, push_whitelist_teams = $4, enable_force_push = $5, \
         required_approvals = $6, dismiss_stale_approvals = $7, block_on_rejected_reviews = $8, \
         enable_status_check = $9, status_check_contexts = $10, updated_at = $11 WHERE id = $12",
    )
    .bind(i64::from(s.enable_push))
    .bind(i64::from(s.enable_push_whitelist))
    .bind(to_text(&s.push_whitelist_usernames))
    .bind(to_text(&s.push_whitelist_teams))
    .bind(i64::from(s.enable_force_push))
    .bind(s.required_approvals)
    .bind(i64::from(s.dismiss_stale_approvals))
    .bind(i64::from(s.block_on_rejected_reviews))
    .bind(i64::from(s.enable_status_check))
    .bind(to_text(&s.status_check_contexts))
    .bind(now)
    .bind(current.id)
    .execute(&mut *tx)
    .await?;
    outbox::record_change(
        &mut tx,
        event::BRANCH_PROTECTION_SET,
        actor.id,
        repo.id,
        None,
        payload(&current.rule_name, &s),
    )
    .await?;
    tx.commit().await?;
    Ok(Protection {
        settings: s,
        updated_at: now,
        ..current
    })
}

/// Removes the rule `rule_name` of `repo`; administrators only.
pub async fn delete(db: &Db, actor: &User, repo: &Repo, rule_name: &str) -> Result<()> {
    must_administer(db, actor, repo).await?;
    let mut tx = db.pool().begin().await?;
    let removed =
        sqlx::query("DELETE FROM branch_protections WHERE repo_id = $1 AND rule_name = $2")
            .bind(repo.id.0)
            .bind(rule_name)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if removed == 0 {
        return Err(Error::not_found("error-protection-not-found"));
    }
    outbox::record_change(
        &mut tx,
        event::BRANCH_PROTECTION_DELETED,
        actor.id,
        repo.id,
        None,
        json!({"rule_name": rule_name}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether `user` is on the rule's allowlist (by name, or by their role in
/// the organisation that owns `repo`).
async fn listed(db: &Db, rule: &Protection, repo: &Repo, user: Option<&User>) -> Result<bool> {
    let Some(user) = user else {
        return Ok(false);
    };
    let s = &rule.settings;
    if s.push_whitelist_usernames.contains(&user.name) {
        return Ok(true);
    }
    if !repo.owner_is_org || s.push_whitelist_teams.is_empty() {
        return Ok(false);
    }
    let role = org::role_of(db, OrgId(repo.owner_id.0), user.id).await?;
    Ok(role.is_some_and(|r| s.push_whitelist_teams.iter().any(|t| t == r.as_str())))
}

/// Whether `pusher` (already known to have write access) may push to a
/// branch this rule protects. `None` is a deploy key or no one: never
/// listed.
pub async fn may_push(
    db: &Db,
    rule: &Protection,
    repo: &Repo,
    pusher: Option<&User>,
) -> Result<bool> {
    if !rule.settings.enable_push {
        return Ok(false);
    }
    if !rule.settings.enable_push_whitelist {
        return Ok(true);
    }
    listed(db, rule, repo, pusher).await
}

/// Whether `merger` (already known to have write access) may merge into a
/// branch this rule protects: the allowlist, when it is on, holds for
/// merges too; a rule that forbids every push still lets pull requests
/// merge.
pub async fn may_merge(db: &Db, rule: &Protection, repo: &Repo, merger: &User) -> Result<bool> {
    if !rule.settings.enable_push_whitelist {
        return Ok(true);
    }
    listed(db, rule, repo, Some(merger)).await
}

/// Why a pull request may not merge yet under `rule`: each unmet
/// requirement as a catalogue message, none when it may. `head` is the pull
/// request's current head commit, whose statuses are read in `repo` (the
/// base repository).
pub async fn merge_blockers(
    db: &Db,
    rule: &Protection,
    repo: &Repo,
    pull: IssueId,
    head: &str,
    merger: Option<&User>,
) -> Result<Vec<Problem>> {
    let s = &rule.settings;
    let mut blockers = Vec::new();
    if let Some(merger) = merger
        && !may_merge(db, rule, repo, merger).await?
    {
        blockers.push(Problem::new("error-protected-merge-forbidden").arg("rule", &rule.rule_name));
    }
    if s.required_approvals > 0 {
        let on_commit = s.dismiss_stale_approvals.then_some(head);
        let given = review::approvers(db, repo, pull, on_commit).await?.len();
        let given = i64::try_from(given).unwrap_or(i64::MAX);
        if given < s.required_approvals {
            blockers.push(
                Problem::new("error-protected-approvals")
                    .arg("required", s.required_approvals.to_string())
                    .arg("given", given.to_string()),
            );
        }
    }
    if s.block_on_rejected_reviews && review::changes_requested(db, pull).await? {
        blockers.push(Problem::new("error-protected-changes-requested"));
    }
    if s.enable_status_check {
        let (_, latest) = commit_status::combined(db, repo.id, head).await?;
        for pattern in &s.status_check_contexts {
            let matching: Vec<_> = latest
                .iter()
                .filter(|st| glob_match(pattern, &st.context))
                .collect();
            if matching.is_empty() || matching.iter().any(|st| st.state != State::Success) {
                blockers.push(Problem::new("error-protected-status").arg("context", pattern));
            }
        }
    }
    Ok(blockers)
}

/// After `branch` of `head_repo` moved to `new_commit`: dismisses the
/// approvals given on older commits of the open pull requests it heads,
/// where the rule protecting their base says so. Returns how many.
pub async fn dismiss_stale(
    db: &Db,
    head_repo: RepoId,
    branch: &str,
    new_commit: &str,
) -> Result<u64> {
    let rows = sqlx::query(
        "SELECT p.issue_id, p.repo_id, p.base_branch FROM pull_requests p \
         JOIN issues i ON i.id = p.issue_id \
         WHERE p.head_repo_id = $1 AND p.head_branch = $2 AND p.merged_at IS NULL AND i.is_closed = 0",
    )
    .bind(head_repo.0)
    .bind(branch)
    .fetch_all(db.pool())
    .await?;
    let mut dismissed = 0;
    for row in rows {
        let pull = IssueId(row.try_get("issue_id")?);
        let base = RepoId(row.try_get("repo_id")?);
        let base_branch: String = row.try_get("base_branch")?;
        if let Some(rule) = for_branch(db, base, &base_branch).await?
            && rule.settings.dismiss_stale_approvals
        {
            dismissed += review::dismiss_stale_approvals(db, pull, new_commit).await?;
        }
    }
    Ok(dismissed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo::NewRepo;
    use crate::testing;

    #[test]
    fn globs_match_as_a_shell_case_does() {
        assert!(glob_match("main", "main"));
        assert!(!glob_match("main", "main2"));
        assert!(glob_match("release/*", "release/1.0"));
        assert!(glob_match("release/*", "release/1/2"));
        assert!(!glob_match("release/*", "releases/1"));
        assert!(glob_match("v?", "v1"));
        assert!(!glob_match("v?", "v10"));
        assert!(glob_match("*", "anything/at/all"));
        assert!(glob_match("*-stable", "2.0-stable"));
    }

    fn rule(name: &str) -> Protection {
        Protection {
            id: 0,
            repo_id: RepoId(1),
            rule_name: name.into(),
            settings: Settings::default(),
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn the_most_specific_rule_applies() {
        let mut rules = vec![rule("*"), rule("release/*"), rule("release/1.0")];
        sort_by_specificity(&mut rules);
        let name = |b: &str| rule_for(&rules, b).map(|r| r.rule_name.clone());
        assert_eq!(name("release/1.0").as_deref(), Some("release/1.0"));
        assert_eq!(name("release/2.0").as_deref(), Some("release/*"));
        assert_eq!(name("main").as_deref(), Some("*"));
    }

    #[tokio::test]
    async fn administrators_manage_valid_rules() {
        for db in testing::engines().await {
            let alice = testing::user(&db, "alice").await;
            let bob = testing::user(&db, "bob").await;
            let new = NewRepo {
                name: "tool".into(),
                ..NewRepo::default()
            };
            let repo = repo::create(&db, &alice, "alice", new, async |_: &Repo| Ok(()))
                .await
                .unwrap();
            let settings = Settings {
                enable_push: true,
                enable_push_whitelist: true,
                push_whitelist_usernames: vec!["bob".into(), " bob ".into()],
                required_approvals: 1,
                ..Settings::default()
            };
            let refused = create(&db, &bob, &repo, "main", settings.clone()).await;
            assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
            let bad = create(&db, &alice, &repo, "ma in", settings.clone()).await;
            assert!(matches!(bad, Err(Error::Invalid { .. })), "{bad:?}");
            let team = Settings {
                push_whitelist_teams: vec!["maintainer".into()],
                ..settings.clone()
            };
            let no_team = create(&db, &alice, &repo, "main", team).await;
            assert!(matches!(no_team, Err(Error::Invalid { .. })), "{no_team:?}");

            let made = create(&db, &alice, &repo, "main", settings.clone())
                .await
                .unwrap();
            assert_eq!(made.settings.push_whitelist_usernames, vec!["bob"]);
            let twice = create(&db, &alice, &repo, "main", settings).await;
            assert!(matches!(twice, Err(Error::Conflict { .. })), "{twice:?}");
            assert!(may_push(&db, &made, &repo, Some(&bob)).await.unwrap());
            assert!(!may_push(&db, &made, &repo, Some(&alice)).await.unwrap());

            let changes = Changes {
                enable_push_whitelist: Some(false),
                required_approvals: Some(2),
                ..Changes::default()
            };
            let changed = update(&db, &alice, &repo, "main", changes).await.unwrap();
            assert_eq!(changed.settings.required_approvals, 2);
            assert!(may_push(&db, &changed, &repo, Some(&alice)).await.unwrap());
            assert_eq!(
                for_branch(&db, repo.id, "main").await.unwrap(),
                Some(changed)
            );
            assert_eq!(for_branch(&db, repo.id, "dev").await.unwrap(), None);
            delete(&db, &alice, &repo, "main").await.unwrap();
            assert!(list(&db, repo.id).await.unwrap().is_empty());
            let gone = delete(&db, &alice, &repo, "main").await;
            assert!(matches!(gone, Err(Error::NotFound(_))), "{gone:?}");
        }
    }
}
