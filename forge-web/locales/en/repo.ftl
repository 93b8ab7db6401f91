# English catalogue: repositories (creation, settings) and git over HTTP.

## Domain messages about repositories
error-owner-not-found = There is no user or organisation with this name.
error-repo-create-forbidden = You may not create repositories here: only the user themselves, or an owner or maintainer of the organisation, may.
error-repo-name = Use only letters, digits, hyphens, underscores and dots; not starting with a dot, without "..", not ending in ".git".
error-branch-name = This is not a valid branch name.
error-repo-exists = A repository with this name already exists here.
error-repo-not-found = This repository does not exist, or you are not allowed to see it.
error-repo-admin-only = Only the repository's owner may change its settings or delete it.
error-branch-missing = There is no branch with this name in the repository.

## Creating a repository
repo-new-title = New repository
repo-new-intro = A repository holds the code of one project and its history. You can push to it with git once it exists.
repo-field-owner = Owner
repo-field-name = Repository name
repo-field-name-hint = Letters, digits, hyphens, underscores and dots. It appears in the address: /owner/name.
repo-field-description = Description (optional)
repo-field-default-branch = Default branch
repo-field-private = Private repository
repo-field-private-hint = Only you, or the members of the organisation, can see a private repository. Anyone can see a public one.
repo-new-submit = Create the repository
nav-new-repo = New repository
breadcrumbs-label = You are here

## Repository settings
repo-settings-title = Settings
repo-settings-saved = The settings are saved.
repo-settings-save = Save the settings
repo-delete-title = Delete this repository
repo-delete-warning = Deleting a repository removes its code and history for good. This cannot be undone.
repo-delete-confirm = To confirm, type the repository's full name: { $name }
repo-delete-mismatch = The name you typed does not match; nothing was deleted.
repo-delete-submit = Delete this repository for good

## Owner pages
owner-repos = Repositories
owner-no-repos = No repositories yet.
repo-private-badge = Private
error-repo-has-funding = This repository has funding history, which stays public for good: it cannot be deleted. Make it private instead.
