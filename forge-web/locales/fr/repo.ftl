# Catalogue français : les dépôts (création, paramètres) et git sur HTTP.

## Messages du domaine sur les dépôts
error-owner-not-found = Aucun utilisateur ni aucune organisation ne porte ce nom.
error-repo-create-forbidden = Vous ne pouvez pas créer de dépôt ici : seul l’utilisateur lui-même, ou un propriétaire ou mainteneur de l’organisation, le peut.
error-repo-name = Utilisez seulement des lettres, des chiffres, des tirets, des tirets bas et des points ; sans point au début, sans « .. », sans « .git » à la fin.
error-branch-name = Ce n’est pas un nom de branche valide.
error-repo-exists = Un dépôt de ce nom existe déjà ici.
error-repo-not-found = Ce dépôt n’existe pas, ou vous n’avez pas le droit de le voir.
error-repo-admin-only = Seul le propriétaire du dépôt peut modifier ses paramètres ou le supprimer.
