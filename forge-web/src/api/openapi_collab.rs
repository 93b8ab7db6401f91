//! The collaboration half of the API's description (see
//! [`super::openapi`]): SSH and deploy keys, webhooks, notifications and
//! subscriptions, forks, pull requests and commit statuses.

use super::openapi::Answer::{Accepted, Array, Created, Empty, List, Object, Reset};
use super::openapi::{Operation, op};

/// The collaboration operations of the API.
pub const COLLABORATION: &[Operation] = &[
    op(
        "post",
        "/admin/users/{username}/keys",
        "admin",
        "Add an SSH key to a user's account",
        Created,
    )
    .requires(&["title", "key"]),
    op("get", "/user/keys", "user", "My SSH keys", Array),
    op(
        "post",
        "/user/keys",
        "user",
        "Add an SSH key to my account",
        Created,
    )
    .requires(&["title", "key"]),
    op(
        "get",
        "/user/keys/{id}",
        "user",
        "One of my SSH keys",
        Object,
    ),
    op(
        "delete",
        "/user/keys/{id}",
        "user",
        "Remove one of my SSH keys",
        Empty,
    ),
    op(
        "get",
        "/users/{username}/keys",
        "user",
        "A user's SSH keys",
        Array,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/keys",
        "repository",
        "Deploy keys",
        Array,
    ),
    op(
        "post",
        "/repos/{owner}/{repo}/keys",
        "repository",
        "Add a deploy key (read_only for pull only)",
        Created,
    )
    .requires(&["title", "key"]),
    op(
        "get",
        "/repos/{owner}/{repo}/keys/{id}",
        "repository",
        "A deploy key",
        Object,
    ),
    op(
        "delete",
        "/repos/{owner}/{repo}/keys/{id}",
        "repository",
        "Remove a deploy key",
        Empty,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/hooks",
        "repository",
        "Webhooks",
        Array,
    ),
    op(
        "post",
        "/repos/{owner}/{repo}/hooks",
        "repository",
        "Create a webhook (type, config.url, events)",
        Created,
    )
    .requires(&["type", "config"]),
    op(
        "get",
        "/repos/{owner}/{repo}/hooks/{id}",
        "repository",
        "A webhook",
        Object,
    ),
    op(
        "patch",
        "/repos/{owner}/{repo}/hooks/{id}",
        "repository",
        "Change a webhook",
        Object,
    ),
    op(
        "delete",
        "/repos/{owner}/{repo}/hooks/{id}",
        "repository",
        "Delete a webhook",
        Empty,
    ),
    op(
        "post",
        "/repos/{owner}/{repo}/hooks/{id}/tests",
        "repository",
        "Queue a test delivery of a webhook",
        Empty,
    ),
    op(
        "get",
        "/orgs/{org}/hooks",
        "organization",
        "Its webhooks",
        Array,
    ),
    op(
        "post",
        "/orgs/{org}/hooks",
        "organization",
        "Create a webhook for all its repositories",
        Created,
    )
    .requires(&["type", "config"]),
    op(
        "get",
        "/orgs/{org}/hooks/{id}",
        "organization",
        "One of its webhooks",
        Object,
    ),
    op(
        "patch",
        "/orgs/{org}/hooks/{id}",
        "organization",
        "Change one of its webhooks",
        Object,
    ),
    op(
        "delete",
        "/orgs/{org}/hooks/{id}",
        "organization",
        "Delete one of its webhooks",
        Empty,
    ),
    op(
        "post",
        "/orgs/{org}/hooks/{id}/tests",
        "organization",
        "Queue a test delivery of one of its webhooks",
        Empty,
    ),
    op(
        "get",
        "/notifications",
        "notification",
        "My notification threads (unread unless all=true or status-types)",
        List,
    )
    .query(&["all", "status-types"]),
    op(
        "put",
        "/notifications",
        "notification",
        "Mark my threads read, up to last_read_at (205)",
        Reset,
    )
    .query(&["last_read_at", "to-status"]),
    op(
        "get",
        "/notifications/threads/{id}",
        "notification",
        "A notification thread",
        Object,
    ),
    op(
        "patch",
        "/notifications/threads/{id}",
        "notification",
        "Mark a thread read or unread with to-status (205)",
        Reset,
    )
    .query(&["to-status"]),
    op(
        "get",
        "/repos/{owner}/{repo}/subscription",
        "repository",
        "Whether I watch a repository",
        Object,
    ),
    op(
        "put",
        "/repos/{owner}/{repo}/subscription",
        "repository",
        "Watch a repository (mode=all or mentions)",
        Object,
    )
    .query(&["mode"]),
    op(
        "delete",
        "/repos/{owner}/{repo}/subscription",
        "repository",
        "Stop watching a repository",
        Empty,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/forks",
        "repository",
        "Forks",
        List,
    ),
    op(
        "post",
        "/repos/{owner}/{repo}/forks",
        "repository",
        "Fork (202, as Gitea answers)",
        Accepted,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/pulls",
        "repository",
        "Pull requests",
        List,
    )
    .query(&["state"]),
    op(
        "post",
        "/repos/{owner}/{repo}/pulls",
        "repository",
        "Open a pull request (head: branch, owner:branch or owner/repo:branch)",
        Created,
    )
    .requires(&["head", "base", "title"]),
    op(
        "get",
        "/repos/{owner}/{repo}/pulls/{index}",
        "repository",
        "A pull request",
        Object,
    ),
    op(
        "patch",
        "/repos/{owner}/{repo}/pulls/{index}",
        "repository",
        "Change a pull request (201, as Gitea answers)",
        Created,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/pulls/{index}/merge",
        "repository",
        "Whether it is merged (204 or 404)",
        Empty,
    ),
    op(
        "post",
        "/repos/{owner}/{repo}/pulls/{index}/merge",
        "repository",
        "Merge a pull request (Do: merge, rebase or squash)",
        Object,
    )
    .requires(&["Do"]),
    op(
        "get",
        "/repos/{owner}/{repo}/pulls/{index}/files",
        "repository",
        "The files a pull request changes",
        List,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/pulls/{index}/commits",
        "repository",
        "A pull request's commits",
        List,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/pulls/{index}/reviews",
        "repository",
        "A pull request's reviews",
        List,
    ),
    op(
        "post",
        "/repos/{owner}/{repo}/pulls/{index}/reviews",
        "repository",
        "Review a pull request (event: APPROVED, REQUEST_CHANGES or COMMENT; comments on lines)",
        Object,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/pulls/{index}/reviews/{id}",
        "repository",
        "A review",
        Object,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/pulls/{index}/reviews/{id}/comments",
        "repository",
        "A review's comments on lines",
        Array,
    ),
    op(
        "post",
        "/repos/{owner}/{repo}/pulls/{index}/reviews/{id}/dismissals",
        "repository",
        "Dismiss a review (maintainers)",
        Object,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/statuses/{sha}",
        "repository",
        "A commit's statuses",
        Array,
    ),
    op(
        "post",
        "/repos/{owner}/{repo}/statuses/{sha}",
        "repository",
        "Set a commit status (pending, success, error, failure, warning)",
        Created,
    )
    .requires(&["state"]),
    op(
        "get",
        "/repos/{owner}/{repo}/commits/{reference}/status",
        "repository",
        "The combined status of a branch, tag or commit",
        Object,
    ),
];
