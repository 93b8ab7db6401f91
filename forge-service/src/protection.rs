//! Branch protection where branches move: the decisions `git receive-pack`
//! needs for one push (passed to the forge's `pre-receive` hook, see
//! `forge_git::hooks`), the check of the forge's own commits (contents
//! API), and what blocks a pull request's merge. The rules themselves are
//! `forge_core::branch_protection`'s.

use crate::Forge;
use crate::blocking;
use forge_core::branch_protection::{self, Protection};
use forge_core::pull::PullRequest;
use forge_core::repo::Repo;
use forge_core::user::User;
use forge_core::{Error, Problem, Result};
use forge_git::hooks::{self, Hooks, Rule};

/// The folder of the forge's own git hooks, beside the repositories.
const HOOKS_FOLDER: &str = "hooks";

impl Forge {
    /// The hooks a push to `repo` by `pusher` runs with: none when no rule
    /// protects a branch of `repo`; otherwise the forge's `pre-receive`
    /// hook, told for each rule whether this pusher may push and whether
    /// history may be rewritten.
    pub async fn push_hooks(&self, repo: &Repo, pusher: Option<&User>) -> Result<Option<Hooks>> {
        let rules = branch_protection::list(&self.db, repo.id).await?;
        if rules.is_empty() {
            return Ok(None);
        }
        let mut decided = Vec::with_capacity(rules.len());
        for rule in &rules {
            decided.push(Rule {
                pattern: rule.rule_name.clone(),
                push: branch_protection::may_push(&self.db, rule, repo, pusher).await?,
                force: rule.settings.enable_force_push,
            });
        }
        let folder = self.storage.root().join(HOOKS_FOLDER);
        let dir = blocking::run("installing the push hook", move || {
            hooks::install(&folder)
                .map_err(|e| Error::Internal(format!("writing the push hook: {e}")))
        })
        .await?;
        Ok(Some(Hooks {
            dir,
            env: Rule::env(&decided),
        }))
    }

    /// Checks that `actor` may move `branch` of `repo` by a commit the
    /// forge makes for them (the contents API): the push rules of the rule
    /// protecting it. Such a commit always descends from the branch.
    pub async fn check_branch_commit(&self, repo: &Repo, actor: &User, branch: &str) -> Result<()> {
        let Some(rule) = branch_protection::for_branch(&self.db, repo.id, branch).await? else {
            return Ok(());
        };
        if branch_protection::may_push(&self.db, &rule, repo, Some(actor)).await? {
            return Ok(());
        }
        Err(Error::Forbidden(
            Problem::new("error-protected-push")
                .arg("branch", branch)
                .arg("rule", &rule.rule_name),
        ))
    }

    /// The rule protecting `pr`'s base branch and what keeps it from
    /// merging `head` (its current head commit) for `merger` (or for
    /// anyone, without one): empty when it may merge.
    pub async fn merge_blockers(
        &self,
        base: &Repo,
        pr: &PullRequest,
        head: &str,
        merger: Option<&User>,
    ) -> Result<(Option<Protection>, Vec<Problem>)> {
        let Some(rule) = branch_protection::for_branch(&self.db, base.id, &pr.base_branch).await?
        else {
            return Ok((None, Vec::new()));
        };
        let blockers =
            branch_protection::merge_blockers(&self.db, &rule, base, pr.issue.id, head, merger)
                .await?;
        Ok((Some(rule), blockers))
    }
}
