"""Grading on submit on a real JupyterHub with real accounts: the hub's `grading` service (autograde/live/).

Three students. Ann submits the quiz (half right) and the lab (all right): each one's feedback is
fetchable, with her score in the gradebook (the time it took is printed; the issue's limits, 15 s
and 60 s, are checked by benchmarks/live_feedback.py on a quiet machine, not here, where other
tests share the cores). Bob's hostile quiz (an
endless loop, a fork bomb, a memory hog; a folder planted in the exchange in Ann's name holding a
link to the instructor's solution) is being graded when Ann submits again: her feedback is as
quick and her score the same, and nothing of Bob's is booked as hers (nor collected by the
formgrader's Collect button). Cleo reaches the quiz's
per-hour limit (2 here) and is told when her third submission will be graded. Ann's worse second
lab is being graded when the service is killed: the hub restarts it, the submission is graded,
and the lab (which counts the best) keeps her first score in the gradebook. At the end every
graded submission is graded again by `python -m autograde grade`: the scores are the same.
"""

import csv
import datetime
import os
import pathlib
import shutil
import signal
import sqlite3
import time

import pytest

from hubclass import UNCONTAINED, HubClass
from submitting import answers, fetch_feedback, page_score, release, submit, wait_for_feedback

pytestmark = [pytest.mark.hub, pytest.mark.slow, pytest.mark.xdist_group("hub")]

QUIZ, LAB = "callbacks_quiz", "callbacks_lab"
SETTINGS = {"slots": 2, "default": {"grade_on_submit": True, "per_hour": 4, "counts": "last"},
            "assignments": {QUIZ: {"per_hour": 2, "counts": "last"}, LAB: {"per_hour": 4, "counts": "best"}}}
HOSTILE = {
    "q01": "while True:\n    pass",
    "q02": "import os\nwhile True:\n    os.fork()",
    "q03": "hog = bytearray(50 * 1024 ** 3)",
}


def _load():
    return "load average %.1f %.1f %.1f" % os.getloadavg()


def _figure(what, seconds):
    print(f"\n{what}: feedback fetchable {seconds:.1f} s after Submit ({_load()})")


@pytest.fixture(scope="module")
def hub():
    with HubClass(students=3, settings=SETTINGS) as hub:
        hub.start_servers([hub.instructor, *hub.students])
        release(hub, QUIZ)
        release(hub, LAB)
        hub.tokens = {s: hub.user_token(s) for s in hub.students}
        yield hub


def _submissions(hub, student, assignment):
    return [s for s in hub.grading_status(hub.tokens[student])["submissions"] if s["assignment"] == assignment]


