"""All of intake's SQL: `cases` (the cases, their status and timeline, lists, other services'
events), `documents`, `requests` (information requests), `sealed` (keys and personal data)."""
