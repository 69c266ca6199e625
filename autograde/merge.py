"""`merge RESULTS --out DIR`: book every shard's results into nbgrader's gradebook, CSVs and feedback.

The second half of `grade` on its own: the submissions recorded in `RESULTS/class.json` are read
again (for nbgrader's clean copies and each result's key), each one with a current result in
RESULTS is autograded by nbgrader from it (its `ApplyResults` preprocessor) with feedback, and
`grades.csv` / `items.csv` are written exactly as one `grade` run writes them. A submission
without a current result (its shard has not finished, or the submission changed since) is
never graded here nor written as 0: `merge` returns it, and the CLI lists it and exits 3. A
result whose shard met an instructor-side failure on some items (a reference run, the setup
cells, a full disk) is booked with those items' errors and named on stderr: the merge of a
class whose shards all ran always completes; `grade` (or the shard again) regrades those items.

Example:

```python
pending = merge(Course(work="/tmp/merge", results="/shared/results"), "grades")
```
"""

import sys

from .grader import Grader, check_arguments
from .shards import read_class
from .submissions import printable


def merge(course, out, log=print):
    """Write `out`/grades.csv, items.csv and feedback/ from the results in `course.results`.

    Args:
        course: the `Course`; its `results` is the folder the shards wrote.
        out: folder for grades.csv, items.csv and feedback/.
        log: called with each progress line.

    Returns:
        The `Submission`s (student, assignment) that have no result yet, sorted.
    """
    grader = Grader(course, out, log=log)
    prepared = grader.prepare(check_arguments(read_class(course.results), 1), start_workers=False)
    pending = []

    def stored():
        for prep in prepared:
            record = grader.stored(prep, retried=True)
            if record is None:
                pending.append(prep.sub)
                continue
            if record.get("retry"):
                print(f"autograde: warning: {printable(prep.sub.student)} {prep.sub.assignment}: "
                      f"{', '.join(record['retry'])} could not be graded (an instructor-side failure, see the "
                      "shard's log); booked with status error: run its shard or `grade` again", file=sys.stderr)
            yield prep, record, True

    grader.book(prepared, stored())
    return pending
