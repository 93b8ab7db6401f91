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
