"""nbgrader preprocessor that writes the engine's results into the test cells (replaces `Execute`).

For each graded test cell it writes the item's message as a stdout stream and the points earned
as an `execute_result`, which nbgrader's `determine_grade` reads as (partial) credit. It never
writes stderr or errors, so library log lines cannot turn a pass into 0.

Example (autograde/nbgrader_config.py):

```python
c.Autograde.autograde_preprocessors = ["autograde.preprocessor.ApplyResults", ...]
c.ApplyResults.results_dir = ".autograde/results"
```
"""

from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from callbacks_course.sandbox.protocol import bounded_json

from .results import RESULT_MAX_BYTES, result_path


class ApplyResults(NbGraderPreprocessor):
    """Fill each test cell's outputs from the engine's result file of this student and assignment."""

    results_dir = Unicode("", help="Folder of the engine's per-submission result files").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        path = result_path(self.results_dir, info["student"], info["assignment"])
        self._items = bounded_json.load_file(path, max_bytes=RESULT_MAX_BYTES, max_depth=8)["items"]
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not utils.is_grade(cell) or utils.is_solution(cell):
            return cell, resources
        grade_id = cell.metadata.nbgrader["grade_id"]
        item = self._items.get(grade_id)
        if item is None:
            item = {"score": 0.0, "message": "this item was not graded"}
        cell.outputs = [
            new_output("stream", name="stdout", text=item["message"].rstrip("\n") + "\n"),
            new_output("execute_result", data={"text/plain": repr(float(item["score"]))}, execution_count=None),
        ]
        return cell, resources
