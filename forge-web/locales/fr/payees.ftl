# fr: payees
# Coordonnées bancaires des bénéficiaires, appels de fonds et reçus, et le
# vote qui tranche une contestation. Écrits pour des trésoriers, pas pour
# des programmeurs.

## Coordonnées bancaires
payee-title = Coordonnées bancaires
payee-intro = Où les organisations qui vous doivent de l’argent doivent l’envoyer. Seuls vous et les trésoriers des organisations qui ont un paiement à vous faire voient ces coordonnées.
payee-legal-name = Raison sociale ou nom légal
payee-address = Adresse postale
payee-iban = IBAN
payee-iban-help = Tel qu’il figure sur votre RIB, par exemple FR76 3000 6000 0112 3456 7890 189. Les espaces ne comptent pas.
payee-bic = BIC (code SWIFT)
payee-note = Note pour les payeurs (facultative)
payee-save = Enregistrer les coordonnées bancaires
payee-saved = Vos coordonnées bancaires sont enregistrées.
payee-heading = Payer à
payee-missing = Le bénéficiaire n’a pas encore donné ses coordonnées bancaires.
payee-edit-link = Vos coordonnées bancaires
error-payee-required = Ce champ est obligatoire.
error-payee-not-found = Il n’y a pas de coordonnées bancaires ici.
error-iban = Ce n’est pas un IBAN. Il commence par deux lettres et deux chiffres, par exemple FR76 3000 6000 0112 3456 7890 189.
error-iban-country = Aucun IBAN ne commence par { $country }.
error-iban-length = Un IBAN de ce pays ({ $country }) compte { $length } caractères, sans les espaces.
error-iban-checksum = Cet IBAN contient une faute de frappe : sa clé de contrôle ne correspond pas. Recopiez-le depuis votre RIB.
error-bic = Ce n’est pas un BIC. Il compte 8 ou 11 lettres et chiffres, par exemple BNPAFRPP.

## Appels de fonds et reçus
doc-call-title = Appel de fonds n° { $number }
doc-receipt-title = Reçu n° { $number }
doc-dated = Émis le { $date }
doc-parties = Parties
doc-from = Émetteur (bénéficiaire)
doc-to = Destinataire (payeur)
doc-amount-section = Montant à payer
doc-amount-called = Montant appelé
doc-already-paid = Déjà payé
doc-left = Reste à payer
doc-share = Part appelée
doc-reference = Référence à indiquer sur le virement
doc-call-reference = Référence de l’appel de fonds
doc-pay-to = Coordonnées de paiement
doc-holder = Titulaire du compte
doc-payment-section = Paiement reçu
doc-received = Montant reçu
doc-received-on = Reçu le
doc-bank-reference = Référence bancaire du virement
doc-receipt-statement = { $payee } reconnaît avoir reçu ce paiement de { $payer }.
doc-goal-section = Objet du paiement
doc-goal = Ticket
doc-delivered-on = Livré le
doc-commits = Commits livrés
doc-acceptance = Critères d’acceptation :
doc-delivered = Ce qui a été livré :
doc-list-title = Appels de fonds et reçus
doc-col-document = Document
doc-col-files = Fichiers
doc-view = Page imprimable
doc-download-pdf = Télécharger en PDF
doc-back = Retour au financement
doc-print-hint = Pour imprimer cette page, utilisez la commande Imprimer de votre navigateur : seul le document est imprimé.
error-document-not-found = Ce document n’existe pas.

## Contestations : le vote des financeurs et le médiateur
dispute-title = Si un financeur conteste la livraison
dispute-terms-title = Si un financeur conteste la livraison
dispute-terms-help = Les organisations qui ont promis un financement votent alors, chacune avec le poids de sa part. Choisissez quelle part des voix une décision demande, et un médiateur qui tranche une égalité ou un vote clos sans décision. Ce choix ne peut plus changer dès qu’une organisation a promis.
dispute-rule = Décision à
dispute-rule-majority = La majorité simple des parts
dispute-rule-two_thirds = Deux tiers des parts
dispute-rule-unanimity = L’unanimité des parts
dispute-mediator = Médiateur
dispute-mediator-hint = Le nom d’un utilisateur ou d’une organisation, ni vous ni le compte qui est payé. Laissez vide pour les administrateurs du site.
dispute-mediator-admins = Les administrateurs du site
dispute-vote-ends = Le vote se termine le
dispute-votes = Votes exprimés
dispute-col-vote = Vote
dispute-col-weight = Poids (part)
dispute-vote-title = Voter sur la livraison
dispute-vote-help = Un financeur a contesté la livraison. Le vote de votre organisation pèse autant que sa part. Vous pouvez le changer tant que la contestation n’est pas tranchée.
dispute-vote-accept = Accepter la livraison : chaque part est appelée
dispute-vote-reject = Rejeter la livraison : toutes les promesses sont libérées, personne ne paie
dispute-vote-submit = Voter
dispute-mediate-title = Trancher en tant que médiateur
dispute-mediate-help = Le vote est à égalité, ou il s’est terminé sans décision : en tant que médiateur de l’objectif, vous tranchez. Accepter appelle chaque organisation pour sa part ; rejeter libère toutes les promesses et personne ne paie.
error-dispute-rule = Choisissez la majorité simple, les deux tiers ou l’unanimité.
error-mediator-not-found = Aucun utilisateur ni aucune organisation ne porte ce nom.
error-mediator-payee = Le médiateur ne peut pas être le compte qui est payé.
error-dispute-terms-locked = La façon de trancher une contestation ne peut plus changer dès qu’une organisation a promis.
error-vote-not-pledger = Seules les organisations dont la promesse a été engagée pour cet objectif votent sur sa livraison.
error-vote-closed = Le vote sur cette contestation est clos : le médiateur tranche.
error-resolve-mediator-only = Seul le médiateur de l’objectif tranche une contestation ; les organisations qui ont promis votent.
error-mediation-early = Le médiateur ne tranche que si le vote est à égalité ou une fois qu’il est clos.
issue-event-funding_dispute_majority = { $actor } a choisi comment trancher une contestation : la majorité simple des parts, médiateur { $subject }
issue-event-funding_dispute_two_thirds = { $actor } a choisi comment trancher une contestation : deux tiers des parts, médiateur { $subject }
issue-event-funding_dispute_unanimity = { $actor } a choisi comment trancher une contestation : l’unanimité des parts, médiateur { $subject }
issue-event-delivery_vote_accept = { $actor } a voté pour { $subject } : accepter la livraison
issue-event-delivery_vote_reject = { $actor } a voté pour { $subject } : rejeter la livraison
issue-event-delivery_vote_decided_accept = Le vote des financeurs a accepté la livraison
issue-event-delivery_vote_decided_reject = Le vote des financeurs a rejeté la livraison
issue-event-delivery_vote_tied = Tous les financeurs ont voté et aucun camp n’atteint la règle : le médiateur tranche
issue-event-delivery_mediated_accept = { $actor }, médiateur, a accepté la livraison
issue-event-delivery_mediated_reject = { $actor }, médiateur, a rejeté la livraison
