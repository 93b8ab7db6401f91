# Se connecter avec d’autres sites (fournisseurs OpenID Connect et OAuth2).
# Les mêmes clés sont dans en/auth.ftl.

## Page de connexion
auth-sign-in-with = Se connecter avec { $provider }
auth-or-password = Ou se connecter avec un mot de passe
auth-providers-label = Autres sites avec lesquels vous connecter
auth-admins-only = La connexion par mot de passe est réservée aux administrateurs du site.

## Erreurs d’une connexion par un fournisseur
auth-error-title = La connexion n’a pas abouti
auth-error-state = Cette connexion ne peut pas être terminée : elle n’a pas commencé dans ce navigateur, elle a déjà servi, ou elle a duré plus de 10 minutes. Veuillez recommencer.
auth-error-denied = Vous avez refusé de partager votre compte avec cette forge : vous n’êtes donc pas connecté.
auth-error-provider-refused = L’autre site a refusé la connexion. Veuillez réessayer plus tard ou vous adresser à l’administrateur de cette forge.
auth-error-provider-down = L’autre site est injoignable pour le moment. Veuillez réessayer plus tard.
auth-error-provider-slow = L’autre site met trop de temps à répondre. Veuillez réessayer plus tard.
auth-error-provider-answer = L’autre site a envoyé une réponse inutilisable par cette forge. L’administrateur en a été averti.
auth-error-code-refused = L’autre site n’accepte plus cette connexion : elle a déjà servi ou a expiré. Veuillez recommencer.
auth-error-token-signature = La preuve de votre identité envoyée par l’autre site n’est signée par aucune de ses clés : cette forge ne peut pas s’y fier.
auth-error-token-expired = La preuve de votre identité envoyée par l’autre site a expiré ou est datée du futur. Vérifiez que les horloges sont à l’heure, puis réessayez.
auth-error-token-audience = La preuve de votre identité envoyée par l’autre site a été faite pour une autre application que cette forge.
auth-error-token-issuer = La preuve de votre identité a été émise par un autre site que celui attendu.
auth-error-token-nonce = La preuve de votre identité n’appartient pas à cette connexion. Veuillez recommencer.
auth-error-token-invalid = La preuve de votre identité envoyée par l’autre site n’est pas valide.
auth-error-link-session = Vous n’êtes plus connecté sous le compte qui a demandé cette liaison. Reconnectez-vous, puis liez le compte depuis vos paramètres.
auth-back-to-sign-in = Retour à la page de connexion
auth-back-to-identities = Retour à vos comptes liés

## Confirmation d’un nouveau compte
auth-confirm-title = Créer votre compte
auth-confirm-intro = { $provider } a confirmé votre identité. Choisissez comment vous apparaîtrez sur cette forge ; vous pourrez désormais vous connecter avec { $provider }.
auth-confirm-existing = Vous avez déjà un compte sur cette forge ? Connectez-vous avec celui-ci, puis liez { $provider } depuis vos paramètres.
auth-confirm-submit = Créer mon compte

## Comptes liés (paramètres)
auth-identities-title = Comptes liés
auth-identities-intro = Ces comptes sur d’autres sites vous permettent de vous connecter à cette forge.
auth-identities-none = Aucun compte sur un autre site n’est lié au vôtre.
auth-identities-provider = Site
auth-identities-subject = Compte sur ce site
auth-identities-linked-on = Lié le
auth-identities-actions = Actions
auth-identities-link = Lier un autre compte
auth-identities-password = Vous pouvez aussi vous connecter avec votre mot de passe.
auth-identities-no-password = Vous n’avez pas de mot de passe ici : gardez au moins un compte lié, sinon vous ne pourriez plus vous connecter.
auth-link-with = Lier { $provider }
auth-unlink = Délier
auth-linked = Votre compte { $provider } est maintenant lié : vous pouvez vous connecter avec lui.
auth-unlinked = Ce compte n’est plus lié.

## Erreurs du domaine
error-identity-invalid = Ce compte sur un autre site n’est pas utilisable.
error-identity-taken = Ce compte sur l’autre site est déjà lié à un autre compte de cette forge.
error-identity-not-found = Ce compte lié n’existe pas.
error-identity-last-way-in = C’est votre seul moyen de vous connecter : mettez-en un autre en place avant de le délier.
error-signup-expired = Cette inscription a expiré ou est déjà terminée. Veuillez vous reconnecter.
