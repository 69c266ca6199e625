"""The hub tests need root (Unix accounts, JupyterHub's spawner) and `make hub-setup`'s Python and proxy.

Without them they are skipped with the reason, unless REQUIRE_HUB=1 (set by .ci/run): then they fail.
"""

import os
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
PREFIX = pathlib.Path(os.environ.get("HUB_PREFIX", "/opt/callbacks-course-hub"))


def missing_hub():
    """Why the hub tests cannot run here, or None when they can."""
    if os.geteuid() != 0:
        return "they create Unix accounts: run as root"
    for path in (PREFIX / "venv" / ".installed", PREFIX / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"):
        if not path.exists():
            return f"{path} is missing (make hub-setup)"
    return None


@pytest.fixture(scope="session", autouse=True)
def hub_available():
    """Skip every hub test, with the reason, when the hub cannot run; fail instead if required."""
    reason = missing_hub()
    if reason is None:
        return
    if os.environ.get("REQUIRE_HUB") == "1":
        pytest.fail(f"hub tests are required (REQUIRE_HUB=1) but cannot run: {reason}")
    pytest.skip(f"hub tests skipped: {reason}")
