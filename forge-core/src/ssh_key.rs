//! SSH public keys: each user's own keys, and deploy keys that give one
//! repository read-only or read-write access without an account.
//!
//! A key is an OpenSSH public key line (`ssh-ed25519 AAAA… comment`),
//! stored in its canonical form (algorithm and base64, no comment) with its
//! SHA-256 fingerprint (`SHA256:…`, as `ssh-keygen -l` prints it). A
//! fingerprint is unique across both kinds, so a key names exactly one
//! account or one repository: the SSH server finds who is calling by the
//! fingerprint of the key the client proved it holds. Weak keys (DSA, RSA
//! under 2048 bits) and kinds the server cannot verify are refused.

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Problem, Result};
use crate::ids::{RepoId, SshKeyId, UserId};
use crate::outbox::{self, NewEvent, kind};
use crate::repo::{self, Access, Repo};
use crate::user::{self, User};
use ::ssh_key::public::KeyData;
use ::ssh_key::{HashAlg, PublicKey};
use serde_json::json;
use sqlx::Row;

/// The smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: u32 = 2048;

/// Who a key lets in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOwner {
    /// One of a user's keys: it acts as the user.
    User(UserId),
    /// A deploy key of one repository, read-only unless `can_write`.
    Deploy { repo: RepoId, can_write: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshKey {
    pub id: SshKeyId,
    pub owner: KeyOwner,
    pub title: String,
    /// The canonical public key: algorithm and base64, no comment.
    pub public_key: String,
    /// `SHA256:` and the unpadded base64 digest, as OpenSSH prints it.
    pub fingerprint: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl SshKey {
    /// The key's algorithm name (`ssh-ed25519`, `ssh-rsa`, …).
    pub fn algorithm(&self) -> &str {
        self.public_key.split(' ').next().unwrap_or_default()
    }

    pub fn read_only(&self) -> bool {
        !matches!(
            self.owner,
            KeyOwner::User(_)
                | KeyOwner::Deploy {
                    can_write: true,
                    ..
                }
        )
    }
}

/// A public key line that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedKey {
    pub public_key: String,
    pub fingerprint: String,
    /// The comment at the end of the line, if any (a default title).
    pub comment: String,
}

/// The SHA-256 fingerprint of `key`, as OpenSSH prints it.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// Reads one OpenSSH public key line and checks that the key is one the
/// forge accepts.
pub fn parse(text: &str) -> Result<ParsedKey> {
    let line = text.trim();
    if line.is_empty() {
        return Err(Error::invalid("key", "error-ssh-key-empty"));
    }
    if line.lines().count() > 1 {
        return Err(Error::invalid("key", "error-ssh-key-one-line"));
    }
    if line.len() > 16 * 1024 {
        return Err(Error::Invalid {
            field: "key",
            problem: Problem::new("error-text-too-long").arg("max", "16384"),
        });
    }
    let key = PublicKey::from_openssh(line)
        .map_err(|_| Error::invalid("key", "error-ssh-key-invalid"))?;
    match key.key_data() {
        KeyData::Ed25519(_) | KeyData::Ecdsa(_) => {}
        KeyData::Rsa(rsa) => {
            let bits = rsa.n().as_positive_bytes().map_or(0, |bytes| {
                let first = bytes.first().copied().unwrap_or(0);
                (bytes.len() as u32) * 8 - first.leading_zeros()
            });
            if bits < MIN_RSA_BITS {
                return Err(Error::Invalid {
                    field: "key",
                    problem: Problem::new("error-ssh-key-rsa-short")
                        .arg("bits", bits.to_string())
                        .arg("min", MIN_RSA_BITS.to_string()),
                });
            }
        }
        KeyData::Dsa(_) => return Err(Error::invalid("key", "error-ssh-key-dsa")),
        _ => {
            return Err(Error::Invalid {
                field: "key",
                problem: Problem::new("error-ssh-key-algorithm")
                    .arg("algorithm", key.algorithm().as_str().to_string()),
            });
        }
    }
    let comment = key.comment().as_str_lossy().trim().to_string();
    let mut canonical = key.clone();
    canonical.set_comment("");
    let public_key = canonical
        .to_openssh()
        .map_err(|e| Error::Internal(format!("encoding a public key failed: {e}")))?
        .trim()
        .to_string();
    Ok(ParsedKey {
        public_key,
        fingerprint: fingerprint(&key),
        comment,
    })
}

/// The title given, or else the key's comment; checked like token names.
fn title_of(title: &str, parsed: &ParsedKey) -> Result<String> {
    let title = match title.trim() {
        "" => parsed.comment.as_str(),
        given => given,
    };
    if title.is_empty() {
        return Err(Error::invalid("title", "error-ssh-key-title-empty"));
    }
    if title
        .chars()
        .any(|c| c.is_control() || crate::names::is_bidi_control(c))
    {
        return Err(Error::invalid("title", "error-ssh-key-title-characters"));
    }
    if title.chars().count() > 100 {
        return Err(Error::Invalid {
            field: "title",
            problem: Problem::new("error-text-too-long").arg("max", "100"),
        });
    }
    Ok(title.to_string())
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<SshKey> {
    let user: Option<i64> = row.try_get("user_id")?;
    let repo: Option<i64> = row.try_get("repo_id")?;
    let can_write: i64 = row.try_get("can_write")?;
    let owner = match (user, repo) {
        (Some(user), _) => KeyOwner::User(UserId(user)),
        (None, Some(repo)) => KeyOwner::Deploy {
            repo: RepoId(repo),
            can_write: can_write != 0,
        },
        (None, None) => return Err(Error::Internal("an SSH key without an owner".into())),
    };
    Ok(SshKey {
        id: SshKeyId(row.try_get("id")?),
        owner,
        title: row.try_get("title")?,
        public_key: row.try_get("public_key")?,
        fingerprint: row.try_get("fingerprint")?,
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
    })
}

/// Stores a new key and its event, in one transaction.
async fn insert(db: &Db, actor: &User, owner: KeyOwner, title: &str, text: &str) -> Result<SshKey> {
    let parsed = parse(text)?;
    let title = title_of(title, &parsed)?;
    let (user, repo, can_write) = match owner {
        KeyOwner::User(user) => (Some(user.0), None, false),
        KeyOwner::Deploy { repo, can_write } => (None, Some(repo.0), can_write),
    };
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO ssh_keys (user_id, repo_id, can_write, title, public_key, fingerprint, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(user)
    .bind(repo)
    .bind(i64::from(can_write))
    .bind(&title)
    .bind(&parsed.public_key)
    .bind(&parsed.fingerprint)
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(Error::from);
    let id = match inserted {
        Ok(row) => SshKeyId(row.try_get("id")?),
        Err(e) if e.is_unique_violation() => {
            return Err(Error::conflict(Some("key"), "error-ssh-key-taken"));
        }
        Err(e) => return Err(e),
    };
    let (event_kind, payload) = match owner {
        KeyOwner::User(user) => (
            kind::SSH_KEY_ADDED,
            json!({"key": id, "user": user, "fingerprint": parsed.fingerprint}),
        ),
        KeyOwner::Deploy { can_write, .. } => (
            kind::DEPLOY_KEY_ADDED,
            json!({"key": id, "fingerprint": parsed.fingerprint, "read_only": !can_write}),
        ),
    };
    outbox::record(
        &mut tx,
        NewEvent {
            kind: event_kind,
            actor: Some(actor.id.into()),
            repo: repo.map(RepoId),
            issue: None,
            payload,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(SshKey {
        id,
        owner,
        title,
        public_key: parsed.public_key,
        fingerprint: parsed.fingerprint,
        created_at: now,
        last_used_at: None,
    })
}

/// Deletes a key found by `select` and records its event.
async fn remove(db: &Db, actor: &User, key: &SshKey) -> Result<()> {
    let mut tx = db.pool().begin().await?;
    let deleted = sqlx::query("DELETE FROM ssh_keys WHERE id = $1")
        .bind(key.id.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if deleted == 0 {
        return Err(Error::not_found("error-ssh-key-not-found"));
    }
    let (event_kind, repo, payload) = match key.owner {
        KeyOwner::User(user) => (
            kind::SSH_KEY_REMOVED,
            None,
            json!({"key": key.id, "user": user, "fingerprint": key.fingerprint}),
        ),
        KeyOwner::Deploy { repo, .. } => (
            kind::DEPLOY_KEY_REMOVED,
            Some(repo),
            json!({"key": key.id, "fingerprint": key.fingerprint}),
        ),
    };
    outbox::record(
        &mut tx,
        NewEvent {
            kind: event_kind,
            actor: Some(actor.id.into()),
            repo,
            issue: None,
            payload,
        },
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes every key of `user`'s own, with their events, in the caller's
/// transaction (closing the account). Deploy keys belong to their
/// repositories and stay.
pub(crate) async fn remove_all_of_user(
    tx: &mut outbox::Tx<'_>,
    user: UserId,
    at: i64,
) -> Result<()> {
    let keys = sqlx::query("SELECT id, fingerprint FROM ssh_keys WHERE user_id = $1 ORDER BY id")
        .bind(user.0)
        .fetch_all(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM ssh_keys WHERE user_id = $1")
        .bind(user.0)
        .execute(&mut **tx)
        .await?;
    for row in keys {
        let id: i64 = row.try_get("id")?;
        let fingerprint: String = row.try_get("fingerprint")?;
        outbox::record(
            tx,
            NewEvent {
                kind: kind::SSH_KEY_REMOVED,
                actor: Some(user.into()),
                repo: None,
                issue: None,
                payload: json!({"key": id, "user": user, "fingerprint": fingerprint}),
            },
            at,
        )
        .await?;
    }
    Ok(())
}

/// Whether `actor` may manage `owner`'s keys: themselves, or an admin.
fn require_self_or_admin(actor: &User, owner: UserId) -> Result<()> {
    if actor.id == owner || actor.is_admin {
        Ok(())
    } else {
        Err(Error::forbidden("error-ssh-key-not-yours"))
    }
}

/// Adds a key to `owner`'s account (`actor` is the owner or an admin). An
/// empty `title` takes the key's comment.
pub async fn add_user_key(
    db: &Db,
    actor: &User,
    owner: UserId,
    title: &str,
    text: &str,
) -> Result<SshKey> {
    require_self_or_admin(actor, owner)?;
    insert(db, actor, KeyOwner::User(owner), title, text).await
}

/// `user`'s keys, oldest first.
pub async fn list_user_keys(db: &Db, user: UserId) -> Result<Vec<SshKey>> {
    let rows = sqlx::query(
        "SELECT id, user_id, repo_id, can_write, title, public_key, fingerprint, \
         created_at, last_used_at FROM ssh_keys WHERE user_id = $1 ORDER BY id",
    )
    .bind(user.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// One of `user`'s keys; another account's key is "not found".
pub async fn user_key(db: &Db, user: UserId, id: SshKeyId) -> Result<SshKey> {
    let row = sqlx::query(
        "SELECT id, user_id, repo_id, can_write, title, public_key, fingerprint, \
         created_at, last_used_at FROM ssh_keys WHERE id = $1 AND user_id = $2",
    )
    .bind(id.0)
    .bind(user.0)
    .fetch_optional(db.pool())
    .await?;
    match row {
        Some(row) => from_row(&row),
        None => Err(Error::not_found("error-ssh-key-not-found")),
    }
}

/// Deletes one of `owner`'s keys (`actor` is the owner or an admin).
pub async fn delete_user_key(db: &Db, actor: &User, owner: UserId, id: SshKeyId) -> Result<()> {
    require_self_or_admin(actor, owner)?;
    let key = user_key(db, owner, id).await?;
    remove(db, actor, &key).await
}

/// Deploy keys are managed by whoever administers the repository; others
/// who may see it are refused, the rest get "not found".
async fn require_repo_admin(db: &Db, actor: &User, repo: &Repo) -> Result<()> {
    match repo::access(db, Some(actor), repo).await? {
        Access::Admin => Ok(()),
        Access::None => Err(Error::not_found("error-repo-not-found")),
        _ => Err(Error::forbidden("error-deploy-key-not-admin")),
    }
}

/// Adds a deploy key to `repo`, read-only unless `can_write`.
pub async fn add_deploy_key(
    db: &Db,
    actor: &User,
    repo: &Repo,
    title: &str,
    text: &str,
    can_write: bool,
) -> Result<SshKey> {
    require_repo_admin(db, actor, repo).await?;
    let owner = KeyOwner::Deploy {
        repo: repo.id,
        can_write,
    };
    insert(db, actor, owner, title, text).await
}

/// `repo`'s deploy keys, oldest first, for its administrators.
pub async fn list_deploy_keys(db: &Db, actor: &User, repo: &Repo) -> Result<Vec<SshKey>> {
    require_repo_admin(db, actor, repo).await?;
    let rows = sqlx::query(
        "SELECT id, user_id, repo_id, can_write, title, public_key, fingerprint, \
         created_at, last_used_at FROM ssh_keys WHERE repo_id = $1 ORDER BY id",
    )
    .bind(repo.id.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// One of `repo`'s deploy keys, for its administrators.
pub async fn deploy_key(db: &Db, actor: &User, repo: &Repo, id: SshKeyId) -> Result<SshKey> {
    require_repo_admin(db, actor, repo).await?;
    let row = sqlx::query(
        "SELECT id, user_id, repo_id, can_write, title, public_key, fingerprint, \
         created_at, last_used_at FROM ssh_keys WHERE id = $1 AND repo_id = $2",
    )
    .bind(id.0)
    .bind(repo.id.0)
    .fetch_optional(db.pool())
    .await?;
    match row {
        Some(row) => from_row(&row),
        None => Err(Error::not_found("error-ssh-key-not-found")),
    }
}

pub async fn delete_deploy_key(db: &Db, actor: &User, repo: &Repo, id: SshKeyId) -> Result<()> {
    let key = deploy_key(db, actor, repo, id).await?;
    remove(db, actor, &key).await
}

/// Who presented a key, as the SSH server learns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyHolder {
    User {
        key: SshKeyId,
        user: User,
    },
    Deploy {
        key: SshKeyId,
        /// The key's title, which names a push made with it.
        title: String,
        repo: RepoId,
        can_write: bool,
    },
}

/// Who holds the key with this fingerprint: a user whose account is open,
/// or a repository's deploy key. Marks the key as used.
pub async fn authenticate(db: &Db, fingerprint: &str) -> Result<Option<KeyHolder>> {
    let row = sqlx::query(
        "SELECT k.id, k.title, k.user_id, k.repo_id, k.can_write FROM ssh_keys k \
         LEFT JOIN users u ON u.id = k.user_id \
         WHERE k.fingerprint = $1 AND (k.user_id IS NULL OR u.deleted_at IS NULL)",
    )
    .bind(fingerprint)
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let key = SshKeyId(row.try_get("id")?);
    let user_id: Option<i64> = row.try_get("user_id")?;
    let repo_id: Option<i64> = row.try_get("repo_id")?;
    let can_write: i64 = row.try_get("can_write")?;
    let holder = match (user_id, repo_id) {
        (Some(user_id), _) => match user::by_id(db, UserId(user_id)).await? {
            Some(user) => KeyHolder::User { key, user },
            None => return Ok(None),
        },
        (None, Some(repo)) => KeyHolder::Deploy {
            key,
            title: row.try_get("title")?,
            repo: RepoId(repo),
            can_write: can_write != 0,
        },
        (None, None) => return Ok(None),
    };
    sqlx::query("UPDATE ssh_keys SET last_used_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(key.0)
        .execute(db.pool())
        .await?;
    Ok(Some(holder))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO/b3qfXCgTwX36QMjjWDp8H0suzqmZVyT3dCSOxxIB4 me@laptop";
    const RSA_1024: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC5aUM9+ACFj1SYt3BuX6lT7VgEgYSUtOEIwKusu1IGpe88rmAGWo8gsSuJbNnsxwQCnHk6xwuLx+UOxIWLcFNhysOn0zF25oZbnuTty54GDMLm3CZmMYULNk9Yg8tbC5joXDK5Gyybp8Qc72Ei9J2EQtUWS8cZdDYUka3IhH5aLw== short";
    const DSA: &str = "ssh-dss AAAAB3NzaC1kc3MAAACAEdcTMJnhV+tmLqKtHvFbFr2kg2C4MA51wLwsM7s9mkGImAigBq71pzuXgzpD+UZVXw32o81Vc7IWrKPxogw3A3+0ZJnwuQ7Cis/L4wI5FMaowdBrdleSEBwCZBhM7s6ylxHR1zyQ9eIRtSRgI4psZC3ma9YFknX8fXq8cC0iQBsAAAAUEb88puqho1JBeHmCKy/qsRSItk8AAACAEZ75CM/gXtIH2myVYdQuA87rrrwFXp20LsdJcP4VhKy1c9QxfWhtH9pL8J8Bbok9lKJ6U3jRXhJz4FusndOUI0I2dCf3hFSXSFTqMhMedwZ7p6RV+NRvtCr/JOKwZaa/Ga8OritebVS36nS2BZa2S3M8SKFPeduhw7/OwNsUrvIAAACAEQN8cyV3HRMk9U5Q0Jvr8J9D+LDMNCUk1zcVw07VAaK6OnliBkkUZYHiXRGC3VEYuCD10MeMmiXPrVkP5qHKNn6TmLKHb4mIz0c+XJbrWgvJzo4uHzTB59T555OzN5hOT4UbzYPD/4dNhYf18zoS8FZkU3GmOYCIBsB17vuMHwk= old";

    fn problem_key(error: Error) -> &'static str {
        match error {
            Error::Invalid { problem, .. } => problem.key,
            other => panic!("not a validation error: {other}"),
        }
    }

    #[test]
    fn parses_and_fingerprints_an_ed25519_key_as_ssh_keygen_does() {
        let parsed = parse(&format!("  {ED25519}\n")).expect("a valid key");
        assert_eq!(
            parsed.public_key,
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO/b3qfXCgTwX36QMjjWDp8H0suzqmZVyT3dCSOxxIB4"
        );
        assert_eq!(parsed.comment, "me@laptop");
        // `ssh-keygen -lf` on the same key.
        assert_eq!(
            parsed.fingerprint,
            "SHA256:mOVyvpZu5qL3IXSsiI6ndjorWO4mPIoth6GlbUIh7ak"
        );
    }

    #[test]
    fn refuses_weak_keys() {
        assert_eq!(
            problem_key(parse(RSA_1024).expect_err("too short")),
            "error-ssh-key-rsa-short"
        );
        assert_eq!(
            problem_key(parse(DSA).expect_err("DSA")),
            "error-ssh-key-dsa"
        );
    }

    #[test]
    fn refuses_garbage_and_several_lines() {
        assert_eq!(
            problem_key(parse(" ").expect_err("empty")),
            "error-ssh-key-empty"
        );
        assert_eq!(
            problem_key(parse("ssh-ed25519 not-base64").expect_err("garbage")),
            "error-ssh-key-invalid"
        );
        assert_eq!(
            problem_key(parse(&format!("{ED25519}\n{ED25519}")).expect_err("two")),
            "error-ssh-key-one-line"
        );
        assert!(parse("hello").is_err());
    }
}
