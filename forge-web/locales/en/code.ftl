# English catalogue: the code browser (repository home, tree, files, history, commits, branches, tags).

## Repository heading and tabs
code-private = Private
code-repo-nav = Repository
code-tab-code = Code
code-tab-history = History
code-tab-branches = Branches
code-tab-tags = Tags
code-tab-settings = Settings
code-breadcrumbs = Location in the repository
code-clone-label = Address to clone this repository with git
code-ref-branch = Branch { $name }
code-ref-tag = Tag { $name }
code-ref-commit = Commit { $name }

## Files and folders
code-files = Files
code-files-in = Files in { $path }
code-folder-empty = This folder is empty.
code-parent-folder = Parent folder
code-col-name = Name
code-col-kind = Kind
code-col-size = Size
code-kind-dir = Folder
code-kind-file = File
code-kind-executable = Executable file
code-kind-symlink = Symbolic link
code-kind-submodule = Submodule
code-size-bytes = { $n } B
code-size-kib = { $n } KiB
code-size-mib = { $n } MiB
code-size-gib = { $n } GiB
code-history-link = History
code-download-tar = Download (.tar.gz)
code-download-zip = Download (.zip)
code-switch-branch = Switch branch
code-all-branches = All branches
code-raw = Raw file
code-file-contents = Contents of { $name }
code-col-line = Line
code-col-code = Code
code-file-empty = This file is empty.
code-file-binary = This is a binary file: it cannot be shown as text. Use the “Raw file” link to download it.
code-file-too-large = This file is too large to show here. Use the “Raw file” link to download it.
code-file-symlink = This is a symbolic link. It points to:
code-file-submodule = This is a submodule: another repository, included here at commit
code-file-submodule-url = It comes from:

## Empty repository
code-empty-heading = This repository is empty
code-empty-intro = Nothing has been sent here yet. To publish your code, open a terminal on your computer, go to your project's folder, and type the commands below.
code-empty-existing = If your project already uses git
code-empty-existing-hint = Tell git about this repository, then send your work:
code-empty-new = If your project does not use git yet
code-empty-new-hint = Start a git repository in the folder, record your files in a first commit, then send them:
code-empty-first-commit = First commit
code-empty-password = When git asks for a password, type your password on this forge, or a personal access token.
code-empty-tokens-link = Manage your access tokens
code-empty-reader = Nothing has been sent to this repository yet. Come back later, or clone it now to receive its first commits.

## History
code-history = History
code-history-of = History of { $path }
code-history-of-ref = History of { $name }
code-history-empty = No commits to show here.
code-col-message = Message
code-col-author = Author
code-col-date = Date
code-col-commit = Commit
code-no-message = (no message)
code-pager = Pages of history
code-newest = Newest commits
code-older = Older commits

## One commit
code-commit-author = Author
code-commit-committer = Committed by
code-commit-id = Commit
code-commit-parents = Parents
code-commit-no-parent = None: this is the first commit.
code-commit-browse = Browse the files at this commit
code-diff-heading = Changes
code-diff-files-changed = Files changed: { $count }.
code-diff-legend = Added lines start with +, removed lines with -.
code-diff-stats = lines added: { $added }, removed: { $removed }
code-diff-caption = Changes in { $name }
code-col-old-line = Line before
code-col-new-line = Line after
code-col-change = Change
code-diff-added-line = added
code-diff-removed-line = removed
code-diff-status-added = Added
code-diff-status-deleted = Deleted
code-diff-status-modified = Modified
code-diff-status-renamed = Renamed
code-diff-status-copied = Copied
code-diff-status-type-changed = Type changed
code-diff-binary = Binary file (or a file too large to compare): its changes cannot be shown as lines.
code-diff-file-too-large = This diff is too large to show here.
code-diff-no-lines = No line changed (an empty file, or only its permissions).
code-diff-too-large = This diff is too large to show in full: only part of it is shown ({ $shown } files listed). Clone the repository to see the whole diff.

## Branches and tags
code-branches = Branches
code-branches-none = This repository has no branches yet.
code-col-branch = Branch
code-col-last-commit = Last commit
code-col-links = Links
code-default-branch = Default
code-download-tar-of = { $name } (.tar.gz)
code-download-zip-of = { $name } (.zip)
code-tags = Tags
code-tags-none = This repository has no tags yet.
code-tags-intro = A tag names one precise commit, most often a published version (for example v1.2.0). Its contents can be downloaded below.
code-col-tag = Tag
code-col-downloads = Downloads
code-list-truncated = Only the first 1000 are listed.
