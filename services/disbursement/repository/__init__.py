"""All of the disbursement service's SQL: keyword-only functions in the caller's transaction.

Rows are locked in one order whatever the command: case → reservation → payments → batches →
grants → payees; every change that moves a grant's `available` takes the budget lock first
(cases.lock_budget)."""
