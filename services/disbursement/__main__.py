"""`python -m services.disbursement`."""

from shared.entry import keep_unused_modules_out

keep_unused_modules_out()

from services.disbursement.app import main  # noqa: E402

main()
