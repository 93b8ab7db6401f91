# Messages de l’API JSON : contenu des dépôts, recherche, sujets et
# collaborateurs.
error-file-path = Ce chemin ne peut pas désigner un fichier du dépôt.
error-file-exists = Un fichier existe déjà à ce chemin.
error-file-missing = Il n’y a pas de fichier à ce chemin.
error-file-sha = Le fichier a changé depuis le sha indiqué : relisez-le.
error-branch-moved = La branche a bougé pendant la modification : réessayez.
error-branch-exists = Une branche de ce nom existe déjà.
error-repo-write-only = Seules les personnes qui peuvent écrire dans le dépôt peuvent en modifier les fichiers.
error-content-base64 = Le contenu doit être encodé en base64.
error-signature = Un nom ou une adresse électronique du commit ne peut pas s’écrire dans git.
error-commit-message = Le message du commit ne peut pas contenir de caractère NUL.
error-topic-name = Un sujet est fait de lettres minuscules, de chiffres, de tirets et de points, commence par une lettre ou un chiffre et compte au plus 35 caractères.
error-too-many-topics = Un dépôt a au plus 25 sujets.
error-template-unknown = Il n’existe pas de modèle de ce nom.
error-auto-init-existing = Les premiers fichiers d’un nouveau dépôt demandent un dépôt vide.
error-repo-empty = Le dépôt est vide : il n’a encore aucun commit.

# La page de nouveau dépôt : les premiers fichiers.
repo-field-auto-init = Commencer avec un README
repo-field-auto-init-hint = Le premier commit ajoute un README, ainsi que la licence et le fichier .gitignore choisis ci-dessous.
repo-field-license = Licence (avec un README)
repo-field-gitignore = Fichier .gitignore (avec un README)
repo-field-template-none = Aucun
