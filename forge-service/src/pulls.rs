//! Forks and pull requests: what touches both the database and the
//! repositories.
//!
//! - A fork is a new repository row (`fork_of` its parent) and a folder
//!   holding a copy of the parent's branches and tags, or neither.
//! - A pull request's head is copied into its base repository
//!   (`refs/pull/N/head`), so checks and merges find every commit there.
//! - Mergeability is computed by [`Forge::check_pull_requests`], a
//!   background job, for the pull requests that pushes marked "checking".
//! - A merge writes its commit, notes it on the pull request, journals the
//!   ref update as a push, moves the base branch only if it still points
//!   where it did, and records the consequences through the same code as a
//!   git push ([`Forge::process_push`]). A crash after the branch moved is
//!   finished by the push journal and the next check, which sees the noted
//!   commit on the base branch.

use crate::Forge;
use crate::blocking;
use forge_core::commit_refs::{self, PushedCommit};
use forge_core::pull::{self, Check, MergeStyle, NewPull, PullRequest, Status};
use forge_core::repo::{self, Access, Repo};
use forge_core::user::{self, User};
use forge_core::{Error, Problem, Result};
use forge_git::browse::Oid;
use forge_git::browse::{DiffLimits, DiffView};
use forge_git::merge::{self, MergeError, MergeRequest, Mergeability, Style};
use forge_git::process::Signature;
use forge_git::push::{CommitInfo, Evidence, RefCommand};

/// The most commits a pull request's commit list shows.
pub const MAX_COMMITS: usize = 250;

/// How many pull requests one round of the check job looks at.
const CHECKS_PER_ROUND: i64 = 50;

/// What opening a pull request needs.
#[derive(Debug, Clone)]
pub struct OpenPull {
    pub title: String,
    pub body: String,
    pub head_repo: Repo,
    pub head_branch: String,
    pub base_branch: String,
}

/// How to merge.
#[derive(Debug, Clone)]
pub struct MergeOptions {
    pub style: MergeStyle,
    /// The merge or squash commit's message; a default when `None`.
    pub message: Option<String>,
    /// The head commit the merger saw: refused if the head moved since.
    pub expected_head: Option<String>,
}

fn style_of(style: MergeStyle) -> Style {
    match style {
        MergeStyle::Merge => Style::Merge,
        MergeStyle::Squash => Style::Squash,
        MergeStyle::Rebase => Style::Rebase,
        MergeStyle::FastForwardOnly => Style::FastForwardOnly,
    }
}

fn oid(text: &str) -> Result<Oid> {
    Oid::from_str(text).map_err(|e| Error::Internal(format!("a stored commit id: {e}")))
}

fn conflict_error(files: &[String]) -> Error {
    Error::Conflict {
        field: None,
        problem: Problem::new("error-pull-conflict").arg("files", files.join(", ")),
    }
}

fn merge_error(e: MergeError) -> Error {
    match e {
        MergeError::Conflict(files) => conflict_error(&files),
        MergeError::Unrelated => Error::conflict(None, "error-pull-unrelated"),
        MergeError::NotFastForward => Error::conflict(None, "error-pull-not-fast-forward"),
        MergeError::MergeCommitInRebase => Error::conflict(None, "error-pull-rebase-merges"),
        MergeError::Moved => Error::conflict(None, "error-pull-base-moved"),
        MergeError::Git(e) => Error::Internal(format!("merging: {e}")),
    }
}

impl Forge {
    /// Forks `parent` into the account `owner` (the actor's, or an
    /// organisation's in which the actor may create repositories).
    pub async fn fork_repo(
        &self,
        actor: &User,
        parent: &Repo,
        owner: &str,
        name: Option<String>,
    ) -> Result<Repo> {
        let storage = self.storage.clone();
        let parent_id = parent.id.0;
        repo::fork(
            &self.db,
            actor,
            parent,
            owner,
            name,
            async move |created: &Repo| {
                let (id, branch) = (created.id.0, created.default_branch.clone());
                blocking::git("copying the repository into its fork", move || {
                    storage.create(id, &branch)?;
                    let copied = merge::fetch(
                        &storage.path_of(id),
                        &storage.path_of(parent_id),
                        &[
                            "+refs/heads/*:refs/heads/*".to_string(),
                            "+refs/tags/*:refs/tags/*".to_string(),
                        ],
                    );
                    if copied.is_err() {
                        // The row is not committed: leave no folder behind.
                        let _ = storage.delete(id);
                    }
                    copied
                })
                .await
            },
        )
        .await
    }

