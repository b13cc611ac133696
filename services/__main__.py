"""`python -m services`: the whole vfund system on embedded NATS and PostgreSQL (`make run`)."""

import sys

from dev.launcher import main

if __name__ == "__main__":
    sys.exit(main())
