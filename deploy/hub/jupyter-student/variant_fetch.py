"""nbgrader's fetch in a student's server: the quiz arrives in the student's own variant.

The hub sets `CALLBACKS_COURSE_QUIZ_TOKEN` (and `CALLBACKS_COURSE_QUIZ_QUESTION_ORDER`) in each
student's server (deploy/hub/classroom.py). `VariantFetch` copies the released assignment as
nbgrader does, then writes the student's variant (`quiz_variant.personalize`) into each quiz
notebook it has just copied; a notebook already there is left as it is. Without a token it is
nbgrader's fetch. It lives beside the students' nbgrader_config.py (which puts its folder on the
import path), not in the course package: it needs nbgrader, which the package does not require.

Example:

```python
# the students' nbgrader_config.py (deploy/hub/classroom.py writes it)
sys.path.insert(0, os.path.dirname(__file__))
c.ExchangeFactory.fetch_assignment = "variant_fetch.VariantFetch"
```
"""

import os
import pathlib

from nbgrader.exchange.default import ExchangeFetchAssignment

from callbacks_course.quiz_variant import QUESTION_ORDER_VARIABLE, TOKEN_VARIABLE, Variant, personalize, personalized, pins


def _notebooks(folder):
    return set(pathlib.Path(folder).rglob("*.ipynb")) if os.path.isdir(folder) else set()


class VariantFetch(ExchangeFetchAssignment):
    """`ExchangeFetchAssignment` that personalizes the quiz notebooks it copies (see the module)."""

    def copy_files(self):
        present = _notebooks(self.dest_path)
        super().copy_files()
        token = os.environ.get(TOKEN_VARIABLE)
        if not token:
            return
        import nbformat

        for path in sorted(_notebooks(self.dest_path) - present):
            nb = nbformat.read(str(path), as_version=4)
            if personalized(nb):
                continue
            variant = Variant(token, pins=pins(nb), question_order=os.environ.get(QUESTION_ORDER_VARIABLE) == "1")
            personalize(nb, variant)
            nbformat.write(nb, str(path))
            self.log.info("Your own variant of %s", path.name)
