//! Who may run which git service on which repository: the same rules for
//! every transport, so that HTTP and SSH can never disagree.

use crate::Forge;
use forge_core::repo::{self, Access, Repo};
use forge_core::user::User;
use forge_core::{RepoId, Result};
use forge_git::service::Service;

/// Why a caller may not run a git service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// An anonymous caller whose anonymous access is not enough. It is
    /// asked for credentials whether or not the repository exists, so the
    /// answer never reveals a private repository.
    NeedsCredentials,
    /// No such repository, or one the caller may not see.
    NotFound,
    /// The caller may read the repository but not push to it.
    ReadOnly { user: String, repo: String },
    /// A read-only deploy key asked to push.
    ReadOnlyKey { repo: String },
}

/// Who asks to run a git service.
#[derive(Debug, Clone, Copy)]
pub enum GitActor<'a> {
    Anonymous,
    /// A user, by password, token or SSH key.
    User(&'a User),
    /// A repository's deploy key: that repository only, read-only unless
    /// `can_write`. It reads even a private repository.
    DeployKey {
        repo: RepoId,
        can_write: bool,
    },
}

impl Forge {
    /// Finds `owner/name` and checks that `caller` may use `service` on it.
    pub async fn authorize_git(
        &self,
        caller: Option<&User>,
        owner: &str,
        name: &str,
        service: Service,
    ) -> Result<Result<Repo, Denied>> {
        let actor = match caller {
            Some(user) => GitActor::User(user),
            None => GitActor::Anonymous,
        };
        self.authorize_git_as(actor, owner, name, service).await
    }

    /// Finds `owner/name` and checks that `actor` may use `service` on it.
    pub async fn authorize_git_as(
        &self,
        actor: GitActor<'_>,
        owner: &str,
        name: &str,
        service: Service,
    ) -> Result<Result<Repo, Denied>> {
        let caller = match actor {
            GitActor::Anonymous => None,
            GitActor::User(user) => Some(user),
            GitActor::DeployKey { repo, can_write } => {
                return Ok(match repo::find(&self.db, owner, name).await? {
                    Some(found) if found.id == repo => {
                        if service.writes() && !can_write {
                            Err(Denied::ReadOnlyKey {
                                repo: found.full_name(),
                            })
                        } else {
                            Ok(found)
                        }
                    }
                    _ => Err(Denied::NotFound),
                });
            }
        };
        let needed = if service.writes() {
            Access::Write
        } else {
            Access::Read
        };
        let Some(found) = repo::find(&self.db, owner, name).await? else {
            return Ok(Err(match caller {
                None => Denied::NeedsCredentials,
                Some(_) => Denied::NotFound,
            }));
        };
        let access = repo::access(&self.db, caller, &found).await?;
        if access >= needed {
            return Ok(Ok(found));
        }
        Ok(Err(match (caller, access) {
            (None, _) => Denied::NeedsCredentials,
            (Some(_), Access::None) => Denied::NotFound,
            (Some(user), _) => Denied::ReadOnly {
                user: user.name.clone(),
                repo: found.full_name(),
            },
        }))
    }
}