    /// The commit `branch` of `repo` points to.
    async fn branch_commit(&self, repo: &Repo, branch: &str) -> Result<Option<Oid>> {
        let storage = self.storage.clone();
        let (id, branch) = (repo.id.0, branch.to_string());
        blocking::git("reading a branch", move || {
            merge::branch_commit(&storage.open(id)?, &branch)
        })
        .await
    }

    /// Copies `head` (a commit of `head_repo`) into `base` as `ref_name`,
    /// or its objects only when `ref_name` is `None`.
    async fn copy_head(
        &self,
        base: &Repo,
        head_repo: i64,
        head: Oid,
        ref_name: Option<String>,
    ) -> Result<()> {
        let storage = self.storage.clone();
        let base_id = base.id.0;
        blocking::git("copying a pull request's head", move || {
            let refspec = match ref_name {
                Some(name) => format!("+{head}:{name}"),
                None => head.to_string(),
            };
            if head_repo == base_id && refspec == head.to_string() {
                return Ok(());
            }
            if refspec.contains(':') {
                merge::protect_pull_refs(&storage.open(base_id)?)?;
            }
            merge::fetch(
                &storage.path_of(base_id),
                &storage.path_of(head_repo),
                &[refspec],
            )
        })
        .await
    }

    /// What `head_branch` of `head_repo` would bring to `base_branch` of
    /// `base`: its head commit, once copied into `base`. Refused when a
    /// branch is missing, when the histories are unrelated, or when the
    /// head brings nothing new.
    pub async fn compare(
        &self,
        base: &Repo,
        head_repo: &Repo,
        base_branch: &str,
        head_branch: &str,
    ) -> Result<String> {
        if head_repo.id != base.id {
            let parent = repo::parent_of(&self.db, head_repo.id).await?;
            if parent.is_none_or(|p| p.id != base.id) {
                return Err(Error::invalid("head", "error-pull-not-a-fork"));
            }
        }
        let head_branch = repo::validate_branch(head_branch)
            .map_err(|_| Error::invalid("head", "error-branch-name"))?;
        let base_branch = repo::validate_branch(base_branch)
            .map_err(|_| Error::invalid("base", "error-branch-name"))?;
        let head = self
            .branch_commit(head_repo, &head_branch)
            .await?
            .ok_or_else(|| Error::invalid("head", "error-pull-head-missing"))?;
        let base_commit = self
            .branch_commit(base, &base_branch)
            .await?
            .ok_or_else(|| Error::invalid("base", "error-pull-base-missing"))?;
        self.copy_head(base, head_repo.id.0, head, None).await?;
        let storage = self.storage.clone();
        let id = base.id.0;
        let merge_base = blocking::git("comparing branches", move || {
            merge::merge_base(&storage.open(id)?, base_commit, head)
        })
        .await?;
        match merge_base {
            None => Err(Error::invalid("head", "error-pull-unrelated")),
            Some(merge_base) if merge_base == head => {
                Err(Error::invalid("head", "error-pull-nothing-new"))
            }
            Some(_) => Ok(head.to_string()),
        }
    }

    /// Opens a pull request on `base` from a branch of `base` or of one of
    /// its forks (see [`Forge::compare`] for what is refused).
    pub async fn open_pull(
        &self,
        actor: &User,
        base: &Repo,
        open: OpenPull,
    ) -> Result<PullRequest> {
        if repo::access(&self.db, Some(actor), base).await? == Access::None
            || repo::access(&self.db, Some(actor), &open.head_repo).await? == Access::None
        {
            return Err(Error::not_found("error-repo-not-found"));
        }
        let head = oid(&self
            .compare(base, &open.head_repo, &open.base_branch, &open.head_branch)
            .await?)?;
        let (head_branch, base_branch) = (
            open.head_branch.trim().to_string(),
            open.base_branch.trim().to_string(),
        );
        let opened = pull::open(
            &self.db,
            actor,
            base,
            NewPull {
                title: open.title,
                body: open.body,
                head_repo: open.head_repo.clone(),
                head_branch,
                base_branch,
                head_commit: head.to_string(),
            },
        )
        .await?;
        if let Err(e) = self
            .copy_head(base, open.head_repo.id.0, head, Some(opened.head_ref()))
            .await
        {
            // The check job copies it again.
            tracing::warn!(repo = %base.full_name(), number = opened.number(), error = %e, "copying a pull request's head failed");
        }
        Ok(opened)
    }

