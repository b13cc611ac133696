"""`python -m services.web`."""

from shared.entry import keep_unused_modules_out

keep_unused_modules_out()

from services.web.app import main  # noqa: E402

main()
