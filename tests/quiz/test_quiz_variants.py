"""Per-student variants of the quiz: diverse, stable, not choosable; the key maps through each variant.

200 generated student ids under one course secret: their option orders differ, each id always
gets the same one, and only the true key as the student sees it scores 20/20 — neither the
original (seed) key nor another student's letters do. A personalized notebook changes only cells
nbgrader does not track, and its self-check reads answers in the student's letters.
"""

import itertools
import os
import subprocess
import sys

import nbformat
import pytest
from callbacks_course.quiz import OPTIONS, partial_credit
from callbacks_course.quiz_selfcheck import SelfCheck
from callbacks_course.quiz_variant import Variant, personalize, personalized, pins, relabel, student_token
from quiz_experiments import ROOT, answer_key

STUDENT = ROOT / "quizzes" / "callbacks_quiz" / "callbacks_quiz.ipynb"
QUESTIONS = [f"q{n:02d}" for n in range(1, 21)]
SECRET = bytes(range(32))
IDS = [f"student{n:03d}" for n in range(200)]


def variant(student, **kwargs):
    return Variant(student_token(SECRET, student), **kwargs)


def seen_key(v):
    """The true key in the letters the student of variant `v` sees."""
    return {q: v.to_displayed(q, entry["answer"]) for q, entry in answer_key().items()}


def score(v, letters):
    """The quiz total of `letters` ({q: displayed letters}) for variant `v`, as the grader scores it."""
    return sum(partial_credit(v.to_original(q, letters[q]), answer_key()[q]["answer"]) for q in QUESTIONS)


def test_option_orders_are_diverse_between_students():
    orders = {student: [variant(student).order(q) for q in QUESTIONS] for student in IDS}
    differing = [sum(a != b for a, b in zip(orders[s], orders[t])) for s, t in itertools.combinations(IDS, 2)]
    # two random orders of 4 options coincide with probability 1/24: about 19.2 of 20 questions differ
    assert sum(differing) / len(differing) > 18.5
    assert sum(d >= 15 for d in differing) / len(differing) > 0.99
    # every order of the options occurs, about equally often
    counts = {order: 0 for order in map("".join, itertools.permutations(OPTIONS))}
    for student in IDS:
        for order in orders[student]:
            counts[order] += 1
    assert min(counts.values()) > 0.5 * len(IDS) * len(QUESTIONS) / 24


def test_a_variant_is_stable_per_id_and_needs_the_secret():
    assert [variant("ann").order(q) for q in QUESTIONS] == [variant("ann").order(q) for q in QUESTIONS]
    # the same in another process, whatever its hash seed: nothing depends on Python's hash()
    code = ("from callbacks_course.quiz_variant import Variant, student_token\n"
            f"print(' '.join(Variant(student_token({SECRET!r}, 'ann')).order(f'q{{n:02d}}') for n in range(1, 21)))")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env=dict(os.environ, PYTHONHASHSEED="12345")).stdout.split()
    assert other == [variant("ann").order(q) for q in QUESTIONS]
    # another secret, another variant: a student who knows only their id cannot compute any token
    elsewhere = Variant(student_token(b"another course's secret", "ann"))
    assert sum(elsewhere.order(q) != variant("ann").order(q) for q in QUESTIONS) >= 15
    assert student_token(SECRET, "ann") != student_token(SECRET, "ann ") and len(student_token(SECRET, "ann")) == 64
    assert [Variant().order(q) for q in QUESTIONS] == ["ABCD"] * 20  # no token: the original order


def test_only_the_true_key_as_seen_scores_full_on_every_variant():
    original = {q: set(entry["answer"]) for q, entry in answer_key().items()}
    seed, copied = [], []
    for n, student in enumerate(IDS):
        v = variant(student)
        assert score(v, seen_key(v)) == 20
        seed.append(score(v, original))
        copied.append(score(v, seen_key(variant(IDS[(n + 1) % len(IDS)]))))
    assert max(seed) < 20 and max(copied) < 20
    # on average, the original key or a neighbour's letters earn well under half the points
    assert sum(seed) / len(seed) < 8 and sum(copied) / len(copied) < 8


def test_pinned_options_keep_their_place():
    for student in IDS:
        v = variant(student, pins={"q05": "D", "q09": "AC"})
        assert v.order("q05")[3] == "D"
        assert v.order("q09")[0] == "A" and v.order("q09")[2] == "C"
    assert len({variant(s, pins={"q05": "D"}).order("q05") for s in IDS}) == 6  # the other three move


def test_relabel_names_options_not_articles():
    order = "DCBA"  # shown A is original D, ...
    assert relabel("> **Note (Keras 3):** D asks about the default; in A, see B.", order) == \
        "> **Note (Keras 3):** A asks about the default; in D, see C."
    assert relabel("A callback can log anything. Callbacks are supported (see A and B).", order) == \
        "A callback can log anything. Callbacks are supported (see D and C)."


def _nbgrader_cells(nb):
    return sorted((c.metadata["nbgrader"]["grade_id"], c.source) for c in nb.cells if "nbgrader" in c.metadata)


