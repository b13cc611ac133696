"""E-mail: the SMTP target, messages composed from inbox entries, and the mailer that sends
the outbox of e-mails (contract section 10)."""
