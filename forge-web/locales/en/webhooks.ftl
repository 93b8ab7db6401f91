# Webhooks: requests the forge sends to other programs when something happens.

error-webhook-url = Give the address of the receiver, starting with http:// or https://, with a host name and no user name or password in it.
error-webhook-content-type = The content type is "json" or "form".
error-webhook-event = One of the events is not known: choose among push, create, delete, issues, issue_comment, pull_request and funding.
error-webhook-no-event = Choose at least one event.
error-webhook-type = This kind of webhook is not supported: use "gitea".
error-webhook-forbidden = Only administrators of the repository, or owners of the organisation, may manage its webhooks.
error-webhook-not-found = This webhook does not exist.
error-webhook-delivery-not-found = This delivery does not exist, or is no longer kept.