    /// One round of the mergeability job: checks the pull requests that
    /// pushes marked "checking", and records as merged those whose base
    /// branch now holds their commits (a merge interrupted by a crash, or
    /// one made by hand). Returns how many it looked at.
    pub async fn check_pull_requests(&self) -> Result<usize> {
        let pending = pull::to_check(&self.db, CHECKS_PER_ROUND).await?;
        let count = pending.len();
        for pr in pending {
            if let Err(e) = self.check_one(&pr).await {
                tracing::warn!(issue = %pr.issue.id, error = %e, "checking a pull request failed");
            }
        }
        Ok(count)
    }

    async fn check_one(&self, pr: &PullRequest) -> Result<()> {
        let Some(base) = repo::find_by_id(&self.db, pr.issue.repo_id).await? else {
            return Ok(());
        };
        let head_repo = match pr.head_repo_id {
            Some(id) => repo::find_by_id(&self.db, id).await?,
            None => None,
        };
        let head = match &head_repo {
            Some(head_repo) => self.branch_commit(head_repo, &pr.head_branch).await?,
            None => None,
        };
        let base_commit = self.branch_commit(&base, &pr.base_branch).await?;
        let mut check = Check {
            head_commit: head.map_or_else(|| pr.head_commit.clone(), |h| h.to_string()),
            base_commit: base_commit.map(|b| b.to_string()).unwrap_or_default(),
            merge_base: String::new(),
            status: Status::Checking,
            conflicts: Vec::new(),
        };
        let (Some(head), Some(base_commit), Some(head_repo)) = (head, base_commit, head_repo)
        else {
            check.status = if base_commit.is_none() {
                Status::BaseMissing
            } else {
                Status::HeadMissing
            };
            // A merge noted before a crash may have landed all the same.
            if let (Some(base_commit), Some(noted)) = (base_commit, pr.merging.as_deref())
                && self.holds(&base, base_commit, oid(noted)?).await?
            {
                return self.finish_merge(&base, pr, noted, None).await;
            }
            pull::record_check(&self.db, pr, &check).await?;
            return Ok(());
        };
        self.copy_head(&base, head_repo.id.0, head, Some(pr.head_ref()))
            .await?;
        if let Some(noted) = pr.merging.as_deref()
            && self.holds(&base, base_commit, oid(noted)?).await?
        {
            return self.finish_merge(&base, pr, noted, None).await;
        }
        let storage = self.storage.clone();
        let id = base.id.0;
        let checked = blocking::git("checking a pull request", move || {
            let git = storage.open(id)?;
            merge::check(&git, &storage.path_of(id), base_commit, head)
        })
        .await?;
        if checked.merge_base == Some(head) {
            // The base branch holds the head: merged outside the forge.
            tracing::info!(repo = %base.full_name(), number = pr.number(), "a pull request's head reached its base branch");
            return self.finish_merge(&base, pr, &head.to_string(), None).await;
        }
        check.merge_base = checked
            .merge_base
            .map(|m| m.to_string())
            .unwrap_or_default();
        match checked.result {
            Mergeability::Clean => check.status = Status::Mergeable,
            Mergeability::Conflict(files) => {
                check.status = Status::Conflict;
                check.conflicts = files;
            }
            Mergeability::Unrelated => check.status = Status::Unrelated,
        }
        pull::record_check(&self.db, pr, &check).await?;
        Ok(())
    }

    /// Whether `commit` is `tip` or one of its ancestors, in `repo`.
    async fn holds(&self, repo: &Repo, tip: Oid, commit: Oid) -> Result<bool> {
        let storage = self.storage.clone();
        let id = repo.id.0;
        blocking::git("reading history", move || {
            let git = storage.open(id)?;
            Ok(tip == commit || git.graph_descendant_of(tip, commit).unwrap_or(false))
        })
        .await
    }

    /// Records a merge that landed: the pull request closes as merged, and
    /// "Fixes #N" in its description closes issues when the base is the
    /// default branch.
    async fn finish_merge(
        &self,
        base: &Repo,
        pr: &PullRequest,
        commit: &str,
        style: Option<MergeStyle>,
    ) -> Result<()> {
        let by = pr.merging_by;
        if !pull::record_merged(&self.db, pr, commit, by, style).await? {
            return Ok(());
        }
        let merger = match by {
            Some(id) => user::by_id(&self.db, id).await?,
            None => None,
        };
        let description = [PushedCommit {
            id: commit.to_string(),
            message: pr.issue.body.clone(),
        }];
        let closing = pr.base_branch == base.default_branch;
        commit_refs::apply(&self.db, base, merger.as_ref(), &description, closing).await?;
        Ok(())
    }

