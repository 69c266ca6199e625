"""The queue of the grading service: from nbgrader's inbound folder to booked, released feedback (and the LMS).

Every second (`poll`) the service lists the inbound folder; each new submission is recorded
(`State`) as queued, or `off` when its assignment is not graded on submit, or `rejected` when
the folder is not the named student's own. Then, while grading slots are free:

- a student's older queued submission of an assignment is `superseded` by a newer one (so one
  student has at most one waiting submission per assignment: the queue is bounded by the class);
- a student over the assignment's per-hour limit `waits` until the oldest grading of the last
  hour is an hour old; the student's status says when;
- a student already being graded waits for that grading (one at a time per student), so the
  free slots go to others: one student's slow or hostile submission delays only their own;
- the submission is copied out of the exchange (`inbox.collect`) into the service's archive and
  graded and booked by an idle warm grading server (`warm.GradingServer`, one per slot, started
  with the service) killed after `timeout` seconds. A grading whose server crashes or times out is
  tried once more (on a new server), then the submission is `failed` and reported.

With LTI, a graded submission's score is owed to the LMS (`State.owe`) and sent by `Passback`
with growing pauses until the LMS acknowledges it (or it is skipped: the student never came from
the LMS, or left the course).

Example:

```python
service = GradingService(Course(root="."), exchange="/opt/callbacks-course-hub/exchange",
                         state_dir=".autograde/live", settings=SettingsFile("grading-on-submit.json"))
asyncio.run(service.run())
```
"""

import asyncio
import contextlib
import datetime
import json
import logging
import os
import shutil
import time

from . import inbox
from .passback import Skip
from .settings import SettingsFile
from .state import State
from .warm import GradingServer, ServerDied

log = logging.getLogger("autograde.live")
HOUR = 3600.0
PASSBACK_MAX_PAUSE = 3600.0


def clock(seconds):
    """`14:05 UTC` of a time since the epoch."""
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%H:%M UTC")


