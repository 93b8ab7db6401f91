//! A repository's collaborators, in Gitea's sense: the people who may do
//! more with it than the public. Here they are the members of the
//! organisation that owns it, with the access their role gives (see
//! [`crate::repo::access`]); a user's own repository has none, as its
//! owner is not a collaborator in Gitea either.

use crate::db::Db;
use crate::error::Result;
use crate::ids::{OrgId, UserId};
use crate::org::{self, Role};
use crate::repo::{Access, Repo};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collaborator {
    pub user_id: UserId,
    pub name: String,
    pub full_name: String,
    pub access: Access,
    pub role: Role,
}

/// The access a role in the owning organisation gives.
pub fn access_of(role: Role) -> Access {
    match role {
        Role::Owner => Access::Admin,
        Role::Maintainer => Access::Write,
        Role::Treasurer | Role::Member => Access::Read,
    }
}

/// The collaborators of `repo`, by name. Callers check first that the
/// viewer may read the repository.
pub async fn list(db: &Db, repo: &Repo) -> Result<Vec<Collaborator>> {
    if !repo.owner_is_org {
        return Ok(Vec::new());
    }
    let mut members = org::members(db, OrgId(repo.owner_id.0)).await?;
    members.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(members
        .into_iter()
        .map(|m| Collaborator {
            user_id: m.user_id,
            name: m.name,
            full_name: m.full_name,
            access: access_of(m.role),
            role: m.role,
        })
        .collect())
}
