# Signing in with other sites (OpenID Connect and OAuth2 providers).
# The same keys are in fr/auth.ftl.

## Sign-in page
auth-sign-in-with = Sign in with { $provider }
auth-or-password = Or sign in with a password
auth-providers-label = Other sites you can sign in with
auth-admins-only = Signing in with a password is reserved for the site’s administrators.

## Errors of a sign-in with a provider
auth-error-title = Signing in did not work
auth-error-state = This sign-in cannot be finished: it was not started in this browser, it was already used, or it took more than 10 minutes. Please start again.
auth-error-denied = You declined to share your account with this forge, so you are not signed in.
auth-error-provider-refused = The other site refused the sign-in. Please try again later, or ask this forge’s administrator.
auth-error-provider-down = The other site cannot be reached right now. Please try again later.
auth-error-provider-slow = The other site takes too long to answer. Please try again later.
auth-error-provider-answer = The other site sent an answer this forge cannot use. The administrator has been told.
auth-error-code-refused = The other site no longer accepts this sign-in: it was already used or has expired. Please start again.
auth-error-token-signature = The other site’s proof of your identity is not signed with one of its keys, so this forge cannot trust it.
auth-error-token-expired = The other site’s proof of your identity has expired or is dated in the future. Check that the clocks are right, then try again.
auth-error-token-audience = The other site’s proof of your identity was made for another application, not for this forge.
auth-error-token-issuer = The proof of your identity was issued by another site than the expected one.
auth-error-token-nonce = The proof of your identity does not belong to this sign-in. Please start again.
auth-error-token-invalid = The other site’s proof of your identity is not valid.
auth-error-link-session = You are no longer signed in as the person who asked for this link. Sign in again, then link the account from your settings.
auth-back-to-sign-in = Back to the sign-in page
auth-back-to-identities = Back to your linked accounts

## Confirming a new account
auth-confirm-title = Create your account
auth-confirm-intro = { $provider } confirmed who you are. Choose how you will appear on this forge; you can sign in with { $provider } from now on.
auth-confirm-existing = Do you already have an account on this forge? Sign in with it, then link { $provider } from your settings instead.
auth-confirm-submit = Create my account

## Linked accounts (settings)
auth-identities-title = Linked accounts
auth-identities-intro = These accounts at other sites let you sign in to this forge.
auth-identities-none = No account at another site is linked to yours.
auth-identities-provider = Site
auth-identities-subject = Account there
auth-identities-linked-on = Linked on
auth-identities-actions = Actions
auth-identities-link = Link another account
auth-identities-password = You can also sign in with your password.
auth-identities-no-password = You have no password here: keep at least one linked account, or you could not sign in any more.
auth-link-with = Link { $provider }
auth-unlink = Unlink
auth-linked = Your { $provider } account is now linked: you can sign in with it.
auth-unlinked = The account is no longer linked.

## Domain errors
error-identity-invalid = This account at another site cannot be used.
error-identity-taken = This account at the other site is already linked to another account of this forge.
error-identity-not-found = This linked account does not exist.
error-identity-last-way-in = This is your only way to sign in: set up another one before unlinking it.
error-signup-expired = This sign-up has expired or was already finished. Please sign in again.
