# Catalogue français. Chaque texte visible de la forge est ici et dans en.ftl,
# sous les mêmes clés.

## Mise en page
skip-to-content = Aller au contenu principal
nav-label = Navigation principale
nav-new-org = Nouvelle organisation
nav-settings = Paramètres
nav-sign-in = Se connecter
nav-sign-up = Créer un compte
nav-sign-out = Se déconnecter
footer-language = Langue
footer-language-apply = Changer
footer-tagline = Une forge où les organisations cofinancent les logiciels libres qu’elles partagent.
copy-button = Copier
copy-done = Copié
flash-org-created = L’organisation est créée. Ajoutez ses membres ci-dessous.
flash-repo-created = Le dépôt est créé. Envoyez votre travail à l’adresse ci-dessous.
lang-name-en = English
lang-name-fr = Français

## Accueil
home-title = Accueil
home-heading = Partager le code, les besoins et les coûts
home-intro = Cette forge héberge des logiciels libres utilisés ensemble par plusieurs organisations. Elles y discutent de leurs besoins et les financent ensemble.
home-point-code = Le code : des dépôts à cloner, parcourir et enrichir.
home-point-issues = Les tickets : besoins et anomalies, discutés au grand jour.
home-point-funding = Le financement : les organisations s’engagent sur une fonctionnalité et ne paient qu’une fois le travail livré.
home-welcome-user = Bienvenue, { $name }
home-my-orgs = Vos organisations
home-no-orgs = Vous n’appartenez encore à aucune organisation. Créez-en une, ou demandez à un propriétaire d’une organisation existante de vous ajouter.

## Formulaires
form-has-errors = Certains champs demandent votre attention. Chaque problème est décrit à côté de son champ.
field-username = Nom d’utilisateur
field-username-hint = Lettres minuscules, chiffres, tirets, tirets bas et points ; 40 caractères au plus ; commence par une lettre ou un chiffre.
field-full-name = Nom complet (facultatif)
field-email = Adresse électronique
field-password = Mot de passe
field-password-hint = Au moins 8 caractères.
field-password-confirm = Mot de passe, à nouveau

## Connexion et inscription
login-title = Se connecter
login-login = Nom d’utilisateur ou adresse électronique
login-submit = Se connecter
login-failed = Le nom d’utilisateur ou le mot de passe est incorrect. Veuillez réessayer.
login-no-account = Pas encore de compte ?
sign-up-title = Créer un compte
sign-up-submit = Créer mon compte
sign-up-closed = Cette forge n’accepte pas de nouveaux comptes. Demandez-en un à son administrateur.
sign-up-have-account = Vous avez déjà un compte ?

## Jetons
tokens-title = Jetons d’accès
tokens-intro = Un jeton permet à un programme d’agir en votre nom, par exemple un client git ou un script qui utilise l’API. Utilisez un jeton par programme pour pouvoir le révoquer seul.
tokens-created = Votre nouveau jeton est prêt.
tokens-copy-now = Copiez-le maintenant : il ne sera plus affiché.
tokens-yours = Vos jetons
tokens-none = Vous n’avez aucun jeton.
tokens-name = Nom
tokens-ends-with = Se termine par
tokens-created-on = Créé le
tokens-last-used = Dernière utilisation
tokens-never-used = Jamais
tokens-actions = Actions
tokens-revoke = Révoquer
tokens-revoke-named = Révoquer le jeton { $name }
tokens-new = Nouveau jeton
tokens-generate = Créer un jeton

## Organisations
org-new-title = Nouvelle organisation
org-new-intro = Une organisation est une personne morale (association, coopérative, mutuelle…) dont les membres peuvent héberger du code et s’engager financièrement ensemble. Vous en serez le premier propriétaire.
org-field-name = Nom court (utilisé dans les adresses)
org-field-full-name = Nom complet
org-field-kind = Type d’organisation
org-field-description = Description
org-field-website = Site web
org-new-submit = Créer l’organisation
org-kind-association = Association
org-kind-cooperative = Coopérative
org-kind-mutual = Mutuelle
org-kind-foundation = Fondation
org-kind-company = Entreprise
org-kind-public_body = Organisme public
org-kind-other = Autre
org-members = Membres
org-member-name = Membre
org-member-role = Rôle
org-role-of = Rôle de { $name }
org-change-role = Modifier
org-remove = Retirer
org-remove-named = Retirer { $name } de l’organisation
org-add-member = Ajouter un membre
org-add-submit = Ajouter
org-roles-explained = Les propriétaires gèrent l’organisation et ses membres. Les trésoriers s’engagent et enregistrent les paiements en son nom. Les mainteneurs s’occupent de ses dépôts. Les membres participent.
role-owner = Propriétaire
role-treasurer = Trésorier ou trésorière
role-maintainer = Mainteneur ou mainteneuse
role-member = Membre
user-orgs = Organisations
user-no-orgs = Membre d’aucune organisation.

