"""Grading as three named steps that pass plain data, in the manner of nbgrader's converters.

- `prepare` (prepare.py): find the submissions, read each one bounded, make its cache key and the
  clean copies nbgrader autogrades; no student code, no worker.
- `run` (run.py): each prepared submission's result: the cached one, or graded item by item on
  `Workers` (student code in the jail, the score decided here, in the trusted process).
- `book` (book.py): nbgrader's autograde + feedback of each result into a gradebook, and the
  submission's CSV rows; `write_tables` writes grades.csv, items.csv and choices.csv.

The entry points are recipes of these steps: `grader.grade` (prepare -> run -> book),
`shards.grade_shard` (the same for one shard's students, then `publish`), `merge.merge`
(`combine` of what the shards booked) and `nbgrader_autograde.grade_submitted` (prepare -> run,
nbgrader doing its own booking).

Example:

```python
subs = find(course, "submissions")
with Workers(course, jobs=2) as workers:
    prepared = prepare(course, subs)
    booked = book(course, prepared, run(course, prepared, workers), "grades")
write_tables("grades", [entry["rows"] for entry in booked.values()])
```
"""
