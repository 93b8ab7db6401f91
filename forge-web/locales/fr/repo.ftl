# Catalogue français : les dépôts (création, paramètres) et git sur HTTP.

## Messages du domaine sur les dépôts
error-owner-not-found = Aucun utilisateur ni aucune organisation ne porte ce nom.
error-repo-create-forbidden = Vous ne pouvez pas créer de dépôt ici : seul l’utilisateur lui-même, ou un propriétaire ou mainteneur de l’organisation, le peut.
error-repo-name = Utilisez seulement des lettres, des chiffres, des tirets, des tirets bas et des points ; sans point au début, sans « .. », sans « .git » à la fin.
error-branch-name = Ce n’est pas un nom de branche valide.
error-repo-exists = Un dépôt de ce nom existe déjà ici.
error-repo-not-found = Ce dépôt n’existe pas, ou vous n’avez pas le droit de le voir.
error-repo-admin-only = Seul le propriétaire du dépôt peut modifier ses paramètres ou le supprimer.
error-branch-missing = Le dépôt n’a pas de branche de ce nom.

## Créer un dépôt
repo-new-title = Nouveau dépôt
repo-new-intro = Un dépôt contient le code d’un projet et son historique. Une fois créé, vous pouvez y pousser avec git.
repo-field-owner = Propriétaire
repo-field-name = Nom du dépôt
repo-field-name-hint = Lettres, chiffres, tirets, tirets bas et points. Il apparaît dans l’adresse : /propriétaire/nom.
repo-field-description = Description (facultative)
repo-field-default-branch = Branche par défaut
repo-field-private = Dépôt privé
repo-field-private-hint = Seuls vous, ou les membres de l’organisation, voyez un dépôt privé. Tout le monde voit un dépôt public.
repo-new-submit = Créer le dépôt
nav-new-repo = Nouveau dépôt
breadcrumbs-label = Vous êtes ici

## Paramètres du dépôt
repo-settings-title = Paramètres
repo-settings-saved = Les paramètres sont enregistrés.
repo-settings-save = Enregistrer les paramètres
repo-delete-title = Supprimer ce dépôt
repo-delete-warning = Supprimer un dépôt efface définitivement son code et son historique. C’est irréversible.
repo-delete-confirm = Pour confirmer, saisissez le nom complet du dépôt : { $name }
repo-delete-mismatch = Le nom saisi ne correspond pas ; rien n’a été supprimé.
repo-delete-submit = Supprimer définitivement ce dépôt

## Pages des propriétaires
owner-repos = Dépôts
owner-no-repos = Aucun dépôt pour l’instant.
repo-private-badge = Privé
error-repo-has-funding = Ce dépôt a un historique de financement, qui reste public pour toujours : il ne peut pas être supprimé. Rendez-le privé à la place.
