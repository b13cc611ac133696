"""`python -m services.audit`."""

from services.audit.app import main

main()
