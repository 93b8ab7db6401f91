# Catalogue français : le navigateur de code (accueil du dépôt, arborescence, fichiers, historique, commits, branches, tags).

## En-tête et onglets du dépôt
code-private = Privé
code-repo-nav = Dépôt
code-tab-code = Code
code-tab-history = Historique
code-tab-branches = Branches
code-tab-tags = Tags
code-tab-settings = Paramètres
code-breadcrumbs = Emplacement dans le dépôt
code-clone-label = Adresse pour cloner ce dépôt avec git
code-ref-branch = Branche { $name }
code-ref-tag = Tag { $name }
code-ref-commit = Commit { $name }

## Fichiers et dossiers
code-files = Fichiers
code-files-in = Fichiers de { $path }
code-folder-empty = Ce dossier est vide.
code-parent-folder = Dossier parent
code-col-name = Nom
code-col-kind = Type
code-col-size = Taille
code-kind-dir = Dossier
code-kind-file = Fichier
code-kind-executable = Fichier exécutable
code-kind-symlink = Lien symbolique
code-kind-submodule = Sous-module
code-size-bytes = { $n } o
code-size-kib = { $n } Kio
code-size-mib = { $n } Mio
code-size-gib = { $n } Gio
code-history-link = Historique
code-download-tar = Télécharger (.tar.gz)
code-download-zip = Télécharger (.zip)
code-switch-branch = Changer de branche
code-all-branches = Toutes les branches
code-raw = Fichier brut
code-file-contents = Contenu de { $name }
code-col-line = Ligne
code-col-code = Code
code-file-empty = Ce fichier est vide.
code-file-binary = C’est un fichier binaire : il ne peut pas s’afficher comme du texte. Utilisez le lien « Fichier brut » pour le télécharger.
code-file-too-large = Ce fichier est trop volumineux pour s’afficher ici. Utilisez le lien « Fichier brut » pour le télécharger.
code-file-symlink = C’est un lien symbolique. Il mène à :
code-file-submodule = C’est un sous-module : un autre dépôt, inclus ici au commit
code-file-submodule-url = Il provient de :

## Dépôt vide
code-empty-heading = Ce dépôt est vide
code-empty-intro = Rien n’a encore été envoyé ici. Pour publier votre code, ouvrez un terminal sur votre ordinateur, placez-vous dans le dossier de votre projet et tapez les commandes ci-dessous.
code-empty-existing = Si votre projet utilise déjà git
code-empty-existing-hint = Indiquez ce dépôt à git, puis envoyez votre travail :
code-empty-new = Si votre projet n’utilise pas encore git
code-empty-new-hint = Créez un dépôt git dans le dossier, enregistrez vos fichiers dans un premier commit, puis envoyez-les :
code-empty-first-commit = Premier commit
code-empty-password = Quand git demande un mot de passe, tapez votre mot de passe sur cette forge, ou un jeton d’accès personnel.
code-empty-tokens-link = Gérer vos jetons d’accès
code-empty-reader = Rien n’a encore été envoyé dans ce dépôt. Revenez plus tard, ou clonez-le dès maintenant pour recevoir ses premiers commits.

## Historique
code-history = Historique
code-history-of = Historique de { $path }
code-history-of-ref = Historique de { $name }
code-history-empty = Aucun commit à afficher ici.
code-col-message = Message
code-col-author = Auteur ou autrice
code-col-date = Date
code-col-commit = Commit
code-no-message = (sans message)
code-pager = Pages de l’historique
code-newest = Commits les plus récents
code-older = Commits plus anciens

## Un commit
code-commit-author = Auteur ou autrice
code-commit-committer = Enregistré par
code-commit-id = Commit
code-commit-parents = Parents
code-commit-no-parent = Aucun : c’est le premier commit.
code-commit-browse = Parcourir les fichiers à ce commit
code-diff-heading = Modifications
code-diff-files-changed = Fichiers modifiés : { $count }.
code-diff-legend = Les lignes ajoutées commencent par +, les lignes supprimées par -.
code-diff-stats = lignes ajoutées : { $added }, supprimées : { $removed }
code-diff-caption = Modifications de { $name }
code-col-old-line = Ligne avant
code-col-new-line = Ligne après
code-col-change = Modification
code-diff-added-line = ajoutée
code-diff-removed-line = supprimée
code-diff-status-added = Ajouté
code-diff-status-deleted = Supprimé
code-diff-status-modified = Modifié
code-diff-status-renamed = Renommé
code-diff-status-copied = Copié
code-diff-status-type-changed = Type modifié
code-diff-binary = Fichier binaire (ou trop volumineux pour être comparé) : ses modifications ne peuvent pas s’afficher ligne à ligne.
code-diff-file-too-large = Ces modifications sont trop volumineuses pour s’afficher ici.
code-diff-no-lines = Aucune ligne modifiée (un fichier vide, ou seulement ses permissions).
code-diff-too-large = Ces modifications sont trop volumineuses pour s’afficher en entier : une partie seulement est affichée ({ $shown } fichiers listés). Clonez le dépôt pour les voir toutes.

## Branches et tags
code-branches = Branches
code-branches-none = Ce dépôt n’a pas encore de branche.
code-col-branch = Branche
code-col-last-commit = Dernier commit
code-col-links = Liens
code-default-branch = Par défaut
code-download-tar-of = { $name } (.tar.gz)
code-download-zip-of = { $name } (.zip)
code-tags = Tags
code-tags-none = Ce dépôt n’a pas encore de tag.
code-tags-intro = Un tag donne un nom à un commit précis, le plus souvent une version publiée (par exemple v1.2.0). On peut en télécharger le contenu ci-dessous.
code-col-tag = Tag
code-col-downloads = Téléchargements
code-list-truncated = Seuls les 1000 premiers éléments sont listés.
