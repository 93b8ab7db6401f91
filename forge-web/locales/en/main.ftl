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
