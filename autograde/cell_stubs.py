"""nbgrader's ClearSolutions, with a per-cell stub: what a student sees in place of a solution.

nbgrader replaces every solution region with one course-wide `code_stub`
(`raise NotImplementedError()` here). A quiz answer cell needs a stub that runs and means
"no answer", such as `q07 = set()`; a cell gives it in its metadata `autograde.stub`.
Cells without one get the course-wide stub.

Example (a quiz answer cell in `solutions/`):

```python
cell.metadata["nbgrader"] = {"grade_id": "q07", "solution": True, "grade": False, "locked": False}
cell.metadata["autograde"] = {"stub": "q07 = set()"}
```
"""

from nbgrader.preprocessors import ClearSolutions


class ClearSolutionsWithCellStubs(ClearSolutions):
    """ClearSolutions that uses a cell's `metadata.autograde.stub`, when it has one, as its code stub."""

    def preprocess_cell(self, cell, resources, cell_index):
        stub = cell.metadata.get("autograde", {}).get("stub")
        if cell.cell_type != "code" or not isinstance(stub, str):
            return super().preprocess_cell(cell, resources, cell_index)
        course_wide = self.code_stub
        self.code_stub = {**course_wide, resources["language"]: stub}
        try:
            return super().preprocess_cell(cell, resources, cell_index)
        finally:
            self.code_stub = course_wide
