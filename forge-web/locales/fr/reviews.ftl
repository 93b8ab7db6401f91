# Revues des demandes de fusion et commentaires sur les lignes de leurs différences.
error-review-line = Choisissez une ligne des différences de la demande de fusion : ce fichier n’a pas cette ligne.
error-review-comment-not-found = Cette demande de fusion n’a pas ce commentaire.
error-review-resolve-forbidden = Seuls l’auteur de la demande de fusion et les mainteneurs résolvent les conversations.
error-review-comment-not-yours = Vous ne pouvez modifier que vos propres commentaires.
error-review-no-diff = Cette demande de fusion n’a pas de changements à commenter (une branche manque).
error-review-not-found = Cette demande de fusion n’a pas cette revue.
pulls-tab-reviews = Revues
reviews-page-link = Revues et conversations
reviews-heading = Revues
reviews-none = Personne n’a encore relu cette demande de fusion.
reviews-summary-heading = Avis
reviews-summary-none = Personne n’a encore approuvé ni demandé de changements.
reviews-approved-by = Approuvée par { $names }
reviews-changes-requested-by = Changements demandés par { $names }
reviews-verdict-approved = a approuvé
reviews-verdict-changes-requested = a demandé des changements
reviews-verdict-commented = a commenté
reviews-dismissed = Écartée
reviews-dismiss = Écarter cette revue
reviews-line-comments = { $count ->
    [one] un commentaire sur une ligne
   *[other] { $count } commentaires sur des lignes
}
reviews-new-heading = Relire
reviews-verdict-legend = Votre avis
reviews-choice-approve = Approuver
reviews-choice-request-changes = Demander des changements
reviews-choice-comment = Commenter seulement
reviews-body-field = Texte
reviews-body-hint = Markdown. Obligatoire pour demander des changements ou commenter.
reviews-submit = Envoyer la revue
reviews-conversations-heading = Conversations sur des lignes
reviews-conversations-none = Aucune conversation sur les lignes des différences actuelles.
reviews-outdated-heading = Conversations périmées
reviews-outdated = Périmée
reviews-elsewhere-heading = Autres conversations
reviews-side-new = nouvelle version
reviews-side-old = ancienne version
reviews-place = { $path }, ligne { $line } ({ $side })
reviews-resolved-by = Résolue par { $name }
reviews-comment-count = { $count ->
    [one] Un commentaire
   *[other] { $count } commentaires
}
reviews-comment-on-line = Commenter la ligne { $line } de { $path }
reviews-comment-button = Commenter
reviews-cancel = Annuler
reviews-reply-field = Réponse
reviews-reply-button = Répondre
reviews-resolve = Résoudre la conversation
reviews-unresolve = Rouvrir la conversation
reviews-edit = Modifier
reviews-delete = Supprimer
reviews-edit-heading = Modifier un commentaire
reviews-save = Enregistrer