    /// Merges `pr` into its base branch as `options` say. Only those with
    /// write access merge; the style must be one the repository allows;
    /// a protected base needs what its rule asks (see
    /// [`Forge::merge_blockers`]).
    pub async fn merge_pull(
        &self,
        actor: &User,
        base: &Repo,
        pr: &PullRequest,
        options: MergeOptions,
    ) -> Result<String> {
        if !pull::may_merge(&self.db, actor, base).await? {
            return Err(Error::forbidden("error-pull-merge-forbidden"));
        }
        if pr.merged.is_some() || !pr.is_open() {
            return Err(Error::conflict(None, "error-pull-not-open"));
        }
        if !pull::merge_styles(&self.db, base.id)
            .await?
            .contains(&options.style)
        {
            return Err(Error::invalid("Do", "error-merge-style-not-allowed"));
        }
        let head_repo = match pr.head_repo_id {
            Some(id) => repo::find_by_id(&self.db, id).await?,
            None => None,
        }
        .ok_or_else(|| Error::conflict(None, "error-pull-head-missing"))?;
        let head = self
            .branch_commit(&head_repo, &pr.head_branch)
            .await?
            .ok_or_else(|| Error::conflict(None, "error-pull-head-missing"))?;
        if let Some(expected) = options.expected_head.as_deref()
            && !expected.trim().is_empty()
            && !expected.trim().eq_ignore_ascii_case(&head.to_string())
        {
            return Err(Error::conflict(None, "error-pull-head-moved"));
        }
        // Branch protection of the base: who merges, reviews, statuses.
        let (_, blockers) = self
            .merge_blockers(base, pr, &head.to_string(), Some(actor))
            .await?;
        if let Some(problem) = blockers.into_iter().next() {
            return Err(if problem.key == "error-protected-merge-forbidden" {
                Error::Forbidden(problem)
            } else {
                Error::Conflict {
                    field: None,
                    problem,
                }
            });
        }
        let old = self
            .branch_commit(base, &pr.base_branch)
            .await?
            .ok_or_else(|| Error::conflict(None, "error-pull-base-missing"))?;
        self.copy_head(base, head_repo.id.0, head, Some(pr.head_ref()))
            .await?;

        let storage = self.storage.clone();
        let id = base.id.0;
        let message = match options.message.filter(|m| !m.trim().is_empty()) {
            Some(message) => message,
            None => {
                self.default_message(base, &head_repo, pr, options.style, old, head)
                    .await?
            }
        };
        let committer = Signature {
            name: if actor.full_name.trim().is_empty() {
                actor.name.clone()
            } else {
                actor.full_name.clone()
            },
            email: actor.email.clone(),
            time: None,
        };
        let style = style_of(options.style);
        let made = blocking::run("merging a pull request", move || {
            let git = storage
                .open(id)
                .map_err(|e| Error::Internal(format!("opening the repository: {e}")))?;
            let request = MergeRequest {
                style,
                base: old,
                head,
                message: &message,
                committer: &committer,
            };
            merge::make(&git, &storage.path_of(id), &request).map_err(merge_error)
        })
        .await?;

        // A push to the head while the merge was made: refuse rather than
        // merge commits the merger never saw.
        if self.branch_commit(&head_repo, &pr.head_branch).await? != Some(head) {
            return Err(Error::conflict(None, "error-pull-head-moved"));
        }
        let new = made.to_string();
        pull::begin_merge(&self.db, pr, &new, actor).await?;
        let name = format!("refs/heads/{}", pr.base_branch);
        let commands = vec![RefCommand {
            old: old.to_string(),
            new: new.clone(),
            name,
        }];
        let journal = self
            .journal_push(base.id, Some(actor.id), &commands)
            .await?;
        let storage = self.storage.clone();
        let branch = pr.base_branch.clone();
        let reflog = format!("merge of pull request #{} by {}", pr.number(), actor.name);
        let moved = blocking::run("moving the base branch", move || {
            let git = storage
                .open(id)
                .map_err(|e| Error::Internal(format!("opening the repository: {e}")))?;
            merge::move_branch(&git, &storage.path_of(id), &branch, old, made, &reflog)
                .map_err(merge_error)
        })
        .await;
        // Recorded whether or not the branch moved: a refused update
        // closes the journal row with nothing to tell.
        let recorded = self
            .process_push(
                base,
                Some(actor),
                Some(journal),
                commands,
                Evidence::JustFinished,
            )
            .await;
        if let Err(e) = moved {
            pull::abandon_merge(&self.db, pr, &new).await?;
            return Err(e);
        }
        recorded?;
        let mut merged = pr.clone();
        merged.merging_by = Some(actor.id);
        self.finish_merge(base, &merged, &new, Some(options.style))
            .await?;
        tracing::info!(repo = %base.full_name(), number = pr.number(), style = options.style.as_str(), commit = %new, "pull request merged");
        Ok(new)
    }

