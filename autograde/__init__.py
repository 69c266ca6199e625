"""The grading engine of the course: `python -m autograde` (release, grade, report, demo).

It runs nbgrader's lifecycle (generate_assignment, autograde, generate_feedback, gradebook) and
grades each test cell in its own sandboxed process; see autograde/README.md.
"""
