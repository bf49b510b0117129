"""`python3 -m verifier FILE …` or, with nothing installed and under isolation, `python3 -I verifier FILE …`."""

import os
import sys

if not __package__:  # run as a directory: make the package importable without the current directory on sys.path
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from verifier.cli import main

if __name__ == "__main__":
    sys.exit(main())
