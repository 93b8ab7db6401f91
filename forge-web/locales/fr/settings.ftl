# Catalogue français00a0: les paramètres de l’utilisateur (profil, compte, fermeture du compte).

settings-menu = Rubriques des paramètres
settings-profile = Profil
settings-account = Compte
settings-saved-profile = Votre profil est enregistré.
settings-saved-password = Votre nouveau mot de passe est enregistré. Vos autres connexions ont été fermées.
settings-saved-email = Votre adresse électronique est changée.

## Profil
settings-full-name = Nom complet (facultatif)
settings-full-name-hint = Affiché à côté de votre nom d’utilisateur, par exemple sur les tickets et les commentaires.
settings-description = À propos de vous (facultatif)
settings-language = Langue des pages
settings-language-browser = La langue de mon navigateur
settings-save-profile = Enregistrer le profil

## Compte
settings-password-change = Changer le mot de passe
settings-password-set = Choisir un mot de passe
settings-password-set-hint = Vous vous connectez par un autre site. Avec un mot de passe, vous pourrez aussi vous connecter directement ici.
settings-current-password = Mot de passe actuel
settings-new-password = Nouveau mot de passe
settings-password-others-signed-out = Tous les autres navigateurs connectés à ce compte seront déconnectés.
settings-password-submit = Changer le mot de passe
settings-email = Adresse électronique
settings-email-current = Votre adresse est { $email }.
settings-new-email = Nouvelle adresse électronique
settings-email-submit = Changer l’adresse

## Fermeture du compte
settings-close = Fermer le compte
settings-close-intro = Fermer votre compte vous déconnecte partout et supprime votre mot de passe, vos jetons et vos adhésions. Ce que vous avez écrit reste, sous votre nom, que personne d’autre ne pourra prendre.
settings-close-link = Fermer mon compte…
settings-close-what = Une fois fermé, le compte ne peut pas être rouvert. Vos tickets, vos commentaires et les enregistrements de financement que vous avez signés restent, sous votre nom d’utilisateur, que personne d’autre ne pourra prendre. Votre mot de passe, vos jetons d’accès, vos identités de connexion et vos adhésions aux organisations sont supprimés, et votre adresse électronique est oubliée.
settings-close-not-yet = Votre compte ne peut pas encore être fermé :
settings-close-owns-repos = Vous possédez des dépôts00a0: supprimez-les, ou demandez à une organisation de les reprendre.
settings-close-last-owner = Vous êtes le seul propriétaire de ces organisations00a0: nommez d’abord un autre propriétaire.
settings-close-last-admin = Vous êtes le seul administrateur de cette forge00a0: nommez d’abord quelqu’un d’autre administrateur.
settings-close-type-name = Pour confirmer, tapez votre nom d’utilisateur ({ $name })
settings-close-submit = Fermer définitivement mon compte
settings-close-back = Revenir aux paramètres du compte
settings-closed-title = Votre compte est fermé
settings-closed-body = Votre compte est fermé et vous êtes déconnecté. Merci pour votre travail ici.
settings-closed-home = Aller à l’accueil

## Erreurs
error-current-password-wrong = Ce n’est pas votre mot de passe actuel.
error-confirm-username = Tapez votre nom d’utilisateur exactement comme indiqué pour confirmer.
error-account-close-obstacles = Votre compte ne peut pas encore être fermé00a0: voyez sur cette page ce qu’il faut faire d’abord.
error-description-too-long = Une description compte au plus 255 caractères.
error-control-characters = Ce champ ne peut pas contenir de caractères de contrôle.
error-language-unknown = Choisissez l’une des langues de la liste.

## Création de compte
sign-up-username-suggested = Nous vous proposons « { $name } », déjà saisi ci-dessous : gardez-le ou changez-le.
