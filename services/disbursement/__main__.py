"""`python -m services.disbursement`."""

from shared.entry import keep_dev_tools_out

keep_dev_tools_out()

from services.disbursement.app import main  # noqa: E402

main()
