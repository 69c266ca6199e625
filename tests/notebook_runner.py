"""Execute a notebook headless with nbclient and keep its kernel alive for inspection.

Example:

    with NotebookRun("course/01_callback_anatomy.ipynb", tmp_path) as run:
        assert run.value("len(fit_order)") == 26
"""

import json
import pathlib
import shutil
import sys

import nbformat
from nbclient.exceptions import CellExecutionError, CellTimeoutError

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tools"))
from prompt_client import PromptClient  # noqa: E402


class NotebookFailed(AssertionError):
    """A cell raised or timed out: the message names the cell and carries the traceback."""


class NotebookRun:
    """Run every cell of a copy of `path` inside `workdir`; then `value()` reads the kernel's state.

    A cell that times out fails the run with its name (tools/prompt_client.py removed the cause
    of the hangs that a retry used to hide).

    Args:
        path: the notebook.
        workdir: the folder the copy runs in (its working directory: files it writes land here).
        timeout: seconds allowed for each cell.
        passes: how many times every cell runs, top to bottom, in the same kernel (2: a student's
            second "Run All"; `value()` and the files then show the last pass).
    """

    def __init__(self, path, workdir, timeout=180, passes=1):
        self.source = pathlib.Path(path)
        self.workdir = pathlib.Path(workdir)
        self.timeout = timeout
        self.passes = passes
        self.nb = None
        self.client = None
        self._kernel = None

    def __enter__(self):
        self.nb = nbformat.read(self.source, as_version=4)
        self.workdir.mkdir(parents=True, exist_ok=True)
        shutil.copy(self.source, self.workdir / self.source.name)
        self.client = PromptClient(self.nb, timeout=self.timeout, kernel_name="python3",
                                   resources={"metadata": {"path": str(self.workdir)}})
        self._kernel = self.client.setup_kernel()
        self._kernel.__enter__()
        for run in range(1, self.passes + 1):
            for index, cell in enumerate(self.nb.cells):
                if cell.cell_type != "code":
                    continue
                try:
                    self.client.execute_cell(cell, index)
                except CellTimeoutError as error:
                    self.__exit__(None, None, None)
                    raise NotebookFailed(f"{self.source.name}, pass {run}, cell {index} timed out:\n{cell.source}\n\n{error}") from None
                except CellExecutionError as error:
                    self.__exit__(None, None, None)
                    raise NotebookFailed(f"{self.source.name}, pass {run}, cell {index}:\n{cell.source}\n\n{error}") from None
        return self

    def __exit__(self, *exc):
        if self._kernel is not None:
            self._kernel.__exit__(*exc)
            self._kernel = None

    def run(self, code):
        """Execute `code` in the live kernel and return its stdout."""
        cell = nbformat.v4.new_code_cell(code)
        self.nb.cells.append(cell)
        self.client.execute_cell(cell, len(self.nb.cells) - 1)
        return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")

    def value(self, expression):
        """The JSON-able value of `expression` in the kernel."""
        return json.loads(self.run(f"import json as _json\nprint(_json.dumps({expression}))"))

    def outputs(self, output_type=None, mime=None):
        """All outputs of the executed notebook's cells, optionally of one type or MIME type."""
        found = [o for cell in self.nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
        if output_type:
            found = [o for o in found if o.output_type == output_type]
        if mime:
            found = [o for o in found if mime in o.get("data", {})]
        return found
