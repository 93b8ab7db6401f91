# en: payees
# Payee details, calls for funds and receipts, and the vote that decides a
# dispute. Written for treasurers, not programmers.

## Payee details
payee-title = Payment details
payee-intro = Where organisations that owe you money should send it. Only you, and the treasurers of organisations with a payment due to you, can see these details.
payee-legal-name = Legal name
payee-address = Postal address
payee-iban = IBAN
payee-iban-help = As printed on your bank details, for example FR76 3000 6000 0112 3456 7890 189. Spaces do not matter.
payee-bic = BIC (SWIFT code)
payee-note = Note for payers (optional)
payee-save = Save the payment details
payee-saved = Your payment details are saved.
payee-heading = Pay to
payee-missing = The receiving side has not given its payment details yet.
payee-edit-link = Your payment details
error-payee-required = This field is required.
error-payee-not-found = There are no payment details here.
error-iban = This is not an IBAN. It starts with two letters and two digits, for example FR76 3000 6000 0112 3456 7890 189.
error-iban-country = No IBAN starts with { $country }.
error-iban-length = An IBAN from { $country } has { $length } characters, without spaces.
error-iban-checksum = This IBAN has a typing mistake: its check digits do not match. Copy it again from your bank details.
error-bic = This is not a BIC. It has 8 or 11 letters and digits, for example BNPAFRPP.

## Calls for funds and receipts
doc-call-title = Call for funds No. { $number }
doc-receipt-title = Receipt No. { $number }
doc-dated = Issued on { $date }
doc-parties = Parties
doc-from = From (payee)
doc-to = To (payer)
doc-amount-section = Amount to pay
doc-amount-called = Amount called
doc-already-paid = Already paid
doc-left = Left to pay
doc-share = Share called
doc-reference = Reference to quote on the transfer
doc-call-reference = Reference of the call for funds
doc-pay-to = Pay to
doc-holder = Account holder
doc-payment-section = Payment received
doc-received = Amount received
doc-received-on = Received on
doc-bank-reference = Bank reference of the transfer
doc-receipt-statement = { $payee } acknowledges receiving this payment from { $payer }.
doc-goal-section = What is paid for
doc-goal = Issue
doc-delivered-on = Delivered on
doc-commits = Commits delivered
doc-acceptance = Acceptance criteria:
doc-delivered = What was delivered:
doc-list-title = Calls for funds and receipts
doc-col-document = Document
doc-col-files = Files
doc-view = Printable page
doc-download-pdf = Download as PDF
doc-back = Back to the funding
doc-print-hint = To print this page, use your browser's Print command: only the document is printed.
error-document-not-found = This document does not exist.

## Disputes: the pledgers' vote and the mediator
dispute-title = If a pledger objects to the delivery
dispute-terms-title = If a pledger objects to the delivery
dispute-terms-help = The organisations that pledged then vote, each weighing as much as its share. Choose how much of the shares a decision needs, and a mediator who decides a tie or a vote that ends without a decision. It cannot change once someone has pledged.
dispute-rule = Decision by
dispute-rule-majority = Simple majority of the shares
dispute-rule-two_thirds = Two thirds of the shares
dispute-rule-unanimity = All of the shares (unanimity)
dispute-mediator = Mediator
dispute-mediator-hint = The name of a user or of an organisation, not yourself nor the account that gets paid. Leave it empty for the site's administrators.
dispute-mediator-admins = The site's administrators
dispute-vote-ends = The vote closes on
dispute-votes = Votes so far
dispute-col-vote = Vote
dispute-col-weight = Weight (share)
dispute-vote-title = Vote on the delivery
dispute-vote-help = A pledger objected. Your organisation's vote weighs as much as its share. You may change it until the dispute is decided.
dispute-vote-accept = Accept the delivery: every share is called for payment
dispute-vote-reject = Reject the delivery: every pledge is released, nobody pays
dispute-vote-submit = Vote
dispute-mediate-title = Decide as mediator
dispute-mediate-help = The vote is tied, or it closed without a decision: as the goal's mediator, you decide. Accepting calls every organisation for its share; rejecting releases every pledge and nobody pays.
error-dispute-rule = Choose a simple majority, two thirds or unanimity.
error-mediator-not-found = There is no user or organisation with this name.
error-mediator-payee = The mediator cannot be the account that gets paid.
error-dispute-terms-locked = How disputes are decided cannot change once someone has pledged.
error-vote-not-pledger = Only organisations whose pledge was committed to this goal vote on its delivery.
error-vote-closed = The vote on this dispute is closed: the mediator decides.
error-resolve-mediator-only = Only the goal's mediator decides a dispute; the organisations that pledged vote.
error-mediation-early = The mediator decides only when the vote is tied or once it has closed.
issue-event-funding_dispute_terms = { $actor } set how a dispute is decided: { $value ->
    [majority] a simple majority of the shares
    [two_thirds] two thirds of the shares
   *[unanimity] all of the shares
}, mediator { $subject }
issue-event-delivery_vote = { $actor } voted for { $subject } to { $value ->
    [accept] accept
   *[reject] reject
} the delivery
issue-event-delivery_vote_decided = The pledgers' vote decided to { $value ->
    [accept] accept
   *[reject] reject
} the delivery
issue-event-delivery_vote_tied = Every pledger voted and no side reached the rule: the mediator decides
issue-event-delivery_mediated = { $actor }, mediator, decided to { $value ->
    [accept] accept
   *[reject] reject
} the delivery
