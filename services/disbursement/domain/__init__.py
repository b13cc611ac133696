"""The disbursement rules, pure and synchronous: grants, FX, reservations, payees, payments,
batches. Refusals are shared.errors.DomainError with stable codes; each change returns the new
state and the events it caused, each event carrying what its wire form needs."""
