"""`python -m services.assessment`."""

from shared.entry import keep_unused_modules_out

keep_unused_modules_out()

from services.assessment.app import main  # noqa: E402

main()
