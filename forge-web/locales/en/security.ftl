# Security: limits, two-factor sign-in, the security log.

error-body-too-large = The request body is too large.
error-token-name-characters = A token name cannot contain control characters or marks that reorder text.
sign-up-done = Thank you. Unless that e-mail address already has an account here, yours is ready: sign in with your username and password.
