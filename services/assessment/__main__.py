"""`python -m services.assessment`."""

from services.assessment.app import main

main()
