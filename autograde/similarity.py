"""`similarity`: which answers of a class are near-copies of each other, per exercise, for a human to judge.

Each answer cell of an assignment is compared with the same cell of every other student by
copydetect (winnowing over Pygments tokens, with names and strings abstracted, so renamed
variables or reordered methods do not hide a copy). The released stub of that cell is
copydetect's boilerplate: the template every student starts from never counts. A pair's score is
the larger of its two shares (the copied tokens over each answer's tokens), so a copy with extra
code added still shows. The page lists the most similar pairs per exercise with the matching code
marked side by side. It reads the submissions as the grader does (never modified, bounded) and
changes no grade.

Example:

```python
similarity(Course(), "submissions", "grades")   # -> grades/similarity.html
```
"""

import dataclasses
import html
import io
import pathlib

from .notebooks import Layout, SubmissionError, load_notebook, student_answers
from .submissions import discover, printable

NOISE = 25        # copydetect's noise threshold: matches shorter than this (filtered characters) never count
GUARANTEE = 30    # every match at least this long is found (winnowing window = GUARANTEE - NOISE + 1)
THRESHOLD = 0.5   # pairs at or above this score are marked for a look
TOP = 10          # pairs shown per exercise
MAX_CELL_CHARS = 20_000  # of one answer cell: the rest is left out of the comparison (and said so)


@dataclasses.dataclass
class Pair:
    """Two students' answers to one exercise and how much of them matches.

    Args:
        score: max(share_a, share_b).
        a, b: the students (a < b).
        share_a, share_b: the share of each answer's tokens found in the other.
        marked_a, marked_b: each answer as HTML-escaped text, the matching parts in <mark>
            ("" beyond the pairs `compare` marks).
    """

    score: float
    a: str
    b: str
    share_a: float
    share_b: float
    marked_a: str
    marked_b: str


def _fingerprint(code, window=GUARANTEE - NOISE + 1, boilerplate=None):
    from copydetect import CodeFingerprint

    return CodeFingerprint("answer.py", NOISE, window, boilerplate=boilerplate, language="python", fp=io.StringIO(code))


def _marked(code, slices):
    from copydetect.utils import highlight_overlap

    return highlight_overlap(code, slices, "<mark>", "</mark>", escape_html=True)[0]


def compare(answers, template="", marked=TOP):
    """Every pair of `answers`, most similar first, `template` discounted.

    Args:
        answers: {student: source of their answer cell}.
        template: the released stub of the cell (copydetect's boilerplate).
        marked: how many of the most similar pairs carry their code (escaped, the matching
            parts marked); the others carry none.

    Returns:
        [Pair], sorted by score (highest first), then by students.

    Example:

    ```python
    compare({"ada": code_a, "bo": code_b}, template="class BatchTimer(keras.callbacks.Callback):\\n    pass")
    ```
    """
    from copydetect import compare_files

    import numpy as np

    # as copydetect's CopyDetector does: every k-gram of the template (window 1) is boilerplate
    boilerplate = np.unique(np.array(list(_fingerprint(template, window=1).hashes), dtype=np.int64))
    prints = {student: _fingerprint(code, boilerplate=boilerplate) for student, code in sorted(answers.items())}
    students, found = sorted(prints), []
    for i, a in enumerate(students):
        for b in students[i + 1:]:
            _, (share_a, share_b), slices = compare_files(prints[a], prints[b])
            found.append((float(max(share_a, share_b)), a, b, float(share_a), float(share_b), slices))
    found.sort(key=lambda pair: (-pair[0], pair[1], pair[2]))
    pairs = []
    for n, (score, a, b, share_a, share_b, (slices_a, slices_b)) in enumerate(found):
        if n >= marked:
            shown = "", ""
        elif len(slices_a):
            shown = _marked(answers[a], slices_a), _marked(answers[b], slices_b)
        else:
            shown = html.escape(answers[a]), html.escape(answers[b])
        pairs.append(Pair(score, a, b, share_a, share_b, *shown))
    return pairs


def class_answers(course, submissions, assignment):
    """({cell: {student: source}}, {cell: stub}, [notes]) of one assignment's submissions.

    Blank answers (as released) are left out; unreadable notebooks and cut cells are noted.
    """
    from .course import GRADING_RELEASE

    course.generate(assignment, release_directory=GRADING_RELEASE)
    released = course.nbgrader_root / GRADING_RELEASE / assignment
    stubs = {notebook: Layout.read(released / f"{notebook}.ipynb").answers for notebook in course.notebooks(assignment)}
    answers, notes = {cell: {} for stubs_ in stubs.values() for cell in stubs_}, []
    for sub in submissions:
        who = printable(sub.student)
        if sub.problem:
            notes.append(f"{who}: not compared ({sub.problem})")
            continue
        for notebook, cells in stubs.items():
            try:
                submitted = student_answers(load_notebook(sub.folder / f"{notebook}.ipynb"))
            except SubmissionError as exc:
                notes.append(f"{who}: {notebook}.ipynb not compared ({exc})")
                continue
            for cell, stub in cells.items():
                source = submitted.get(cell, stub)
                if source.strip() == stub.strip():
                    continue
                if len(source) > MAX_CELL_CHARS:
                    notes.append(f"{who}: cell {cell} has {len(source)} characters; "
                                 f"only its first {MAX_CELL_CHARS} were compared")
                    source = source[:MAX_CELL_CHARS]
                answers[cell][sub.student] = source
    return answers, {cell: stub for cells in stubs.values() for cell, stub in cells.items()}, notes


