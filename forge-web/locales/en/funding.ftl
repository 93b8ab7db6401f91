# en: funding
# Messages of the funding domain and its API: budgets, pledges, delivery,
# review and payments. Written for treasurers, not for programmers.

## Amounts and currencies
error-amount = This is not an amount. Type digits, for example 1250.50.
error-amount-positive = The amount must be more than zero.
error-amount-precision = This currency does not have that many decimals.
error-amount-too-large = This amount is too large.
error-amount-typed = This amount cannot be read without guessing. Type it like this: { $example } (groups of three digits separated by commas are allowed, and a point before the decimals).
error-amount-decimals = { $currency } does not have that many decimals. Type the amount like this: { $example }
error-currency = This currency is not known. Use its three-letter code, for example EUR.
error-currency-mismatch = The pledge must be in the same currency as the budget.

## The funding goal
error-goal-not-found = This issue has no funding goal.
error-goal-exists = This issue already has a funding goal.
error-goal-not-open = Pledges are closed for this funding goal.
error-goal-pledged = Organisations have already pledged: now you can only make the deadline later or make the acceptance criteria clearer.
error-acceptance-empty = Describe what must be delivered for the work to be accepted.
error-deadline-past = The deadline must be in the future.
error-review-days = The review period lasts from 1 to 90 days.
error-min-funders = The minimum number of organisations is from 1 to 1000.
error-cancel-late = This funding goal can no longer be cancelled: the work has already been delivered, or the goal is closed.

## Pledges
error-org-not-found = There is no organisation with this name.
error-pledge-role = Only an owner or a treasurer of the organisation may pledge, withdraw a pledge or review a delivery in its name.
error-pledge-not-found = This pledge does not exist.
error-withdraw-closed = This pledge can no longer be withdrawn: it is only possible while the goal is still collecting pledges.

## Delivery and review
error-deliver-unfunded = The work can be declared delivered only once the budget is fully pledged, and only once.
error-delivery-note = Describe what was delivered.
error-commit-id = A commit is written as 7 to 40 characters from 0 to 9 and a to f.
error-review-not-pledger = Only organisations that pledged to this goal may review the delivery.
error-review-closed = The delivery cannot be reviewed now: the review is only open after delivery and before a decision.
error-review-verdict = Choose "accept" or "object".
error-objection-reason = Explain why your organisation objects.
error-resolution = Choose "accept" or "reject".
error-resolve-owner-only = Only the owner of the repository may settle a dispute.
error-not-disputed = There is no dispute to settle on this funding goal.

## Payments
error-payment-receiver-only = Only the person or organisation receiving the money (an owner or a treasurer) may record payments.
error-payment-not-due = No payment is expected on this pledge now: either its work has not been accepted yet, or it is fully paid.
error-payment-too-much = This is more than what is still owed on this pledge: at most { $left } { $currency }.
error-payment-reference = Give the bank reference of the transfer (at most 200 characters).
error-payment-not-found = This payment does not exist.
error-payment-reversed = This payment has already been corrected, or is itself a correction.

## Repeated requests and exports
error-idempotency-key = The Idempotency-Key header may hold at most 255 visible ASCII characters.
error-idempotency-reused = This Idempotency-Key was already used for another request: use a new key for each new request.
error-idempotency-other-request = This Idempotency-Key was already used for a different request on this goal: a repeated request must be identical. Use a new key for a new request.
error-export-format = Choose the format "json" or "csv".
