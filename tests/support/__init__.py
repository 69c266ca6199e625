"""Helpers shared by the test folders, imported by name (`from support.notebooks import NotebookRun`).

Test files import from here, never `from conftest import ...`: inside a full run, `conftest` is
whichever folder's conftest module was loaded last. `tools/` goes on the path here, once, for the
executor and the site builder the tests share with `make site`.
"""

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))
