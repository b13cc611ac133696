"""`python -m services.assessment`."""

from shared.entry import keep_dev_tools_out

keep_dev_tools_out()

from services.assessment.app import main  # noqa: E402

main()
