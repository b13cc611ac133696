"""The unit of work behind every change at intake: lock, check, apply the rules, save, outbox.

The one place a write transaction opens. A read of personal data is a write too: the event that
says who read it commits with the read."""
