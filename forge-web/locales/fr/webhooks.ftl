# Webhooks : requêtes que la forge envoie à d’autres programmes quand quelque chose se passe.

error-webhook-url = Indiquez l’adresse du destinataire, commençant par http:// ou https://, avec un nom d’hôte, sans nom d’utilisateur ni mot de passe.
error-webhook-content-type = Le type de contenu est « json » ou « form ».
error-webhook-event = Un des évènements est inconnu : choisissez parmi push, create, delete, issues, issue_comment, pull_request et funding.
error-webhook-no-event = Choisissez au moins un évènement.
error-webhook-type = Ce type de webhook n’est pas pris en charge : utilisez « gitea ».
error-webhook-forbidden = Seuls les administrateurs du dépôt, ou les propriétaires de l’organisation, peuvent gérer ses webhooks.
error-webhook-not-found = Ce webhook n’existe pas.
error-webhook-delivery-not-found = Cet envoi n’existe pas, ou n’est plus conservé.
