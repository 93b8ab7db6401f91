# English catalogue: the user's settings (profile, account, closing an account).

settings-menu = Settings sections
settings-profile = Profile
settings-account = Account
settings-saved-profile = Your profile is saved.
settings-saved-password = Your new password is saved. You were signed out everywhere else.
settings-saved-email = Your e-mail address is changed.

## Profile
settings-full-name = Full name (optional)
settings-full-name-hint = Shown beside your user name, for example on issues and comments.
settings-description = About you (optional)
settings-language = Language of the pages
settings-language-browser = The language of my browser
settings-save-profile = Save the profile

## Account
settings-password-change = Change the password
settings-password-set = Set a password
settings-password-set-hint = You sign in through another site. With a password, you can also sign in here directly.
settings-current-password = Current password
settings-new-password = New password
settings-password-others-signed-out = Every other browser signed in to this account will be signed out.
settings-password-submit = Change the password
settings-email = E-mail address
settings-email-current = Your address is { $email }.
settings-new-email = New e-mail address
settings-email-submit = Change the address

## Closing the account
settings-close = Close the account
settings-close-intro = Closing your account signs you out everywhere and removes your password, tokens and memberships. What you wrote stays, under your name, which nobody else can take.
settings-close-link = Close my account…
settings-close-what = Once closed, the account cannot be opened again. Your issues, comments and the funding records you signed stay, under your user name, which nobody else can take. Your password, access tokens, sign-in identities and memberships of organisations are removed, and your e-mail address is forgotten.
settings-close-not-yet = Your account cannot be closed yet:
settings-close-owns-repos = You own repositories: delete them, or ask an organisation to take them over.
settings-close-last-owner = You are the only owner of these organisations: name another owner first.
settings-close-last-admin = You are the only administrator of this forge: make someone else an administrator first.
settings-close-type-name = To confirm, type your user name ({ $name })
settings-close-submit = Close my account for good
settings-close-back = Back to the account settings
settings-closed-title = Your account is closed
settings-closed-body = Your account is closed and you are signed out. Thank you for your work here.
settings-closed-home = Go to the home page

## Errors
error-current-password-wrong = This is not your current password.
error-confirm-username = Type your user name exactly as shown to confirm.
error-account-close-obstacles = Your account cannot be closed yet: see what to do first on this page.
error-description-too-long = A description has at most 255 characters.
error-control-characters = This field cannot contain control characters.
error-language-unknown = Choose one of the languages of the list.

## Sign-up
sign-up-username-suggested = We suggest “{ $name }”, filled in below: keep it or change it.
