"""The course's one notebook executor: the lesson tests, `make site` and the lesson benchmark use it.

`NotebookRun` runs every cell of a notebook headless in a Jupyter kernel with
`prompt_client.PromptClient` (which never sleeps through a message that has already arrived), keeps
the kernel alive for inspection, and keeps the notebook as it stood after the first pass (outputs,
execution counts, the widgets' state): what a reader of the website sees. `ExecutedNotebooks` keeps
such executed copies in `build/executed/`, each named by a key of everything its outputs depend on,
so that the site build reuses what the lesson tests executed instead of running every lesson again.

Example:

    with NotebookRun("course/01_callback_anatomy.ipynb", tmp_path) as run:
        assert run.value("len(fit_order)") == 26
    ExecutedNotebooks().put("course/01_callback_anatomy.ipynb", run.first_pass)
"""

import copy
import hashlib
import json
import os
import pathlib
import shutil
import tempfile

import nbformat
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from prompt_client import PromptClient

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "callbacks_course"
EXECUTED = ROOT / "build" / "executed"


class NotebookFailed(AssertionError):
    """A cell raised or timed out, or the kernel died: the message names the notebook and the cell.

    Attributes:
        reason: one line, e.g. `ZeroDivisionError: division by zero` or `CellTimeoutError: ...`.
    """

    def __init__(self, message, reason):
        super().__init__(message)
        self.reason = reason


class NotebookRun:
    """Run every cell of `path` in a kernel whose working directory is `workdir`; `value()` reads its state.

    A cell that times out fails the run with its name: there is no retry (tools/prompt_client.py
    removed the cause of the hangs that a retry used to hide).

    Args:
        path: the notebook (a copy is put into `workdir`; the file itself is never written).
        workdir: the kernel's working directory: files the notebook writes land here.
        timeout: seconds allowed for each cell.
        passes: how many times every cell runs, top to bottom, in the same kernel (2: a student's
            second "Run All"; `nb`, `value()` and the files then show the last pass).

    Attributes:
        nb: the notebook with the outputs of the last pass.
        first_pass: a copy of the notebook after the first pass, with the widgets' state.

    Example:

        with NotebookRun("course/06_csv_logger.ipynb", tmp_path, passes=2) as run:
            run.value("history.history['loss']")
    """

    def __init__(self, path, workdir, timeout=180, passes=1):
        self.source = pathlib.Path(path)
        self.workdir = pathlib.Path(workdir)
        self.timeout = timeout
        self.passes = passes
        self.nb = self.first_pass = self.client = None
        self._kernel = None

    def __enter__(self):
        self.nb = nbformat.read(self.source, as_version=4)
        self.workdir.mkdir(parents=True, exist_ok=True)
        if (self.workdir / self.source.name).resolve() != self.source.resolve():
            shutil.copy(self.source, self.workdir / self.source.name)
        self.client = PromptClient(self.nb, timeout=self.timeout, kernel_name="python3", store_widget_state=True,
                                   resources={"metadata": {"path": str(self.workdir)}})
        self._kernel = self.client.setup_kernel()
        self._kernel.__enter__()
        try:
            info = self.client.wait_for_reply(self.client.kc.kernel_info())
            self.nb.metadata["language_info"] = info["content"]["language_info"]  # as nbclient's execute()
            for run in range(1, self.passes + 1):
                self._run_all(run)
                self.client.set_widgets_metadata()
                if run == 1:
                    self.first_pass = copy.deepcopy(self.nb)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _run_all(self, run):
        for index, cell in enumerate(self.nb.cells):
            if cell.cell_type != "code":
                continue
            where = f"{self.source.name}: cell {index}" + (f" (pass {run})" if self.passes > 1 else "")
            try:
                self.client.execute_cell(cell, index, execution_count=self.client.code_cells_executed + 1)
            except CellTimeoutError as error:
                raise NotebookFailed(f"{where} timed out:\n{cell.source}\n\n{error}",
                                     f"CellTimeoutError: {error}") from None
            except CellExecutionError as error:
                raise NotebookFailed(f"{where} raised:\n{cell.source}\n\n{error}",
                                     f"{error.ename}: {error.evalue}") from None
            except DeadKernelError as error:
                raise NotebookFailed(f"{where}: the kernel died\n{cell.source}\n\n{error}",
                                     f"DeadKernelError: {error}") from None

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


def execute(path, workdir, timeout=180):
    """Run the notebook at `path` once, top to bottom, in `workdir`; return it executed (`first_pass`).

    Raises NotebookFailed when a cell raises or times out; `path` itself is left as it was.
    """
    with NotebookRun(path, workdir, timeout) as run:
        return run.first_pass


def source_key(path):
    """A key of what a notebook's outputs depend on: its file, the course package's files, offline or not."""
    digest = hashlib.sha256(pathlib.Path(path).read_bytes())
    for file in sorted(p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(file.relative_to(PACKAGE).as_posix().encode() + b"\0" + file.read_bytes())
    digest.update(os.environ.get("CALLBACKS_COURSE_OFFLINE", "").encode())
    return digest.hexdigest()[:16]


class ExecutedNotebooks:
    """Executed copies of notebooks in `folder`, named `<stem>-<source_key>.ipynb`.

    A copy is found only while the notebook, the course package and the offline setting are those
    it was executed with; saving a new copy removes the stem's older ones.

    Args:
        folder: where the copies are kept (default `build/executed`).

    Example:

        store = ExecutedNotebooks()
        nb = store.get("course/03_tensorboard.ipynb")   # None: not executed since its last change
        nb = store.executed("course/03_tensorboard.ipynb")   # the stored copy, else executed now
    """

    def __init__(self, folder=EXECUTED):
        self.folder = pathlib.Path(folder)

    def path(self, source):
        """Where the executed copy of `source` is (or would be) kept."""
        return self.folder / f"{pathlib.Path(source).stem}-{source_key(source)}.ipynb"

    def get(self, source):
        """The executed copy of `source`, or None when there is none for its current key."""
        path = self.path(source)
        return nbformat.read(path, as_version=4) if path.exists() else None

    def put(self, source, nb):
        """Keep `nb` as the executed copy of `source` (its older copies are removed); return its path."""
        path, stem = self.path(source), pathlib.Path(source).stem
        self.folder.mkdir(parents=True, exist_ok=True)
        for older in self.folder.glob(f"{stem}-*.ipynb"):
            if older.stem.rsplit("-", 1)[0] == stem:
                older.unlink()
        partial = path.with_suffix(".partial")
        nbformat.write(nb, partial)
        partial.replace(path)
        return path

    def executed(self, source, timeout=180, log=print):
        """The stored copy of `source`, else `source` executed once in a scratch folder (and stored).

        Raises NotebookFailed when a cell raises or times out (nothing is stored then).
        """
        nb = self.get(source)
        if nb is not None:
            log(f"reusing {pathlib.Path(source).name}: stored in {self.path(source)}")
            return nb
        log(f"executing {pathlib.Path(source).name}")
        with tempfile.TemporaryDirectory(prefix=f"{pathlib.Path(source).stem}-") as workdir:
            nb = execute(source, workdir, timeout)
        self.put(source, nb)
        return nb
