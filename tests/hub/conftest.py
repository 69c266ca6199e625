"""The hub tests need root (Unix accounts, JupyterHub's spawner) and `make hub-setup`'s Python and proxy.

Without them they are skipped with the reason, unless REQUIRE_HUB=1 (set by .ci/run): then they fail.
"""

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from hubclass import require_hub  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def hub_available():
    require_hub()
