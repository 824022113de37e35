"""The proxy's test helpers (proxy_harness, proxy_process) are plain modules next to the tests."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
