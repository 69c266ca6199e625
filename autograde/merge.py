"""`merge RESULTS --out DIR`: combine what the shards booked into one gradebook, the CSVs and the feedback.

The shards have graded and booked their students (`shards.grade_shard`); `merge` only puts
their bookings together (steps/combine.py): for every submission of the class recorded in
`RESULTS/class.json` whose shard booked it as it is now, its nbgrader gradebook rows, its
feedback folder and its CSV rows. `grades.csv`, `items.csv`, `choices.csv` and the feedback are
what one `grade` run writes, byte for byte. A submission its shard has not booked (not finished)
or has booked before it changed is never written as 0: `merge` returns it, and the CLI lists it
and exits 3. A submission its shard could grade only in part (an instructor-side failure: a
reference run, the setup cells, a full disk) was booked with those items' errors and is named on
stderr: `grade` (or the shard again) regrades those items. No worker starts and no TensorFlow is
imported: a merge takes seconds (`benchmarks/merge_speed.py`).

Example:

```python
pending = merge(Course(work="/tmp/merge", results="/shared/results"), "grades")
```
"""

import sys

from .shards import read_class, shard_number
from .steps import combine
from .steps.book import write_tables
from .steps.prepare import find, submissions_folder
from .submissions import printable


def merge(course, out, log=print):
    """Write `out`/grades.csv, items.csv, choices.csv and feedback/, and the gradebook, from the shards' bookings.

    Args:
        course: the `Course`; its `results` is the folder the shards wrote, its nbgrader gradebook
            (`<work>/course/gradebook.db`) the one the bookings go into.
        out: folder for grades.csv, items.csv, choices.csv and feedback/.
        log: called with the line that sums up the merge.

    Returns:
        The `Submission`s (student, assignment) not booked as they are now, in the class's order.
    """
    submissions, count = read_class(course.results)
    subs = find(course, submissions_folder(submissions))
    current, pending = combine.bookings(course.results, subs, count, course.notebooks, shard_number)
    combine.gradebook(course.nbgrader_root / "gradebook.db", current)
    combine.feedback(out, current)
    write_tables(out, [booking.rows for booking in current])
    for booking in current:
        if booking.retry:
            print(f"autograde: warning: {printable(booking.sub.student)} {booking.sub.assignment}: "
                  f"{', '.join(booking.retry)} could not be graded (an instructor-side failure, see the "
                  "shard's log); booked with status error: run its shard or `grade` again", file=sys.stderr)
    log(f"merged {len(current)} booked submissions of {len(subs)} from {count} shards")
    return pending
