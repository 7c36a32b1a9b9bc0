"""``python -m sb_ppo2``: see :mod:`sb_ppo2.cli`."""

import sys

from sb_ppo2.cli import main

if __name__ == "__main__":
    sys.exit(main())
