"""The grading engine of the course: `python -m autograde` (release, grade, report, demo).

It runs nbgrader's lifecycle (generate_assignment, autograde, generate_feedback, gradebook) and
grades each test cell with the student's code confined in a jail of its own
(`callbacks_course.sandbox`); see autograde/README.md.
"""