_STYLE = ("<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}"
          "td,th{padding:.2em .6em;border-bottom:1px solid #ddd;vertical-align:top;text-align:left}"
          ".pair{display:grid;grid-template-columns:1fr 1fr;gap:1em;margin-bottom:1.5em}"
          "pre{background:#f6f6f6;padding:.5em;overflow:auto;max-height:30em;font-size:85%;white-space:pre-wrap}"
          "mark{background:#ffd0a8}.high{background:#fde0ef}h3{margin-bottom:.3em}</style>")


def _page(sections, notes, threshold):
    parts = ["<!doctype html><meta charset='utf-8'><title>Similarity report</title>", _STYLE,
             "<h1>Similarity report</h1>",
             f"<p>copydetect (winnowing over tokens, names and strings abstracted; k={NOISE}, guaranteed "
             f"matches from {GUARANTEE} characters) compares each answer cell with the same cell of every other "
             f"student; the released stub of the cell does not count. Score: the larger share of the two answers "
             f"found in the other. Pairs scoring {threshold:.0%} or more are marked. Scores change no grade: "
             "look at the code before concluding anything; short or standard answers can match by themselves.</p>"]
    for (assignment, cell), (count, pairs) in sections.items():
        high = sum(1 for pair in pairs if pair.score >= threshold)
        parts.append(f"<h2>{html.escape(assignment)}: {html.escape(cell)}</h2><p>{count} answers compared, "
                     f"{len(pairs)} pairs, {high} at or above {threshold:.0%}.</p>")
        if not pairs:
            continue
        parts.append("<table><tr><th>score</th><th>students</th><th>shares</th></tr>")
        for n, pair in enumerate(pairs[:TOP]):
            parts.append(f"<tr class='{'high' if pair.score >= threshold else ''}'><td>{pair.score:.0%}</td>"
                         f"<td><a href='#{html.escape(assignment)}-{html.escape(cell)}-{n}'>"
                         f"{html.escape(printable(pair.a))} – {html.escape(printable(pair.b))}</a></td>"
                         f"<td>{pair.share_a:.0%} / {pair.share_b:.0%}</td></tr>")
        parts.append("</table>")
        for n, pair in enumerate(pairs[:TOP]):
            if pair.score < threshold:
                break
            parts.append(f"<h3 id='{html.escape(assignment)}-{html.escape(cell)}-{n}'>{pair.score:.0%}: "
                         f"{html.escape(printable(pair.a))} – {html.escape(printable(pair.b))}</h3><div class='pair'>"
                         f"<pre>{pair.marked_a}</pre><pre>{pair.marked_b}</pre></div>")
    if notes:
        parts.append("<h2>Not compared, or only in part</h2><ul>")
        parts += [f"<li>{html.escape(note)}</li>" for note in notes]
        parts.append("</ul>")
    return "\n".join(parts)


def similarity(course, submissions, out, threshold=THRESHOLD, assignments=None):
    """Write `out/similarity.html` for the assignments under `submissions`; return its path.

    Args:
        course: the `Course` (nbgrader's release of each assignment gives the stubs).
        submissions: folder `<student_id>/<assignment>/<notebook>.ipynb`, as for `grade`.
        out: folder for the page (e.g. the `--out` of `grade`).
        threshold: score from which a pair is marked and shown side by side.
        assignments: only these (default: every assignment found).
    """
    from .grader import UsageError, check_arguments

    subs, found = discover(check_arguments(submissions, 1), course)
    wanted = [a for a in found if assignments is None or a in assignments]
    if not wanted:
        raise UsageError(f"no submissions of {', '.join(assignments or []) or 'a known assignment'} under {submissions}")
    sections, notes = {}, []
    for assignment in wanted:
        answers, stubs, cell_notes = class_answers(course, [s for s in subs if s.assignment == assignment], assignment)
        notes += [f"{assignment}: {note}" for note in cell_notes]
        for cell, by_student in answers.items():
            sections[assignment, cell] = (len(by_student), compare(by_student, stubs[cell]))
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "similarity.html"
    path.write_text(_page(sections, notes, threshold), encoding="utf-8")
    return path
