"""`python -m services.intake` runs the service; `... rotate-master-key` re-wraps data keys."""

from __future__ import annotations

import asyncio
import sys

from shared.entry import keep_unused_modules_out

keep_unused_modules_out()

from services.intake.app import main  # noqa: E402
from services.intake.commands.keys import rotate_master_key  # noqa: E402
from services.intake.context import keyring_from  # noqa: E402
from services.intake.settings import IntakeSettings  # noqa: E402
from shared.crypto import MasterKeyring  # noqa: E402
from shared.db import Db  # noqa: E402

USAGE = "usage: python -m services.intake [rotate-master-key]"


async def rotate(dsn: str, keyring: MasterKeyring) -> tuple[int, int]:
    """Master-key rotation: operators first deploy the new keyring (new key first, old keys
    after it) to every intake replica, then run this, then drop the old key."""
    db = await Db.connect(dsn, min_size=1, max_size=1)
    try:
        return await rotate_master_key(db, keyring)
    finally:
        await db.close()


def cli(argv: list[str]) -> int:
    if not argv:
        main()
        return 0
    if argv == ["rotate-master-key"]:
        settings = IntakeSettings()
        keyring = keyring_from(settings)
        changed, left = asyncio.run(rotate(settings.database_url, keyring))
        print(
            f"re-wrapped {changed} data keys under master key {keyring.active_key_id};"
            f" {left} left under other keys"
        )
        return 0 if left == 0 else 1
    print(USAGE, file=sys.stderr)
    return 2


sys.exit(cli(sys.argv[1:]))
