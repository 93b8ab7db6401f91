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
