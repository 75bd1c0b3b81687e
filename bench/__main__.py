"""`python -m bench`: the whole benchmark suite in one run (bench/suite.py)."""

import sys
from pathlib import Path

# The scripts in bench/ import each other by their plain names (`from common import ...`).
sys.path.insert(0, str(Path(__file__).resolve().parent))

from suite import main  # noqa: E402

main()
