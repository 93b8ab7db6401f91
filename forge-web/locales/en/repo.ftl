# English catalogue: repositories (creation, settings) and git over HTTP.

## Domain messages about repositories
error-owner-not-found = There is no user or organisation with this name.
error-repo-create-forbidden = You may not create repositories here: only the user themselves, or an owner or maintainer of the organisation, may.
error-repo-name = Use only letters, digits, hyphens, underscores and dots; not starting with a dot, without "..", not ending in ".git".
error-branch-name = This is not a valid branch name.
error-repo-exists = A repository with this name already exists here.
error-repo-not-found = This repository does not exist, or you are not allowed to see it.
error-repo-admin-only = Only the repository's owner may change its settings or delete it.
