# fr: funding
# Messages du financement et de son API : budgets, promesses de
# financement, livraison, examen et paiements. Écrits pour des trésoriers,
# pas pour des programmeurs.

## Montants et devises
error-amount = Ce n’est pas un montant. Tapez des chiffres, par exemple 1250,50.
error-amount-positive = Le montant doit être supérieur à zéro.
error-amount-precision = Cette devise n’a pas autant de décimales.
error-amount-too-large = Ce montant est trop élevé.
error-amount-typed = Ce montant ne peut pas être lu sans deviner. Tapez-le ainsi : { $example } (les chiffres peuvent être groupés par trois, séparés par des espaces, et les décimales suivent une virgule).
error-amount-decimals = La devise { $currency } n’a pas autant de décimales. Tapez le montant ainsi : { $example }
error-currency = Cette devise est inconnue. Utilisez son code à trois lettres, par exemple EUR.
error-currency-mismatch = La promesse doit être dans la même devise que le budget.

## L’objectif de financement
error-goal-not-found = Ce ticket n’a pas d’objectif de financement.
error-goal-exists = Ce ticket a déjà un objectif de financement.
error-goal-not-open = Les promesses de financement sont closes pour cet objectif.
error-goal-pledged = Des organisations ont déjà promis un financement : vous pouvez seulement repousser la date limite ou préciser les critères d’acceptation.
error-acceptance-empty = Décrivez ce qui doit être livré pour que le travail soit accepté.
error-deadline-past = La date limite doit être dans le futur.
error-review-days = La période d’examen dure de 1 à 90 jours.
error-min-funders = Le nombre minimum d’organisations va de 1 à 1000.
error-cancel-late = Cet objectif de financement ne peut plus être annulé : le travail a déjà été livré, ou l’objectif est clos.

## Promesses de financement
error-org-not-found = Aucune organisation ne porte ce nom.
error-pledge-role = Seuls un propriétaire ou un trésorier de l’organisation peuvent promettre un financement, le retirer ou examiner une livraison en son nom.
error-pledge-not-found = Cette promesse de financement n’existe pas.
error-withdraw-closed = Cette promesse ne peut plus être retirée : ce n’est possible que tant que l’objectif recueille des promesses.

## Livraison et examen
error-deliver-unfunded = Le travail ne peut être déclaré livré qu’une fois le budget entièrement promis, et une seule fois.
error-delivery-note = Décrivez ce qui a été livré.
error-commit-id = Un commit s’écrit avec 7 à 40 caractères de 0 à 9 et de a à f.
error-review-not-pledger = Seules les organisations qui ont promis un financement pour cet objectif peuvent examiner la livraison.
error-review-closed = La livraison ne peut pas être examinée maintenant : l’examen n’est ouvert qu’après la livraison et avant une décision.
error-review-verdict = Choisissez « accept » (accepter) ou « object » (contester).
error-objection-reason = Expliquez pourquoi votre organisation conteste.
error-resolution = Choisissez « accept » (accepter) ou « reject » (refuser).
error-resolve-owner-only = Seul le propriétaire du dépôt peut trancher un litige.
error-not-disputed = Il n’y a pas de litige à trancher sur cet objectif de financement.

## Paiements
error-payment-receiver-only = Seuls la personne ou l’organisation qui reçoit l’argent (un propriétaire ou un trésorier) peuvent enregistrer des paiements.
error-payment-not-due = Aucun paiement n’est attendu sur cette promesse pour l’instant : soit le travail n’a pas encore été accepté, soit elle est entièrement payée.
error-payment-too-much = C’est plus que ce qui reste dû sur cette promesse : au plus { $left } { $currency }.
error-payment-reference = Indiquez la référence bancaire du virement (200 caractères au plus).
error-payment-not-found = Ce paiement n’existe pas.
error-payment-reversed = Ce paiement a déjà été corrigé, ou est lui-même une correction.

## Requêtes répétées et exports
error-idempotency-key = L’en-tête Idempotency-Key contient au plus 255 caractères ASCII visibles.
error-idempotency-reused = Cette clé Idempotency-Key a déjà servi pour une autre requête : utilisez une nouvelle clé pour chaque nouvelle requête.
error-idempotency-other-request = Cette clé Idempotency-Key a déjà servi pour une requête différente sur cet objectif : une requête répétée doit être identique. Utilisez une nouvelle clé pour une nouvelle requête.
error-export-format = Choisissez le format « json » ou « csv ».
