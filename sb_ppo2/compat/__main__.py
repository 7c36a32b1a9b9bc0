"""``python -m sb_ppo2.compat script.py [args...]``: run an unchanged Stable-Baselines 2 script."""

import sys

from sb_ppo2.compat.runner import main

if __name__ == "__main__":
    sys.exit(main())
