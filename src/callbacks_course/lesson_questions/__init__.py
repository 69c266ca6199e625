"""The lessons' ungraded self-check questions (kept apart from the graded quiz's).

Each lesson NN has a module `lNN` with a list `QUESTIONS` of `selfcheck.Question`.

Example:

```python
from callbacks_course.lesson_questions import questions
from callbacks_course.selfcheck import show
show(questions("01"))
```
"""

import importlib


def questions(lesson):
    """The self-check questions of lesson `lesson` ("01", "02", ...)."""
    return importlib.import_module(f"{__name__}.l{lesson}").QUESTIONS
