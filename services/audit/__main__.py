"""`python -m services.audit`."""

from shared.entry import keep_unused_modules_out

keep_unused_modules_out()

from services.audit.app import main  # noqa: E402

main()
