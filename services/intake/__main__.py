"""`python -m services.intake`."""

from services.intake.app import main

main()