    async fn default_message(
        &self,
        base: &Repo,
        head_repo: &Repo,
        pr: &PullRequest,
        style: MergeStyle,
        old: Oid,
        head: Oid,
    ) -> Result<String> {
        let from = if head_repo.id == base.id {
            pr.head_branch.clone()
        } else {
            format!("{}:{}", head_repo.full_name(), pr.head_branch)
        };
        match style {
            MergeStyle::Squash => {
                let commits = self.commits_between(base, old, head).await?;
                let mut message = format!("{} (#{})\n\n", pr.issue.title, pr.number());
                for commit in commits {
                    message.push_str("* ");
                    message.push_str(commit.message.trim_end());
                    message.push_str("\n\n");
                }
                Ok(message)
            }
            _ => Ok(format!(
                "Merge pull request '{}' (#{}) from {} into {}\n",
                pr.issue.title,
                pr.number(),
                from,
                pr.base_branch
            )),
        }
    }

    async fn commits_between(&self, repo: &Repo, base: Oid, head: Oid) -> Result<Vec<CommitInfo>> {
        let storage = self.storage.clone();
        let id = repo.id.0;
        blocking::git("listing a pull request's commits", move || {
            let git = storage.open(id)?;
            let from = merge::merge_base(&git, base, head)?.unwrap_or(base);
            let mut commits =
                forge_git::push::branch_commits(&git, Some(&from.to_string()), &head.to_string())?;
            commits.truncate(MAX_COMMITS);
            Ok(commits)
        })
        .await
    }

    /// The head and the commit its changes are counted from: the stored
    /// merge base, or the base branch's merge base with the head when no
    /// check has stored one yet.
    pub(crate) async fn pull_range(
        &self,
        base: &Repo,
        pr: &PullRequest,
    ) -> Result<Option<(Oid, Oid)>> {
        let head = oid(&pr.head_commit)?;
        if !pr.merge_base.is_empty() {
            return Ok(Some((oid(&pr.merge_base)?, head)));
        }
        let Some(base_commit) = self.branch_commit(base, &pr.base_branch).await? else {
            return Ok(None);
        };
        let storage = self.storage.clone();
        let id = base.id.0;
        let from = blocking::git("comparing branches", move || {
            let git = storage.open(id)?;
            if git.find_commit(head).is_err() {
                return Ok(None);
            }
            merge::merge_base(&git, base_commit, head)
        })
        .await?;
        Ok(from.map(|from| (from, head)))
    }

    /// The commits of a pull request, oldest first (at most
    /// [`MAX_COMMITS`]).
    pub async fn pull_commits(&self, base: &Repo, pr: &PullRequest) -> Result<Vec<CommitInfo>> {
        let Some((from, head)) = self.pull_range(base, pr).await? else {
            return Ok(Vec::new());
        };
        self.commits_between(base, from, head).await
    }

    /// The changes of a pull request, within `limits`.
    pub async fn pull_files(
        &self,
        base: &Repo,
        pr: &PullRequest,
        limits: DiffLimits,
    ) -> Result<DiffView> {
        let Some((from, head)) = self.pull_range(base, pr).await? else {
            return Ok(DiffView {
                files: Vec::new(),
                total_files: 0,
                truncated: false,
            });
        };
        let storage = self.storage.clone();
        let id = base.id.0;
        blocking::run("reading a pull request's changes", move || {
            let git = storage
                .open(id)
                .map_err(|e| Error::Internal(format!("opening the repository: {e}")))?;
            forge_git::browse::between(&git, from, head, limits)
                .map_err(|e| Error::Internal(format!("diffing a pull request: {e}")))
        })
        .await
    }
}

impl Forge {
    /// The full id of the commit `name` names in `repo` (a branch, a tag or
    /// a commit id), if any.
    pub async fn resolve_commit(&self, repo: &Repo, name: &str) -> Result<Option<String>> {
        let storage = self.storage.clone();
        let (id, name) = (repo.id.0, name.to_string());
        blocking::run("resolving a commit", move || {
            let git = storage
                .open(id)
                .map_err(|e| Error::Internal(format!("opening the repository: {e}")))?;
            Ok(forge_git::browse::resolve_name(&git, &name)
                .ok()
                .map(|(_, commit)| commit.to_string()))
        })
        .await
    }
}
