# Messages of the JSON API's repository contents, search, topics and
# collaborators.
error-file-path = This path cannot name a file of the repository.
error-file-exists = A file already exists at this path.
error-file-missing = There is no file at this path.
error-file-sha = The file has changed since the given sha: read it again.
error-branch-moved = The branch moved while the change was being made: try again.
error-branch-exists = A branch with this name already exists.
error-repo-write-only = Only those who may write to the repository may change its files.
error-content-base64 = The content must be encoded in base64.
error-signature = A name or e-mail address of the commit cannot be written in git.
error-commit-message = The commit message cannot hold a NUL character.
error-topic-name = A topic is made of lower-case letters, digits, dashes and dots, starts with a letter or a digit, and has at most 35 characters.
error-too-many-topics = A repository has at most 25 topics.
error-template-unknown = There is no template with this name.
error-auto-init-existing = A new repository's first files need an empty repository.
error-repo-empty = The repository is empty: it has no commit yet.

# The new-repository page: the first files.
repo-field-auto-init = Start with a README
repo-field-auto-init-hint = The first commit adds a README, and the licence and the .gitignore file chosen below.
repo-field-license = Licence (with a README)
repo-field-gitignore = .gitignore file (with a README)
repo-field-template-none = None