def _wait_state(hub, student, assignment, count, states, timeout):
    """The student's `count`-th submission of `assignment` (in their status) once it is in one of `states`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        subs = sorted(_submissions(hub, student, assignment), key=lambda s: s["submitted"])
        if len(subs) >= count and subs[count - 1]["state"] in states:
            return subs[count - 1]
        time.sleep(0.5)
    raise TimeoutError(f"{student}'s submission {count} of {assignment} not {states} after {timeout} s: {subs}")


def _gradebook(hub, student, assignment):
    status, body = hub.request("GET", f"user/{hub.instructor}/formgrader/api/submission/{assignment}/{student}")
    assert status == 200, body
    return body["score"], body["max_score"]


def test_quiz_feedback_is_fetchable_and_booked(hub):
    ann = hub.students[0]
    submitted = submit(hub, ann, QUIZ, answers(QUIZ, "partial"))
    fetched, page = wait_for_feedback(hub, ann, QUIZ, count=1, timeout=600)
    seconds = fetched - submitted
    _figure("quiz", seconds)
    score = page_score(page)
    assert 0 < score[0] < 20 and score[1] == 20
    assert _gradebook(hub, ann, QUIZ) == score
    assert "BEGIN HIDDEN TESTS" not in page
    status = _wait_state(hub, ann, QUIZ, 1, {"graded"}, timeout=60)  # recorded once its grading process ends
    assert f"{score[0]:g} / 20" in status["status"] and "Fetch Feedback" in status["status"]


def test_lab_feedback_is_fetchable_and_booked(hub):
    ann = hub.students[0]
    submitted = submit(hub, ann, LAB, answers(LAB, "correct"))
    fetched, page = wait_for_feedback(hub, ann, LAB, count=1, timeout=900)
    seconds = fetched - submitted
    _figure("lab", seconds)
    assert page_score(page) == (37.0, 37.0) == _gradebook(hub, ann, LAB)


def _plant(hub, owner, named, target):
    """A folder of `owner` in the inbound folder, named as a submission of `named`, its notebook a link to `target`."""
    inbound = hub.classroom.EXCHANGE / "keras-callbacks" / "inbound"
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")  # the newest
    folder = inbound / f"{named}+{QUIZ}+{stamp}+planted{owner[-2:]}"
    hub.run_as(owner, "mkdir", str(folder))
    hub.run_as(owner, "ln", "-s", str(target), str(folder / f"{QUIZ}.ipynb"))
    return folder.name


def test_a_hostile_submission_in_the_queue_neither_delays_nor_changes_another(hub):
    ann, bob = hub.students[:2]
    first = page_score(wait_for_feedback(hub, ann, QUIZ, count=1, timeout=5)[1])
    submit(hub, bob, QUIZ, HOSTILE)
    _wait_state(hub, bob, QUIZ, 1, {"grading"}, timeout=120)
    solution = hub.course / "solutions" / QUIZ / f"{QUIZ}.ipynb"
    planted = [_plant(hub, bob, ann, solution), _plant(hub, bob, bob, solution)]
    submitted = submit(hub, ann, QUIZ, answers(QUIZ, "partial"))
    fetched, page = wait_for_feedback(hub, ann, QUIZ, count=2, timeout=600)
    seconds = fetched - submitted
    _figure("quiz while a hostile one is graded", seconds)
    assert page_score(page) == first == _gradebook(hub, ann, QUIZ)
    # the folder planted in Ann's name is nobody's submission; Bob's own link was not followed
    everyone = hub.grading_status(hub.user_token(hub.instructor))["submissions"]
    states = {s["name"]: s for s in everyone}
    assert states[planted[0]]["state"] == "rejected" and "belongs to " + bob in states[planted[0]]["status"]
    assert all(s["name"] != planted[0] for s in _submissions(hub, ann, QUIZ))
    # the formgrader's Collect button takes neither the planted folder nor what Bob's link points to
    collected = hub.post(f"user/{hub.instructor}/formgrader/api/assignment/{QUIZ}/collect")
    assert collected["success"], collected
    submitted = hub.course / ".autograde" / "course" / "submitted"
    assert (submitted / ann / QUIZ / f"{QUIZ}.ipynb").read_bytes() != solution.read_bytes()
    assert not (submitted / bob / QUIZ / f"{QUIZ}.ipynb").exists() or \
        (submitted / bob / QUIZ / f"{QUIZ}.ipynb").read_bytes() != solution.read_bytes()
    graded_bob = _wait_state(hub, bob, QUIZ, 1, {"graded"}, timeout=900)
    assert graded_bob["score"] == 0
    second = _wait_state(hub, ann, QUIZ, 2, {"graded"}, timeout=60)
    assert second["started"] < graded_bob["finished"], "Ann's submission waited for Bob's grading"
    link = _wait_state(hub, bob, QUIZ, 2, {"invalid"}, timeout=900)
    assert "callbacks_quiz.ipynb is a symbolic link" in link["status"]
    assert _gradebook(hub, ann, QUIZ) == first


def test_the_per_hour_limit_holds_and_the_student_is_told(hub):
    cleo = hub.students[2]
    for count in (1, 2):
        submit(hub, cleo, QUIZ, answers(QUIZ, "partial"))
        wait_for_feedback(hub, cleo, QUIZ, count=count, timeout=600)
    submit(hub, cleo, QUIZ, answers(QUIZ, "correct"))
    third = _wait_state(hub, cleo, QUIZ, 3, {"waiting"}, timeout=60)
    first = _wait_state(hub, cleo, QUIZ, 1, {"graded"}, timeout=5)
    assert third["not_before"] == pytest.approx(first["started"] + 3600)
    assert "2 graded submissions per hour" in third["status"] and "graded at" in third["status"]
    page = hub.grading_page(hub.tokens[cleo])
    assert "Limit reached" in page and third["status"].split(": ", 1)[1] in page
    time.sleep(10)
    assert len(fetch_feedback(hub, cleo, QUIZ)) == 2
    assert _wait_state(hub, cleo, QUIZ, 3, {"waiting"}, timeout=5)


def _instructor_process(hub, *words):
    """The pid of the instructor's `python -m autograde.live ...` process whose command line has `words`, or None."""
    import pwd

    uid = pwd.getpwnam(hub.instructor).pw_uid
    for entry in pathlib.Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and entry.stat().st_uid == uid:
                cmd = (entry / "cmdline").read_bytes().split(b"\0")
                if b"autograde.live" in cmd and all(w.encode() in cmd for w in words):
                    return int(entry.name)
        except OSError:
            continue
    return None


