# fr: issues — les pages des tickets (liste, ticket, nouveau ticket, libellés, jalons)
# « Libellés » (comme dans les messageries) pour les labels des tickets ; les tags
# git s’appellent « tags ». Les termes choisis sont dans forge-web/locales/GLOSSARY.md.

## Onglet du dépôt et sous-navigation
issues-tab = Tickets
issues-tab-open-prefix = ouverts :
issues-subnav = Suivi des tickets
issues-subnav-issues = Tickets
issues-subnav-labels = Libellés
issues-subnav-milestones = Jalons
issues-new-button = Nouveau ticket

## La liste
issues-heading-open = Tickets ouverts
issues-heading-closed = Tickets fermés
issues-heading-all = Tous les tickets
issues-state-nav = Tickets ouverts ou fermés
issues-tab-open = Ouverts ({ $count })
issues-tab-closed = Fermés ({ $count })
issues-filters-heading = Filtrer et trier
issues-filters-have-errors = Certains filtres ne désignent personne : voyez le message à côté de chacun.
issues-filter-search = Mots à chercher
issues-filter-search-hint = Cherche dans les titres, les descriptions et les commentaires ; chaque mot doit y figurer.
issues-filter-labels = Libellés
issues-filter-labels-hint = N’affiche que les tickets qui portent tous les libellés cochés.
issues-filter-milestone = Jalon
issues-filter-milestone-any = N’importe quel jalon
issues-filter-milestone-none = Sans jalon
issues-milestone-closed-choice = { $title } (fermé)
issues-filter-assignee = Assigné à (nom)
issues-filter-author = Ouvert par (nom)
issues-filter-mentioned = Qui mentionne (nom)
issues-filter-no-user = Personne ne s’appelle « { $name } ».
issues-filter-sort = Trier par
issues-sort-newest = Les plus récents d’abord
issues-sort-oldest = Les plus anciens d’abord
issues-sort-recentupdate = Modifiés récemment
issues-sort-mostcomment = Les plus commentés
issues-filter-apply = Appliquer
issues-filter-clear = Effacer les filtres
issues-results-heading = Tickets trouvés
issues-bad-cursor = Ce lien de page a expiré : la liste reprend à la première page.
issues-showing-one = { $count } ticket sur cette page.
issues-showing-other = { $count } tickets sur cette page.
issues-empty-repo = Aucun ticket pour l’instant.
issues-empty-open = Aucun ticket ouvert.
issues-empty-closed = Aucun ticket fermé.
issues-empty-filtered = Aucun ticket ne correspond à ces filtres.
issues-open-first = Ouvrir le premier ticket
issues-sign-in-to-open = Connectez-vous pour ouvrir le premier ticket
issues-row-opened = ouvert le
issues-row-by = par
issues-row-milestone = Jalon :
issues-comments-one = { $count } commentaire
issues-comments-other = { $count } commentaires
issues-pager = Pages de tickets
issues-first-page = Première page
issues-next-page = Page suivante

## Ouvrir un ticket
issue-new-title = Nouveau ticket
issue-new-intro = Décrivez le problème ou l’idée pour qu’une autre personne le comprenne sans avoir à vous demander : ce que vous avez fait, ce que vous attendiez, ce qui s’est passé.
issue-field-title = Titre
issue-field-body = Description
issue-markdown-hint = Vous pouvez utiliser Markdown. #12 renvoie au ticket 12, @nom à une personne ou à une organisation.
issue-field-labels = Libellés
issue-field-milestone = Jalon
issue-field-assignees = Personnes assignées
issue-field-assignees-hint = Noms des personnes chargées du ticket, séparés par des virgules. Laissez vide pour personne.
issue-new-submit = Ouvrir le ticket
issue-preview = Aperçu
issue-preview-heading = Aperçu de la description
issue-preview-empty = La description est vide : rien à afficher.

## Un ticket
issue-state-open = Ouvert
issue-state-closed = Fermé
issue-closed-as-completed = Fermé : terminé
issue-closed-as-not_planned = Fermé : non prévu
issue-closed-as-duplicate = Fermé : doublon
issue-locked-badge = Verrouillé
issue-opened-by = Ouvert par { $author } le { $date }
issue-no-description = Pas de description.
issue-edit-summary = Modifier le titre et la description
issue-edit-save = Enregistrer les modifications
issue-timeline-heading = Activité
issue-sidebar-label = À propos de ce ticket

## L’historique
issue-event-someone = Quelqu’un
issue-event-deleted-milestone = un jalon supprimé
issue-event-opened = { $actor } a ouvert ce ticket
issue-event-commented = { $actor } a commenté
issue-event-labeled = { $actor } a ajouté le libellé { $label }
issue-event-unlabeled = { $actor } a retiré le libellé { $label }
issue-event-assigned = { $actor } a assigné { $assignee }
issue-event-unassigned = { $actor } a retiré l’assignation de { $assignee }
issue-event-milestoned = { $actor } a ajouté ce ticket au jalon { $milestone }
issue-event-demilestoned = { $actor } a retiré ce ticket du jalon { $milestone }
issue-event-closed = { $actor } a fermé ce ticket
issue-event-closed-completed = { $actor } a fermé ce ticket : terminé
issue-event-closed-not_planned = { $actor } a fermé ce ticket : non prévu
issue-event-closed-duplicate = { $actor } a fermé ce ticket : doublon
issue-event-closed-commit = { $actor } a fermé ce ticket avec le commit { $commit }
issue-event-reopened = { $actor } a rouvert ce ticket
issue-event-renamed = { $actor } a changé le titre « { $old } » en « { $new } »
issue-event-locked = { $actor } a verrouillé la conversation : seuls les mainteneurs peuvent désormais commenter
issue-event-unlocked = { $actor } a déverrouillé la conversation
issue-event-referenced = { $actor } a mentionné ce ticket dans le commit { $commit }
issue-event-cross-referenced = { $actor } a mentionné ce ticket dans { $issue }
issue-event-changed = { $actor } a modifié quelque chose sur ce ticket

