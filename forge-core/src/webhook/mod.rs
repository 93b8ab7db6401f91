//! Webhooks: HTTP requests the forge sends to other programs (CI, chat
//! bots) when something happens in a repository, or in any repository of
//! an organisation.
//!
//! A hook has a target URL, a secret, a content type, the events it is
//! sent for, a branch filter ([`branch_filter`]) and an optional
//! `Authorization` header sent with each request. The secret and the
//! header are kept as given, because every request needs them ([`sign`]);
//! neither is shown back in full, nor logged. Who may manage
//! the hooks of a repository: its administrators; of an organisation: its
//! owners (and site administrators for both).
//!
//! What an event causes is written by the `webhooks` consumer of the
//! outbox ([`consume`]): one delivery row per hook and request; the
//! requests themselves are sent by `forge-service`'s delivery job, which
//! claims rows ([`delivery`]).

pub mod branch_filter;
pub mod consume;
pub mod delivery;

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Problem, Result};
use crate::ids::{OrgId, RepoId, WebhookId};
use crate::org::{self, Org, Role};
use crate::repo::{self, Access, Repo};
use crate::user::User;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

/// The events a hook may be sent for, as Gitea names them (`funding` is
/// the forge's own: every change of an issue's funding goal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HookEvent {
    Push,
    Create,
    Delete,
    Issues,
    IssueComment,
    /// Accepted so that Gitea's clients may ask for it; nothing sends it
    /// until the forge has pull requests.
    PullRequest,
    Funding,
}

impl HookEvent {
    pub const ALL: [HookEvent; 7] = [
        HookEvent::Push,
        HookEvent::Create,
        HookEvent::Delete,
        HookEvent::Issues,
        HookEvent::IssueComment,
        HookEvent::PullRequest,
        HookEvent::Funding,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HookEvent::Push => "push",
            HookEvent::Create => "create",
            HookEvent::Delete => "delete",
            HookEvent::Issues => "issues",
            HookEvent::IssueComment => "issue_comment",
            HookEvent::PullRequest => "pull_request",
            HookEvent::Funding => "funding",
        }
    }

    pub fn parse(text: &str) -> Option<HookEvent> {
        HookEvent::ALL
            .into_iter()
            .find(|e| e.as_str() == text.trim())
    }
}

/// How a payload is sent: a JSON body, or a form with one `payload` field
/// holding the JSON (as Gitea does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentType {
    Json,
    Form,
}

impl ContentType {
    pub fn as_str(self) -> &'static str {
        match self {
            ContentType::Json => "json",
            ContentType::Form => "form",
        }
    }

    pub fn parse(text: &str) -> Result<ContentType> {
        match text.trim() {
            "json" | "" => Ok(ContentType::Json),
            "form" => Ok(ContentType::Form),
            _ => Err(Error::invalid("content_type", "error-webhook-content-type")),
        }
    }
}

/// Whose hook it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Repo(RepoId),
    Org(OrgId),
}

/// A hook as stored. The secret is not in it: only the delivery job reads
/// it ([`secret_of`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    pub id: WebhookId,
    pub scope: Scope,
    pub url: String,
    pub has_secret: bool,
    /// The branches whose push, create and delete events it is sent for
    /// (Gitea's glob; `*` for all).
    pub branch_filter: String,
    /// The `Authorization` header it sends, masked ([`mask`]); empty for
    /// none.
    pub authorization_masked: String,
    pub content_type: ContentType,
    pub events: Vec<HookEvent>,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Hook {
    pub fn wants(&self, event: HookEvent) -> bool {
        self.events.contains(&event)
    }
}

/// What a hook is made of, when created or changed.
#[derive(Debug, Clone, Default)]
pub struct HookSettings {
    pub url: String,
    /// `None` keeps the stored secret (on a change); `Some("")` removes it.
    pub secret: Option<String>,
    pub content_type: String,
    pub events: Vec<String>,
    pub active: bool,
    /// `None` keeps the stored filter (on a change), `*` on creation.
    pub branch_filter: Option<String>,
    /// `None` keeps the stored header (on a change); `Some("")` removes
    /// it.
    pub authorization_header: Option<String>,
}

const MAX_URL: usize = 2048;
const MAX_SECRET: usize = 512;
const MAX_AUTHORIZATION: usize = 1024;

