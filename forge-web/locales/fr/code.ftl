# Catalogue français : le navigateur de code (accueil du dépôt, arborescence, fichiers, historique, commits, branches, étiquettes).
