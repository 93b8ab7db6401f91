//! Accounts: the namespace users and organisations share.

use crate::db::Db;
use crate::error::Result;
use crate::ids::AccountId;
use sqlx::Row;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountKind {
    User,
    Org,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    pub kind: AccountKind,
}

pub async fn by_name(db: &Db, name: &str) -> Result<Option<Account>> {
    let row = sqlx::query("SELECT id, name, kind FROM accounts WHERE name = $1")
        .bind(name.trim().to_lowercase())
        .fetch_optional(db.pool())
        .await?;
    of_row(row)
}

/// Account `id`, user or organisation.
pub async fn by_id(db: &Db, id: AccountId) -> Result<Option<Account>> {
    let row = sqlx::query("SELECT id, name, kind FROM accounts WHERE id = $1")
        .bind(id.0)
        .fetch_optional(db.pool())
        .await?;
    of_row(row)
}

fn of_row(row: Option<sqlx::any::AnyRow>) -> Result<Option<Account>> {
    row.map(|row| {
        Ok(Account {
            id: AccountId(row.try_get("id")?),
            name: row.try_get("name")?,
            kind: if row.try_get::<String, _>("kind")? == "org" {
                AccountKind::Org
            } else {
                AccountKind::User
            },
        })
    })
    .transpose()
}