## Pages d’erreur
error-title = Un problème est survenu
error-status = Code d’erreur { $status }
error-back-home = Retour à l’accueil
error-page-not-found = Cette page n’existe pas, ou vous n’avez pas le droit de la voir.
error-csrf = Ce formulaire a expiré ou ne vient pas de ce site. Revenez en arrière, rechargez la page et réessayez.
error-bad-form = Le formulaire n’a pas pu être lu. Revenez en arrière, rechargez la page et réessayez.
error-form-too-large = Le formulaire est trop volumineux.

## Messages du domaine et de l’API
error-internal = Une erreur interne est survenue. Elle a été consignée pour l’administrateur.
error-unavailable = La forge ne peut pas joindre sa base de données ou son stockage pour le moment. Rien n’a été modifié ; réessayez dans un instant.
error-not-found = Introuvable.
error-unauthenticated = Une authentification est nécessaire : envoyez un jeton, ou un nom d’utilisateur et un mot de passe.
error-bad-body = Le corps de la requête n’est pas un JSON valide pour cette adresse
error-admin-only = Seuls les administrateurs du site peuvent faire cela.
error-basic-auth-required = Il faut pour cela votre nom d’utilisateur et votre mot de passe (authentification HTTP Basic), pas un jeton.
error-own-tokens-only = Vous ne pouvez gérer que vos propres jetons.
error-name-empty = Un nom est obligatoire.
error-name-too-long = Un nom compte au plus { $max } caractères.
error-name-characters = Utilisez seulement des lettres minuscules, des chiffres, des tirets, des tirets bas et des points (pas de « .. », pas de « .git » à la fin).
error-name-leading-punctuation = Un nom commence par une lettre ou un chiffre.
error-name-reserved = Ce nom est réservé par la forge. Veuillez en choisir un autre.
error-name-taken = Ce nom est déjà pris par un utilisateur ou une organisation.
error-email-invalid = Cela ne ressemble pas à une adresse électronique.
error-email-taken = Un compte utilise déjà cette adresse électronique.
error-password-too-short = Un mot de passe compte au moins { $min } caractères.
error-password-too-long = Ce mot de passe est trop long.
error-password-mismatch = Les deux mots de passe diffèrent.
error-full-name-too-long = Un nom complet compte au plus 100 caractères.
error-text-too-long = Ce texte compte au plus { $max } caractères.
error-website = L’adresse d’un site web commence par https:// ou http://.
error-org-kind = Choisissez parmi : association, cooperative, mutual, foundation, company, public_body, other.
error-role = Choisissez parmi : owner, treasurer, maintainer, member.
error-org-owner-only = Seuls les propriétaires de l’organisation peuvent gérer ses membres.
error-user-not-found = Aucun utilisateur ne porte ce nom.
error-member-not-found = Cet utilisateur n’est pas membre de l’organisation.
error-last-owner = Une organisation garde toujours au moins un propriétaire : nommez d’abord quelqu’un d’autre propriétaire.
error-token-name-empty = Donnez un nom au jeton.
error-token-name-taken = Vous avez déjà un jeton de ce nom.
error-token-not-found = Ce jeton n’existe pas.