def _service_pid(hub):
    return _instructor_process(hub, "serve")


def _grading_server(hub, student, assignment):
    """The pid of the grading server grading `student`'s `assignment` now (the service records it), or None."""
    db = sqlite3.connect(f"file:{hub.course / '.autograde' / 'live' / 'state.db'}?mode=ro", uri=True)
    try:
        row = db.execute("SELECT grader FROM submissions WHERE student = ? AND assignment = ? AND state = 'grading'",
                         (student, assignment)).fetchone()
    finally:
        db.close()
    return row[0] if row else None


def test_killing_the_service_mid_grading_loses_no_submission(hub):
    ann = hub.students[0]
    submit(hub, ann, LAB, answers(LAB, "partial"))
    _wait_state(hub, ann, LAB, 2, {"grading"}, timeout=300)
    time.sleep(3)  # well into the grading
    pid = _service_pid(hub)
    assert pid, "the grading service is not running"
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 120
    while _service_pid(hub) in (None, pid):
        assert time.monotonic() < deadline, "the hub did not restart the grading service"
        time.sleep(1)
    _, page = wait_for_feedback(hub, ann, LAB, count=2, timeout=900)
    worse = page_score(page)
    assert worse[0] < 37
    _wait_state(hub, ann, LAB, 2, {"graded"}, timeout=60)  # recorded once its server has replied
    subs = sorted(_submissions(hub, ann, LAB), key=lambda s: s["submitted"])
    assert [s["state"] for s in subs] == ["graded", "graded"]
    assert "earlier, better submission stays in the gradebook" in subs[1]["status"]
    assert _gradebook(hub, ann, LAB) == (37.0, 37.0)  # the lab counts the best


def test_a_grading_that_crashes_twice_is_reported_and_stalls_nobody(hub):
    cleo = hub.students[2]
    submit(hub, cleo, LAB, answers(LAB, "correct"))
    killed = set()
    for attempt in (1, 2):
        deadline = time.monotonic() + 300
        while True:
            pid = _grading_server(hub, cleo, LAB)
            if pid and pid not in killed:
                break
            assert time.monotonic() < deadline, f"no grading process for attempt {attempt}"
            time.sleep(0.2)
        os.kill(pid, signal.SIGKILL)  # as the kernel's OOM killer would
        killed.add(pid)
    failed = _wait_state(hub, cleo, LAB, 1, {"failed"}, timeout=120)
    assert "failed twice" in failed["status"] and "your instructor has been told" in failed["status"]
    submit(hub, cleo, LAB, answers(LAB, "partial"))  # the next submission is graded as usual
    _wait_state(hub, cleo, LAB, 2, {"graded"}, timeout=900)


def test_every_graded_score_is_the_engines(hub, tmp_path):
    """Each graded submission's archived copy, graded again by `python -m autograde grade`: the same scores."""
    everyone = hub.grading_status(hub.user_token(hub.instructor))["submissions"]
    graded = [s for s in everyone if s["state"] == "graded"]
    assert len(graded) >= 7
    scratch = hub.course / "engine-check"
    shutil.rmtree(scratch, ignore_errors=True)
    archive = hub.course / ".autograde" / "live" / "archive"
    ids = {}
    for n, sub in enumerate(graded):
        alias = f"s{n:02d}"
        ids[alias] = sub
        dest = scratch / "submissions" / alias / sub["assignment"]
        dest.mkdir(parents=True)
        for notebook in (archive / sub["name"]).glob("*.ipynb"):
            shutil.copyfile(notebook, dest / notebook.name)
    hub.classroom._chown_tree(scratch, hub.instructor)
    hub.run_as(hub.instructor, "python", "-m", "autograde", "--work", "engine-check/work", "grade",
               "engine-check/submissions", "--out", "engine-check/out", "--jobs", "2", *UNCONTAINED, cwd=hub.course,
               timeout=3600)
    with open(scratch / "out" / "grades.csv", newline="") as handle:
        engine = {(r["student_id"], r["assignment"]): float(r["score"]) for r in csv.DictReader(handle)}
    for alias, sub in ids.items():
        assert engine[alias, sub["assignment"]] == sub["score"], (sub["student"], sub["name"])