/// Checks an `Authorization` header's value: printable, on one line.
fn validate_authorization(value: &str) -> Result<String> {
    let value = value.trim();
    if value.len() > MAX_AUTHORIZATION {
        return Err(Error::Invalid {
            field: "authorization_header",
            problem: Problem::new("error-text-too-long").arg("max", MAX_AUTHORIZATION.to_string()),
        });
    }
    if value.chars().any(|c| c.is_control() || !c.is_ascii()) {
        return Err(Error::invalid(
            "authorization_header",
            "error-webhook-authorization",
        ));
    }
    Ok(value.to_string())
}

/// An `Authorization` header as it may be shown: its scheme (`Bearer`,
/// `Basic`, …) and a mask, never the credential.
pub fn mask(value: &str) -> String {
    if value.is_empty() {
        return String::new();
    }
    match value.split_once(' ') {
        Some((scheme, _)) if scheme.len() <= 20 => format!("{scheme} ********"),
        _ => "********".to_string(),
    }
}

/// Checks a target URL: `http` or `https`, a host, no credentials, no
/// spaces. Whether its address may be reached is decided at each delivery
/// (the name may resolve elsewhere later).
pub fn validate_url(raw: &str) -> Result<String> {
    let url = raw.trim();
    if url.len() > MAX_URL {
        return Err(Error::Invalid {
            field: "url",
            problem: Problem::new("error-text-too-long").arg("max", MAX_URL.to_string()),
        });
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| Error::invalid("url", "error-webhook-url"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty()
        || authority.contains('@')
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(Error::invalid("url", "error-webhook-url"));
    }
    Ok(url.to_string())
}

fn parse_events(raw: &[String]) -> Result<Vec<HookEvent>> {
    let mut events = Vec::new();
    for text in raw.iter().flat_map(|t| t.split(',')) {
        if text.trim().is_empty() {
            continue;
        }
        let event = HookEvent::parse(text)
            .ok_or_else(|| Error::invalid("events", "error-webhook-event"))?;
        if !events.contains(&event) {
            events.push(event);
        }
    }
    if events.is_empty() {
        return Err(Error::invalid("events", "error-webhook-no-event"));
    }
    events.sort();
    Ok(events)
}

fn events_text(events: &[HookEvent]) -> String {
    events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn validate_secret(secret: &str) -> Result<()> {
    if secret.len() > MAX_SECRET {
        return Err(Error::Invalid {
            field: "secret",
            problem: Problem::new("error-text-too-long").arg("max", MAX_SECRET.to_string()),
        });
    }
    Ok(())
}

/// Whether `actor` may manage the hooks of a repository (its
/// administrators).
pub async fn may_manage_repo(db: &Db, actor: &User, repo: &Repo) -> Result<bool> {
    Ok(repo::access(db, Some(actor), repo).await? >= Access::Admin)
}

/// Whether `actor` may manage the hooks of an organisation (its owners).
pub async fn may_manage_org(db: &Db, actor: &User, org: &Org) -> Result<bool> {
    if actor.is_admin {
        return Ok(true);
    }
    Ok(org::role_of(db, org.id, actor.id).await? == Some(Role::Owner))
}

/// The scope of a repository's hooks, when `actor` may manage them.
pub async fn repo_scope(db: &Db, actor: &User, repo: &Repo) -> Result<Scope> {
    if may_manage_repo(db, actor, repo).await? {
        Ok(Scope::Repo(repo.id))
    } else {
        Err(Error::forbidden("error-webhook-forbidden"))
    }
}

/// The scope of an organisation's hooks, when `actor` may manage them.
pub async fn org_scope(db: &Db, actor: &User, org: &Org) -> Result<Scope> {
    if may_manage_org(db, actor, org).await? {
        Ok(Scope::Org(org.id))
    } else {
        Err(Error::forbidden("error-webhook-forbidden"))
    }
}

macro_rules! select_hook {
    ($filter:literal) => {
        concat!(
            "SELECT id, repo_id, org_id, url, secret, content_type, events, is_active, \
             branch_filter, authorization_header, created_at, updated_at FROM webhooks ",
            $filter
        )
    };
}

fn from_row(row: &AnyRow) -> Result<Hook> {
    let scope = match (
        row.try_get::<Option<i64>, _>("repo_id")?,
        row.try_get::<Option<i64>, _>("org_id")?,
    ) {
        (Some(repo), _) => Scope::Repo(RepoId(repo)),
        (None, Some(org)) => Scope::Org(OrgId(org)),
        (None, None) => return Err(Error::Internal("a webhook has no owner".into())),
    };
    let events: String = row.try_get("events")?;
    Ok(Hook {
        id: WebhookId(row.try_get("id")?),
        scope,
        url: row.try_get("url")?,
        has_secret: !row.try_get::<String, _>("secret")?.is_empty(),
        branch_filter: row.try_get("branch_filter")?,
        authorization_masked: mask(&row.try_get::<String, _>("authorization_header")?),
        content_type: ContentType::parse(&row.try_get::<String, _>("content_type")?)?,
        events: events.split(',').filter_map(HookEvent::parse).collect(),
        active: row.try_get::<i64, _>("is_active")? != 0,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn scope_ids(scope: Scope) -> (Option<i64>, Option<i64>) {
    match scope {
        Scope::Repo(repo) => (Some(repo.0), None),
        Scope::Org(org) => (None, Some(org.0)),
    }
}

/// Creates a hook; the caller got `scope` from [`repo_scope`] or
/// [`org_scope`], which checked the actor.
pub async fn create(db: &Db, scope: Scope, settings: HookSettings) -> Result<Hook> {
    let url = validate_url(&settings.url)?;
    let secret = settings.secret.unwrap_or_default();
    validate_secret(&secret)?;
    let content_type = ContentType::parse(&settings.content_type)?;
    let events = parse_events(&settings.events)?;
    let filter = branch_filter::validate(settings.branch_filter.as_deref().unwrap_or_default())?;
    let authorization =
        validate_authorization(settings.authorization_header.as_deref().unwrap_or_default())?;
    let (repo, org) = scope_ids(scope);
    let now = now_ms();
    let row = sqlx::query(
        "INSERT INTO webhooks (repo_id, org_id, url, secret, content_type, events, is_active, \
         created_at, updated_at, branch_filter, authorization_header) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10) RETURNING id",
    )
    .bind(repo)
    .bind(org)
    .bind(&url)
    .bind(&secret)
    .bind(content_type.as_str())
    .bind(events_text(&events))
    .bind(i64::from(settings.active))
    .bind(now)
    .bind(&filter)
    .bind(&authorization)
    .fetch_one(db.pool())
    .await?;
    Ok(Hook {
        id: WebhookId(row.try_get("id")?),
        scope,
        url,
        has_secret: !secret.is_empty(),
        branch_filter: filter,
        authorization_masked: mask(&authorization),
        content_type,
        events,
        active: settings.active,
        created_at: now,
        updated_at: now,
    })
}

/// The hooks of `scope`, oldest first.
pub async fn list(db: &Db, scope: Scope) -> Result<Vec<Hook>> {
    let (repo, org) = scope_ids(scope);
    let rows = match (repo, org) {
        (Some(repo), _) => {
            sqlx::query(select_hook!("WHERE repo_id = $1 ORDER BY id"))
                .bind(repo)
                .fetch_all(db.pool())
                .await?
        }
        (None, org) => {
            sqlx::query(select_hook!("WHERE org_id = $1 ORDER BY id"))
                .bind(org)
                .fetch_all(db.pool())
                .await?
        }
    };
    rows.iter().map(from_row).collect()
}

/// Hook `id` of `scope`; a hook of another scope is not found.
pub async fn get(db: &Db, scope: Scope, id: WebhookId) -> Result<Hook> {
    let hook = by_id(db, id).await?;
    match hook {
        Some(hook) if hook.scope == scope => Ok(hook),
        _ => Err(Error::not_found("error-webhook-not-found")),
    }
}

/// Hook `id`, whoever owns it (for the delivery job).
pub async fn by_id(db: &Db, id: WebhookId) -> Result<Option<Hook>> {
    let row = sqlx::query(select_hook!("WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The `Authorization` header a hook's requests carry ("" for none). Only
/// the delivery job reads it; nothing shows it in full.
pub async fn authorization_of(db: &Db, id: WebhookId) -> Result<String> {
    let row = sqlx::query("SELECT authorization_header FROM webhooks WHERE id = $1")
        .bind(id.0)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| Error::not_found("error-webhook-not-found"))?;
    Ok(row.try_get("authorization_header")?)
}

/// The secret a hook's requests are signed with ("" for none). Only the
/// delivery job reads it; nothing shows it.
pub async fn secret_of(db: &Db, id: WebhookId) -> Result<String> {
    let row = sqlx::query("SELECT secret FROM webhooks WHERE id = $1")
        .bind(id.0)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| Error::not_found("error-webhook-not-found"))?;
    Ok(row.try_get("secret")?)
}

/// Changes hook `id` of `scope`.
pub async fn update(db: &Db, scope: Scope, id: WebhookId, settings: HookSettings) -> Result<Hook> {
    let before = get(db, scope, id).await?;
    let url = validate_url(&settings.url)?;
    if let Some(secret) = &settings.secret {
        validate_secret(secret)?;
    }
    let content_type = ContentType::parse(&settings.content_type)?;
    let events = parse_events(&settings.events)?;
    let filter = match &settings.branch_filter {
        Some(filter) => branch_filter::validate(filter)?,
        None => before.branch_filter.clone(),
    };
    let authorization = settings
        .authorization_header
        .as_deref()
        .map(validate_authorization)
        .transpose()?;
    let now = now_ms();
    sqlx::query(
        "UPDATE webhooks SET url = $1, secret = COALESCE($2, secret), content_type = $3, events = $4, \
         is_active = $5, updated_at = $6, branch_filter = $8, \
         authorization_header = COALESCE($9, authorization_header) WHERE id = $7",
    )
    .bind(&url)
    .bind(settings.secret.as_deref())
    .bind(content_type.as_str())
    .bind(events_text(&events))
    .bind(i64::from(settings.active))
    .bind(now)
    .bind(id.0)
    .bind(&filter)
    .bind(authorization.as_deref())
    .execute(db.pool())
    .await?;
    Ok(Hook {
        url,
        branch_filter: filter,
        authorization_masked: match &authorization {
            Some(value) => mask(value),
            None => before.authorization_masked.clone(),
        },
        has_secret: match &settings.secret {
            Some(secret) => !secret.is_empty(),
            None => before.has_secret,
        },
        content_type,
        events,
        active: settings.active,
        updated_at: now,
        ..before
    })
}

/// Deletes hook `id` of `scope`, with its delivery history.
pub async fn delete(db: &Db, scope: Scope, id: WebhookId) -> Result<()> {
    get(db, scope, id).await?;
    let mut tx = db.pool().begin().await?;
    sqlx::query("DELETE FROM webhook_deliveries WHERE hook_id = $1")
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM webhooks WHERE id = $1")
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The signature of a request body: hex HMAC-SHA256 keyed by the hook's
/// secret, as `X-Gitea-Signature` carries it (and, after `sha256=`,
/// `X-Hub-Signature-256`).
pub fn sign(secret: &str, body: &[u8]) -> String {
    // RFC 2104 over SHA-256 (64-byte blocks); written out because the
    // `hmac` crate of the workspace is of another `digest` generation than
    // `sha2`.
    const BLOCK: usize = 64;
    let mut key = [0u8; BLOCK];
    if secret.len() > BLOCK {
        key[..32].copy_from_slice(&Sha256::digest(secret.as_bytes()));
    } else {
        key[..secret.len()].copy_from_slice(secret.as_bytes());
    }
    let pad = |byte: u8| key.map(|k| k ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(body)
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    crate::secret::hex(&outer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_rfc_4231_hmac_sha256() {
        // RFC 4231, test case 2.
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // A key longer than a block is hashed first (checked with Python's hmac).
        assert_eq!(
            sign(&"k".repeat(100), b"hello"),
            "3fd578d761a4f6703009e92d2e8a0aea22ab9ab50d4ad250dc95d8c369dec3f5"
        );
    }

    #[test]
    fn urls_must_be_http_with_a_host_and_no_credentials() {
        assert!(validate_url("https://ci.example.org/hook").is_ok());
        assert!(validate_url(" http://127.0.0.1:8080 ").is_ok());
        for bad in [
            "",
            "ftp://x",
            "http://",
            "http:///path",
            "http://user:pw@host/",
            "http://host/a b",
            "javascript:alert(1)",
        ] {
            assert!(validate_url(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn events_are_parsed_deduplicated_and_refused_when_unknown_or_none() {
        let parsed = parse_events(&["issues,push".into(), "push".into()]).unwrap();
        assert_eq!(parsed, [HookEvent::Push, HookEvent::Issues]);
        assert!(parse_events(&["merge".into()]).is_err());
        assert!(parse_events(&[]).is_err());
    }
}
