# English catalogue. Every visible string of the forge lives here and in fr.ftl,
# under the same keys.

## Layout
skip-to-content = Skip to main content
nav-label = Main navigation
nav-new-org = New organisation
nav-settings = Settings
nav-sign-in = Sign in
nav-sign-up = Create an account
nav-sign-out = Sign out
footer-language = Language
footer-language-apply = Change
footer-tagline = A forge where organisations co-finance the free software they share.
copy-button = Copy
copy-done = Copied
flash-org-created = The organisation is created. Add its members below.
flash-repo-created = The repository is created. Push your work to the address below.
lang-name-en = English
lang-name-fr = Français

## Home
home-title = Home
home-heading = Share code, needs and costs
home-intro = This forge hosts free software that several organisations use together. Here they discuss what they need and finance it together.
home-point-code = Code: repositories you can clone, browse and contribute to.
home-point-issues = Issues: needs and bugs, discussed in the open.
home-point-funding = Funding: organisations pledge toward a feature and pay only once it is delivered.
home-welcome-user = Welcome, { $name }
home-my-orgs = Your organisations
home-no-orgs = You do not belong to any organisation yet. Create one, or ask an owner of an existing one to add you.

## Forms
form-has-errors = Some fields need your attention. Each problem is described next to its field.
field-username = Username
field-username-hint = Lowercase letters, digits, hyphens, underscores and dots; up to 40 characters; starting with a letter or a digit.
field-full-name = Full name (optional)
field-email = E-mail address
field-password = Password
field-password-hint = At least 8 characters.
field-password-confirm = Password, again

## Sign in and sign up
login-title = Sign in
login-login = Username or e-mail address
login-submit = Sign in
login-failed = The username or the password is wrong. Please try again.
login-no-account = No account yet?
sign-up-title = Create an account
sign-up-submit = Create my account
sign-up-closed = This forge does not accept new accounts. Ask its administrator for one.
sign-up-have-account = Already have an account?

## Tokens
tokens-title = Access tokens
tokens-intro = A token lets a program act as you, for example a git client or a script using the API. Use one token per program, so you can revoke it alone.
tokens-created = Your new token is ready.
tokens-copy-now = Copy it now: it will not be shown again.
tokens-yours = Your tokens
tokens-none = You have no tokens.
tokens-name = Name
tokens-ends-with = Ends with
tokens-created-on = Created
tokens-last-used = Last used
tokens-never-used = Never
tokens-actions = Actions
tokens-revoke = Revoke
tokens-revoke-named = Revoke the token { $name }
tokens-new = New token
tokens-generate = Generate a token

## Organisations
org-new-title = New organisation
org-new-intro = An organisation is a legal entity (association, cooperative, mutual…) whose members can host code and pledge money together. You will be its first owner.
org-field-name = Short name (used in addresses)
org-field-full-name = Full name
org-field-kind = Kind of organisation
org-field-description = Description
org-field-website = Website
org-new-submit = Create the organisation
org-kind-association = Association
org-kind-cooperative = Cooperative
org-kind-mutual = Mutual
org-kind-foundation = Foundation
org-kind-company = Company
org-kind-public_body = Public body
org-kind-other = Other
org-members = Members
org-member-name = Member
org-member-role = Role
org-role-of = Role of { $name }
org-change-role = Change
org-remove = Remove
org-remove-named = Remove { $name } from the organisation
org-add-member = Add a member
org-add-submit = Add
org-roles-explained = Owners manage the organisation and its members. Treasurers pledge and record payments in its name. Maintainers look after its repositories. Members take part.
role-owner = Owner
role-treasurer = Treasurer
role-maintainer = Maintainer
role-member = Member
user-orgs = Organisations
user-no-orgs = Not a member of any organisation.

## Error pages
error-title = Something went wrong
error-status = Error code { $status }
error-back-home = Back to the home page
error-page-not-found = This page does not exist, or you are not allowed to see it.
error-csrf = This form has expired or did not come from this site. Go back, reload the page and try again.
error-bad-form = The form could not be read. Go back, reload the page and try again.
error-form-too-large = The form is too large.