## Commentaires
issue-comment-edited = modifié
issue-comment-hidden-badge = Masqué
issue-comment-hidden = Ce commentaire a été masqué par un mainteneur.
issue-comment-hidden-show = Masqué par un mainteneur : afficher le commentaire
issue-comment-edit = Modifier ce commentaire
issue-comment-field = Votre commentaire
issue-comment-save = Enregistrer le commentaire
issue-comment-hide = Masquer ce commentaire
issue-comment-unhide = Afficher de nouveau ce commentaire
issue-comment-delete = Supprimer ce commentaire…
issue-comment-new-heading = Ajouter un commentaire
issue-comment-submit = Commenter
issue-comment-sign-in = Connectez-vous pour commenter
issue-locked-notice = Ce ticket est verrouillé : seuls les mainteneurs peuvent commenter.
issue-locked-maintainer-note = Ce ticket est verrouillé : vous pouvez commenter, car vous maintenez le dépôt.
issue-comment-delete-title = Supprimer un commentaire
issue-comment-delete-question = Supprimer ce commentaire de { $author } sur le ticket
issue-comment-delete-warning = La suppression est définitive : le commentaire disparaît du ticket pour tout le monde.
issue-comment-delete-submit = Oui, supprimer ce commentaire
issue-comment-delete-cancel = Non, le garder

## Fermer et rouvrir
issue-close-heading = Fermer ce ticket
issue-reopen-heading = Rouvrir ce ticket
issue-close-reason = Motif
issue-reason-completed = Terminé
issue-reason-not_planned = Non prévu
issue-reason-duplicate = Doublon
issue-close-submit = Fermer le ticket
issue-reopen-submit = Rouvrir le ticket

## La colonne latérale
issue-labels-heading = Libellés
issue-labels-none = Aucun libellé.
issue-labels-create = Créer des libellés pour ce dépôt
issue-labels-change = Changer les libellés
issue-labels-apply = Appliquer les libellés
issue-milestone-heading = Jalon
issue-milestone-none = Aucun jalon
issue-milestone-change = Choisir le jalon
issue-milestone-apply = Définir le jalon
issue-assignees-heading = Personnes assignées
issue-assignees-none = Personne n’est assigné.
issue-assignees-change = Qui s’en charge
issue-assignees-apply = Enregistrer les personnes assignées
issue-lock-heading = Conversation
issue-lock-is-open = Toute personne ayant accès peut commenter.
issue-lock-is-locked = Verrouillée : seuls les mainteneurs peuvent commenter.
issue-lock-submit = Verrouiller la conversation
issue-unlock-submit = Déverrouiller la conversation

## Libellés
labels-title = Libellés
labels-intro = Les libellés classent les tickets par nature ou par sujet. Chacun a un nom et une couleur ; le nom est toujours affiché.
labels-none = Ce dépôt n’a pas encore de libellés.
labels-none-maintainer = Ce dépôt n’a pas encore de libellés : créez le premier ci-dessous.
labels-issues-link = Tickets portant le libellé « { $name } »
labels-edit-named = Modifier le libellé « { $name } »
labels-delete-named = Supprimer le libellé « { $name } »
labels-delete-hint = Supprimer un libellé le retire de tous les tickets.
labels-new-heading = Nouveau libellé
labels-field-name = Nom
labels-field-colour = Couleur
labels-field-colour-hint = Choisissez une couleur ou écrivez son code sous la forme #rrvvbb (par exemple #d73a4a). Le texte posé dessus est rendu lisible automatiquement.
labels-field-colour-picker = Sélecteur de couleur
labels-field-colour-code = Code de la couleur
labels-field-description = Description (facultative)
labels-save = Enregistrer le libellé
labels-create = Créer le libellé

## Jalons
milestones-title = Jalons
milestones-intro = Les jalons regroupent les tickets à terminer ensemble, pour une version ou une date.
milestones-none = Ce dépôt n’a pas encore de jalons.
milestones-none-maintainer = Ce dépôt n’a pas encore de jalons : créez le premier ci-dessous.
milestones-state-open = Ouvert
milestones-state-closed = Fermé
milestones-due = Échéance le
milestones-no-due = Sans échéance
milestones-overdue = (échéance dépassée)
milestones-progress-label = Avancement
milestones-progress = { $closed } sur { $total } fermés ({ $percent } %)
milestones-no-issues = Aucun ticket pour l’instant
milestones-close-named = Fermer le jalon « { $title } »
milestones-reopen-named = Rouvrir le jalon « { $title } »
milestones-edit-named = Modifier le jalon « { $title } »
milestones-delete-named = Supprimer le jalon « { $title } »
milestones-delete-hint = Ses tickets restent, sans jalon.
milestones-new-heading = Nouveau jalon
milestones-field-title = Titre
milestones-field-due = Échéance (facultative)
milestones-field-due-hint = Le jour où le travail doit être terminé, par exemple 2026-12-31.
milestones-field-description = Description (facultative)
milestones-save = Enregistrer le jalon
milestones-create = Créer le jalon
error-milestone-due = Écrivez la date sous la forme année-mois-jour, par exemple 2026-12-31.