## Issues API
error-issue-not-found = Ce ticket n’existe pas.
error-issue-title-empty = Un ticket a besoin d’un titre.
error-issue-forbidden = Connectez-vous avec un accès à ce dépôt pour ouvrir des tickets et les commenter.
error-issue-edit-forbidden = Vous ne pouvez pas modifier ceci : les auteurs modifient, ferment et rouvrent leurs propres tickets ; les libellés, les assignations, les jalons et le verrouillage reviennent aux mainteneurs.
error-issue-locked = Ce ticket est verrouillé : seuls les mainteneurs peuvent le commenter.
error-issue-state = Choisissez open ou closed.
error-state-filter = Choisissez parmi : open, closed, all.
error-issue-type = Choisissez parmi : issues, pulls.
error-close-reason = Choisissez parmi : completed, not_planned, duplicate.
error-comment-empty = Un commentaire ne peut pas être vide.
error-comment-not-found = Ce commentaire n’existe pas.
error-comment-own-only = Seul l’auteur du commentaire peut faire cela (les mainteneurs peuvent le masquer ou le supprimer).
error-maintainers-only = Seuls les mainteneurs du dépôt peuvent faire cela.
error-label-color = Écrivez une couleur sous la forme #rrvvbb, par exemple #d73a4a.
error-label-exists = Ce dépôt a déjà un libellé de ce nom.
error-label-not-found = Ce dépôt n’a pas ce libellé.
error-milestone-title-empty = Un jalon a besoin d’un titre.
error-milestone-exists = Ce dépôt a déjà un jalon de ce titre.
error-milestone-not-found = Ce dépôt n’a pas ce jalon.
error-assignee-cannot-read = Seule une personne qui peut lire le dépôt peut être assignée.
error-sort = Choisissez parmi : newest, oldest, recentupdate, mostcomment.
error-cursor = Ce curseur n’est pas valide : utilisez la valeur X-Next-Cursor de la page précédente.
error-page = Une page est un nombre entier, à partir de 1.
error-limit = Une limite est un nombre entier : 0 pour la taille de page par défaut, au plus 50 (100 pour les tickets).
error-date = Écrivez les dates au format RFC 3339, par exemple 2026-12-31T23:59:59Z.
error-bad-query = La chaîne de requête est illisible.
error-text-nul = Un texte ne peut pas contenir de caractère NUL (U+0000).

## Mois, pour les dates en toutes lettres
month-1 = janvier
month-2 = février
month-3 = mars
month-4 = avril
month-5 = mai
month-6 = juin
month-7 = juillet
month-8 = août
month-9 = septembre
month-10 = octobre
month-11 = novembre
month-12 = décembre

## Explorer
nav-explore = Explorer
explore-title = Explorer
explore-tabs = Rubriques à explorer
explore-repos = Dépôts
explore-orgs = Organisations
explore-search = Rechercher
explore-search-submit = Rechercher
explore-empty = Rien de public ici pour l’instant.
explore-no-match = Rien ne correspond à cette recherche. Essayez avec moins de mots ou d’autres mots.
explore-next = Page suivante

## Accueil, connecté
home-my-repos = Vos dépôts
home-no-repos = Vous n’avez pas encore de dépôt.
home-assigned = Tickets qui vous sont assignés
home-no-assigned = Rien ne vous est assigné.
home-reviews = Livraisons à vérifier par votre organisation
home-review-item = { $org } doit vérifier
home-review-until = avant le { $date }

## Accessibility

# Le nom du formulaire de recherche de l’en-tête, distinct de la recherche propre à une page.
a11y-site-search = Rechercher dans toute la forge

## Page de premier lancement
setup-title = Préparer votre forge
setup-intro = Bienvenue ! Deux petites étapes rendent cette forge prête pour les organisations qui vont l’utiliser.
setup-step-name = 1. Nommer la forge
setup-site-name = Nom de la forge
setup-site-name-hint = Affiché en haut de chaque page, par exemple le nom de votre fédération ou de votre réseau.
setup-save = Enregistrer le nom
setup-saved = Le nom est enregistré.
setup-step-org = 2. Créer la première organisation
setup-org-help = Les organisations sont les associations, coopératives et autres structures qui hébergent du code et s’engagent financièrement ensemble. Créez la première ; vous en serez propriétaire et pourrez y ajouter des membres.
setup-org-done = Une organisation existe : cette étape est faite.
setup-step-next = Ensuite
setup-next-help = Créez un dépôt, invitez des personnes à créer un compte et ajoutez-les aux organisations avec leur rôle. Cette page reste accessible depuis votre page d’accueil.
setup-banner = Votre forge n’est pas encore tout à fait prête.
setup-banner-link = Terminer la préparation
