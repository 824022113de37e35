"""`python scripts/steps [ARGS]` (what `make steps` runs), `python -m scripts.steps` from the
repository's root, or `python -m steps` with scripts/ on sys.path: the steps command line."""

import sys
from pathlib import Path

SCRIPTS = str(Path(__file__).resolve().parent.parent)
if not __package__:  # run as a folder, which is then sys.path[0]: import it from scripts/
    sys.path[0] = SCRIPTS
elif SCRIPTS not in sys.path:
    sys.path.insert(0, SCRIPTS)

from steps.cli import main  # noqa: E402

sys.exit(main())
