"""`python -m services.disbursement`."""

from services.disbursement.app import main

main()