class GradingService:
    """Grades new submissions of a class as they arrive (see the module's docstring).

    Args:
        course: the engine's `Course` (the instructor's course folder).
        exchange: nbgrader's exchange root.
        course_id: nbgrader's course id.
        state_dir: the service's own folder (state.db, archive/).
        settings: a `SettingsFile`.
        people: callable(student) -> the user's hub record ({"person": ..., "lti": ...}; {} for a user
            who never came from the LMS), or None when the hub cannot tell now.
        passback: a `passback.Passback`, or None when the class does not use LTI.
        poll: seconds between two looks at the inbound folder.
        timeout: seconds one grading may take before its child is killed (a crash).
    """

    def __init__(self, course, exchange, course_id, state_dir, settings, people=lambda student: None,
                 passback=None, poll=1.0, timeout=1200.0):
        self.course, self.exchange, self.poll, self.timeout = course, exchange, poll, timeout
        self.inbound = os.path.join(exchange, course_id, "inbound")
        self.state_dir = state_dir
        os.makedirs(state_dir, mode=0o700, exist_ok=True)
        self.archive = os.path.join(state_dir, "archive")
        self.state = State(os.path.join(state_dir, "state.db"))
        self.settings = settings if isinstance(settings, SettingsFile) else SettingsFile(settings)
        self.people, self.passback = people, passback
        self.running = {}  # submission name -> asyncio.Task
        self.idle = []  # warm grading servers waiting for a submission
        self.started = 0  # grading servers started so far (each logs to grader-<n>.log)
        self.sending = None
        self.exam = False

    async def run(self):
        """Grade forever; a submission left `grading` by a stopped service is queued again first."""
        requeued = self.state.requeue_interrupted()
        if requeued:
            log.info("%d submission(s) interrupted by a stop are queued again", requeued)
        for _ in range(self.settings.current().slots):
            self.idle.append(await self._server())
        while True:
            self.tick()
            await asyncio.sleep(self.poll)

    def tick(self):
        """One round: new submissions in, gradings started, scores sent."""
        settings = self.settings.current()
        try:
            self.exam = self.course.released_as_exam()
        except Exception as exc:  # a damaged release record: grade nothing on submit rather than the wrong release
            log.error("%s", exc)
            self.exam = True
        self.discover(settings)
        self.schedule(settings, time.time())
        if self.passback and self.sending is None:
            due = self.state.due(time.time())
            if due:
                self.sending = asyncio.ensure_future(self._send(due))

    # ---- the queue ---------------------------------------------------------------------------
    def discover(self, settings):
        """Record every inbound folder not seen before."""
        known = self.state.known()
        assignments = set(self.course.assignments())
        for entry in inbox.scan(self.inbound):
            if entry.name in known:
                continue
            if entry.problem:
                log.warning("inbound %s is not a submission: %s", entry.name, entry.problem)
                self.state.add(entry, "rejected", entry.problem)
            elif entry.assignment not in assignments:
                self.state.add(entry, "rejected", f"no assignment {entry.assignment!r} in this course")
            elif self.exam or not settings.policy(entry.assignment).grade_on_submit:
                self.state.add(entry, "off", "graded by your instructor after the deadline")
            else:
                self.state.add(entry, "queued")
                log.info("queued %s", entry.name)

    def schedule(self, settings, now):
        """Supersede, apply the per-hour limits, and start gradings in the free slots."""
        pending = self.state.with_state("queued", "waiting")
        newest = {}
        for sub in pending:  # oldest first: the last one of each (student, assignment) stays
            newest[sub["student"], sub["assignment"]] = sub
        for sub in pending:
            if newest[sub["student"], sub["assignment"]] is not sub:
                self.state.set(sub["name"], state="superseded",
                               message="a newer submission arrived before this one was graded")
        busy = {self.state.get(name)["student"] for name in self.running}
        for sub in sorted(newest.values(), key=lambda s: (s["submitted"], s["name"])):
            policy = settings.policy(sub["assignment"])
            if self.exam or not policy.grade_on_submit:
                self.state.set(sub["name"], state="off", message="graded by your instructor after the deadline")
                continue
            starts = self.state.graded_since(sub["student"], sub["assignment"], now - HOUR)
            if len(starts) >= policy.per_hour:
                not_before = starts[len(starts) - policy.per_hour] + HOUR
                if sub["state"] != "waiting" or sub["not_before"] != not_before:
                    self.state.set(sub["name"], state="waiting", not_before=not_before,
                                   message=f"{policy.per_hour} graded submissions per hour: this one is graded "
                                           f"at {clock(not_before)}")
                continue
            if sub["state"] == "waiting":
                self.state.set(sub["name"], state="queued", not_before=None, message="")
            if sub["student"] in busy or len(self.running) >= settings.slots:
                continue
            busy.add(sub["student"])
            self.state.set(sub["name"], state="grading", started=now, message="")
            self.running[sub["name"]] = asyncio.ensure_future(self._grade(sub["name"], policy))

    # ---- one grading ---------------------------------------------------------------------------
    async def _grade(self, name, policy):
        try:
            await self._grade_once(name, policy)
        except Exception as exc:  # never let one grading stop the service
            log.exception("grading %s failed in the service", name)
            self._crashed(name, f"{type(exc).__name__}: {exc}")
        finally:
            self.running.pop(name, None)

    def _collect(self, sub):
        """The archived copy of a submission (made now from the exchange unless already there)."""
        folder = os.path.join(self.archive, sub["name"])
        if os.path.isfile(os.path.join(folder, "collected.json")):
            return folder, json.loads(open(os.path.join(folder, "collected.json")).read())
        shutil.rmtree(folder, ignore_errors=True)  # half a copy of an interrupted collect
        entry = inbox.parse(sub["name"], os.path.join(self.inbound, sub["name"]))
        if entry.problem:
            raise PermissionError(entry.problem)
        problems = inbox.collect(entry, folder, self.course.notebooks(sub["assignment"]))
        with open(os.path.join(folder, "collected.json"), "w") as handle:
            json.dump(problems, handle)
        return folder, problems

    async def _grade_once(self, name, policy):
        sub = self.state.get(name)
        started = time.time()
        try:
            folder, problems = self._collect(sub)
        except OSError as exc:
            self.state.set(name, state="invalid", finished=time.time(),
                           message=f"the submission cannot be read from the exchange: {exc}")
            return
        notebooks = [f"{nb}.ipynb" for nb in self.course.notebooks(sub["assignment"])]
        unusable = [f"{f} is {problems[f]}" for f in ("timestamp.txt", "submission_secret.txt") if f in problems]
        if all(nb in problems for nb in notebooks):
            unusable = [f"{nb} is {problems[nb]}" for nb in notebooks] + unusable
        if unusable:
            self.state.set(name, state="invalid", finished=time.time(),
                           message="nothing to grade: " + "; ".join(unusable) +
                                   " (submit the notebook itself from the Assignments tab)")
            return
        record = await asyncio.to_thread(self.people, sub["student"]) or {}
        best = None
        if policy.counts == "best":
            earlier = self.state.best(sub["student"], sub["assignment"])
            if earlier:
                best = (os.path.join(self.archive, earlier["name"]), earlier["score"])
        request = {"student": sub["student"], "assignment": sub["assignment"], "folder": os.path.join(folder, ""),
                   "exchange": str(self.exchange), "best": best, "person": record.get("person")}
        server = self.idle.pop() if self.idle else await self._server()
        self.state.set(name, grader=server.pid)
        try:
            outcome = await server.grade(request, self.timeout)
        except ServerDied as exc:
            self._retire(server)
            self.idle.append(await self._server())  # warming for the retry meanwhile
            return self._crashed(name, str(exc))
        if "score" not in outcome:
            self._retire(server)
            return self._crashed(name, "the grading server replied without a score")
        if len(self.idle) < self.settings.current().slots:
            self.idle.append(server)
        else:
            self._retire(server)
        finished = time.time()
        timings = dict(outcome["timings"], total=round(finished - started, 3))
        missing = ", ".join(f"{file} ({why})" for file, why in problems.items() if file.endswith(".ipynb"))
        message = f"{outcome['score']:g} / {outcome['max_score']:g}"
        if missing:
            message += f"; not graded: {missing}"
        self.state.set(name, state="graded", finished=finished, score=outcome["score"],
                       max_score=outcome["max_score"], booked=int(outcome["booked"] == outcome["score"]),
                       message=message, timings=timings)
        log.info("graded %s: %s in %.1f s (%s)", name, message, finished - started, timings)
        if self.passback:  # whether the student came from the LMS is asked when sending (the hub may be busy now)
            counted = self.state.best(sub["student"], sub["assignment"]) if policy.counts == "best" else \
                self.state.get(name)
            self.state.owe(sub["student"], sub["assignment"], counted["name"], counted["score"],
                           counted["max_score"],
                           f"{counted['score']:g}/{counted['max_score']:g}: graded on submission by the course's "
                           f"autograder ({policy.counts} submission counts); feedback in the Assignments tab",
                           counted["finished"])

    async def _server(self):
        """A new warm grading server (its stderr in the service's folder, `grader-<n>.log`)."""
        self.started += 1
        return await GradingServer.start(self.course, os.path.join(self.state_dir, f"grader-{self.started}.log"))

    def _retire(self, server):
        """Kill `server`; its log is kept as `grader-last-stopped.log` (one, however many were retired)."""
        server.kill()
        with contextlib.suppress(OSError):  # its log may be gone (the instructor cleaned the folder)
            os.replace(server.log_path, os.path.join(self.state_dir, "grader-last-stopped.log"))

    def _crashed(self, name, reason):
        sub = self.state.get(name)
        crashes = sub["crashes"] + 1
        if crashes < 2:
            log.warning("grading %s crashed (%s): trying once more", name, reason)
            self.state.set(name, state="queued", crashes=crashes, started=None, message="")
        else:
            log.error("grading %s failed twice; last: %s", name, reason)
            self.state.set(name, state="failed", crashes=crashes, finished=time.time(),
                           message=f"the grading failed twice ({reason}); your instructor has been told")

    # ---- the LMS -----------------------------------------------------------------------------
    async def _send(self, due):
        try:
            for row in due:
                key = (row["student"], row["assignment"], row["submission"])
                try:
                    record = await asyncio.to_thread(self.people, row["student"])
                    if record is None:
                        raise ConnectionError("the hub's record of the student cannot be read")
                    await asyncio.to_thread(self.passback.send, record.get("lti"), row["assignment"], row["score"],
                                            row["max_score"], row["comment"], row["graded_at"])
                except Skip as exc:
                    self.state.passback_done(*key, "skipped", str(exc))
                    log.info("score of %s %s not sent: %s", *key[:2], exc)
                except Exception as exc:  # the platform or the network: retried, shown to the instructor
                    pause = min(PASSBACK_MAX_PAUSE, 10.0 * 2 ** row["attempts"])
                    message = f"{type(exc).__name__}: {str(exc)[:300]}; next try in {pause:g} s"
                    self.state.passback_retry(*key, message, pause)
                    log.warning("sending the score of %s %s failed: %s", *key[:2], message)
                else:
                    self.state.passback_done(*key, "sent", f"sent {row['score']:g}/{row['max_score']:g}")
                    log.info("score of %s %s sent to the LMS", *key[:2])
        finally:
            self.sending = None
