"""`python -m services.audit`."""

from shared.entry import keep_dev_tools_out

keep_dev_tools_out()

from services.audit.app import main  # noqa: E402

main()