@pytest.mark.parametrize("question_order", [False, True])
def test_a_personalized_notebook_shows_the_variant_and_keeps_what_nbgrader_tracks(question_order):
    released = nbformat.read(str(STUDENT), as_version=4)
    v = variant("ann", pins=pins(released), question_order=question_order)
    nb = personalize(nbformat.read(str(STUDENT), as_version=4), v)
    assert personalized(nb) and not personalized(released)
    assert _nbgrader_cells(nb) == _nbgrader_cells(released)
    shown = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert shown == (v.questions(QUESTIONS) if question_order else QUESTIONS)
    assert (shown != QUESTIONS) == question_order

    def options(cell):
        return {line[4]: line[8:] for line in cell.source.splitlines() if line.startswith("- **")}

    before = {q: c for q, c in _question_cells(released).items()}
    for q, cell in _question_cells(nb).items():
        assert options(cell) == {s: options(before[q])[o] for s, o in zip(OPTIONS, v.order(q))}, q
    # the letters the notes name follow the options: question 4's note is about original option D
    note = next(line for line in _question_cells(nb)["q04"].source.splitlines() if line.startswith("> "))
    assert note.startswith(f"> **Note (Keras 3):** {min(v.to_displayed('q04', 'D'))} asks about the default")


def _question_cells(nb):
    found, last = {}, None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            last = cell
        elif cell.metadata.get("nbgrader", {}).get("solution"):
            found[cell.metadata["nbgrader"]["grade_id"]] = last
    return found


def test_the_selfcheck_reads_answers_in_the_students_letters():
    for student in IDS[:5]:
        v = variant(student)
        nb = personalize(nbformat.read(str(STUDENT), as_version=4), v)
        setup = next(c for c in nb.cells if "selfcheck-data" in c.metadata.get("tags", []))
        namespace = {}
        exec(setup.source, namespace)
        check = namespace["check"]
        for q, letters in seen_key(v).items():
            right = check.feedback(q, letters)
            assert right.startswith("Right!"), (student, q)
            why = answer_key()[q]["why"]
            assert right.splitlines()[1] == f"  A {'✓' if 'A' in letters else '✗'} " \
                                            f"{relabel(why[v.order(q)[0]], v.order(q))}"
        differs = next(q for q in QUESTIONS if seen_key(v)[q] != frozenset(answer_key()[q]["answer"]))
        assert check.feedback(differs, answer_key()[differs]["answer"]).startswith("Not yet")


def test_the_registry_maps_letters_through_the_variant():
    sys.path.insert(0, str(ROOT / "autograde" / "assignments"))
    import callbacks_quiz

    v = callbacks_quiz.variant(student_token(SECRET, "ann"))
    assert v.pins == pins(nbformat.read(str(ROOT / "solutions" / "callbacks_quiz" / "callbacks_quiz.ipynb"),
                                        as_version=4))
    item = next(i for i in callbacks_quiz.ITEMS if i.grade_id == "q07_check")
    observed = v.observed(item, sorted(seen_key(v)["q07"]))
    assert observed == sorted(answer_key()["q07"]["answer"])
    assert callbacks_quiz.score_answer("q07", observed).fraction == 1.0


def test_the_hub_gives_each_student_their_token_and_the_variant_fetch(tmp_path, monkeypatch):
    import importlib.util

    from autograde.course import Course

    monkeypatch.setenv("HUB_CLASS_ROOT", str(tmp_path / "class"))
    spec = importlib.util.spec_from_file_location("classroom_variants", ROOT / "deploy" / "hub" / "classroom.py")
    classroom = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(classroom)
    klass = {"instructor": "teach", "students": ["ann", "ben"], "course": str(tmp_path / "course")}
    from callbacks_course.quiz_variant import QUESTION_ORDER_VARIABLE, TOKEN_VARIABLE

    assert TOKEN_VARIABLE not in classroom.user_environment("ann", klass)  # variants off: no token
    settings = Course(ROOT, work=tmp_path / "course" / ".autograde").set_variants(True, question_order=True)
    ann, teach = classroom.user_environment("ann", klass), classroom.user_environment("teach", klass)
    assert ann[TOKEN_VARIABLE] == student_token(settings["secret"], "ann") != \
        classroom.user_environment("ben", klass)[TOKEN_VARIABLE]
    assert ann[QUESTION_ORDER_VARIABLE] == "1" and TOKEN_VARIABLE not in teach
    assert not [value for value in ann.values() if settings["secret"].hex() in value]
    classroom._write_role_folders(tmp_path / "course")
    config = (tmp_path / "class" / "etc" / "jupyter-student" / "nbgrader_config.py").read_text()
    assert 'c.ExchangeFactory.fetch_assignment = "variant_fetch.VariantFetch"' in config
    assert (tmp_path / "class" / "etc" / "jupyter-student" / "variant_fetch.py").is_file()
    assert "VariantFetch" not in (tmp_path / "class" / "etc" / "jupyter-instructor" / "nbgrader_config.py").read_text()
