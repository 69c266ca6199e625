"""The lessons executed for the tests: the course's one executor (tools/notebook_run.py) and its store.

A lesson's first pass is saved in `build/executed/` (`ExecutedNotebooks`), so that `make site` and
the figure tests (`ExecutedNotebooks().executed(path)`) read that execution instead of running the lesson again.

Example:

    with lesson_run("06_csv_logger", tmp_path) as run:
        run.value("len(rows)")
"""

import contextlib

from . import ROOT
from notebook_run import ExecutedNotebooks, NotebookFailed, NotebookRun, execute  # noqa: F401

COURSE = ROOT / "course"
# The lessons that write files (under runs/<lesson>/): the only ones whose second "Run All" in the same
# kernel can differ from the first (a file left by pass 1 is there for pass 2), so the only ones run twice.
WRITES_FILES = {
    "03_tensorboard": "TensorBoard event files",
    "04_model_checkpoint": "checkpoints, every epoch and the best",
    "06_csv_logger": "CSV logs, appended and overwritten",
    "08_visualising_progress": "the progress GIF",
    "09_combining_callbacks": "checkpoints, CSV and TensorBoard logs",
    "11_when_hooks_fire": "checkpoints",
    "12_how_a_run_ends": "BackupAndRestore's backup and a checkpoint",
    "13_state_across_fits": "checkpoints, a CSV log and a backup",
}


@contextlib.contextmanager
def lesson_run(name, workdir):
    """Run lesson `name` (twice when it writes files, see WRITES_FILES), save its first pass, yield the run."""
    source = COURSE / f"{name}.ipynb"
    with NotebookRun(source, workdir, passes=2 if name in WRITES_FILES else 1) as run:
        ExecutedNotebooks().put(source, run.first_pass)
        yield run
