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