## Domain and API messages
error-internal = An internal error occurred. It has been logged for the administrator.
error-unavailable = The forge cannot reach its database or its storage right now. Nothing was changed; try again in a moment.
error-not-found = Not found.
error-unauthenticated = Authentication is required: send a token or a username and password.
error-bad-body = The request body is not valid JSON for this endpoint
error-admin-only = Only site administrators may do this.
error-basic-auth-required = This needs your username and password (HTTP Basic authentication), not a token.
error-own-tokens-only = You can only manage your own tokens.
error-name-empty = A name is required.
error-name-too-long = A name has at most { $max } characters.
error-name-characters = Use only lowercase letters, digits, hyphens, underscores and dots (no "..", not ending in ".git").
error-name-leading-punctuation = A name starts with a letter or a digit.
error-name-reserved = This name is reserved by the forge. Please choose another one.
error-name-taken = This name is already taken by a user or an organisation.
error-email-invalid = This does not look like an e-mail address.
error-email-taken = An account already uses this e-mail address.
error-password-too-short = A password has at least { $min } characters.
error-password-too-long = This password is too long.
error-password-mismatch = The two passwords differ.
error-full-name-too-long = A full name has at most 100 characters.
error-text-too-long = This text has at most { $max } characters.
error-website = A website address starts with https:// or http://.
error-org-kind = Choose one of: association, cooperative, mutual, foundation, company, public_body, other.
error-role = Choose one of: owner, treasurer, maintainer, member.
error-org-owner-only = Only owners of the organisation may manage its members.
error-user-not-found = There is no user with this name.
error-member-not-found = This user is not a member of the organisation.
error-last-owner = An organisation always keeps at least one owner: make someone else owner first.
error-token-name-empty = Give the token a name.
error-token-name-taken = You already have a token with this name.
error-token-not-found = There is no such token.

## Issues API
error-issue-not-found = This issue does not exist.
error-issue-title-empty = An issue needs a title.
error-issue-forbidden = Sign in with access to this repository to open issues and comment.
error-issue-edit-forbidden = You may not change this: authors edit, close and reopen their own issues; labels, assignees, milestones and locking are for maintainers.
error-issue-locked = This issue is locked: only maintainers may comment.
error-issue-state = Choose open or closed.
error-state-filter = Choose one of: open, closed, all.
error-issue-type = Choose one of: issues, pulls.
error-close-reason = Choose one of: completed, not_planned, duplicate.
error-comment-empty = A comment cannot be empty.
error-comment-not-found = This comment does not exist.
error-comment-own-only = Only the author of the comment may do this (maintainers may hide or delete it).
error-maintainers-only = Only maintainers of the repository may do this.
error-label-color = Write a colour as #rrggbb, for example #d73a4a.
error-label-exists = This repository already has a label with this name.
error-label-not-found = This repository has no such label.
error-milestone-title-empty = A milestone needs a title.
error-milestone-exists = This repository already has a milestone with this title.
error-milestone-not-found = This repository has no such milestone.
error-assignee-cannot-read = Only someone who can read the repository may be assigned.
error-sort = Choose one of: newest, oldest, recentupdate, mostcomment.
error-cursor = This cursor is not valid: use the X-Next-Cursor value of the previous page.
error-page = A page is a whole number, from 1.
error-limit = A limit is a whole number: 0 for the default page size, at most 50 (100 for issues).
error-date = Write dates in RFC 3339, for example 2026-12-31T23:59:59Z.
error-bad-query = The query string could not be read.
error-text-nul = Text cannot contain NUL characters (U+0000).

## Months, for dates in words
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December

## Explore
nav-explore = Explore
explore-title = Explore
explore-tabs = What to explore
explore-repos = Repositories
explore-orgs = Organisations
explore-search = Search
explore-search-submit = Search
explore-empty = Nothing public here yet.
explore-no-match = Nothing matches this search. Try fewer or other words.
explore-next = Next page

## Home, signed in
home-my-repos = Your repositories
home-no-repos = You have no repositories yet.
home-assigned = Issues assigned to you
home-no-assigned = Nothing is assigned to you.
home-reviews = Deliveries awaiting your organisation's review
home-review-item = { $org } should review
home-review-until = before { $date }

## Accessibility

# The name of the search form in the header, told apart from a page's own search.
a11y-site-search = Search the whole forge

## First-run page
setup-title = Set up your forge
setup-intro = Welcome! Two small steps make this forge ready for the organisations that will use it.
setup-step-name = 1. Name the forge
setup-site-name = Name of the forge
setup-site-name-hint = Shown at the top of every page, for example the name of your federation or network.
setup-save = Save the name
setup-saved = The name is saved.
setup-step-org = 2. Create the first organisation
setup-org-help = Organisations are the associations, cooperatives and other bodies that host code and pledge money together. Create the first one; you will be its owner and can add members.
setup-org-done = An organisation exists: this step is done.
setup-step-next = Then
setup-next-help = Create a repository, invite people to sign up, and add them to organisations with their roles. This page stays available from your home page.
setup-banner = Your forge is not fully set up yet.
setup-banner-link = Finish setting it up
