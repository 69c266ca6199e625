"""The grading service's pages, behind the hub's login: each student sees where their own submissions stand.

`/services/grading/` (JupyterLab: Help > My submissions) lists the logged-in student's
submissions, newest first: queued (and how many are ahead), being graded, graded with the score
and "Fetch Feedback", waiting for the per-hour limit with the time it is graded, superseded,
failed, graded after the deadline; and, for students who came from the LMS, whether the score
reached it. The instructor (the service's own account) sees every student, the scores owed to
the LMS with their errors, rejected inbound folders and settings errors. `api/status` gives the
same as JSON. `jwks.json` (no login) publishes the tool's public keys for the LMS.

Example:

```python
app = make_app(service, prefix="/services/grading/", instructor="teacher")
app.listen(10101, "127.0.0.1")
```
"""

import html
import json
import time

from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado import web

from .service import clock

DESCRIBE = {
    "queued": "Queued",
    "waiting": "Limit reached",
    "grading": "Being graded",
    "graded": "Graded",
    "superseded": "Replaced by a newer submission",
    "failed": "Grading failed",
    "rejected": "Not a submission",
    "invalid": "Not graded",
    "off": "Graded after the deadline",
}
REFRESH_SECONDS = 5


def _status(service, sub, queued):
    """The one-line status of a submission, as the student reads it."""
    state = sub["state"]
    if state == "queued":
        ahead = sum(1 for other in queued if (other["submitted"], other["name"]) < (sub["submitted"], sub["name"]))
        return f"Queued: {ahead} submission(s) of other students ahead of it" if ahead else "Queued: next to be graded"
    if state == "grading":
        return f"Being graded since {clock(sub['started'])}"
    if state == "graded":
        note = "" if sub["booked"] else " (an earlier, better submission stays in the gradebook)"
        return f"Graded: {sub['message']}{note}. Press Fetch Feedback in the Assignments tab to read the feedback."
    return f"{DESCRIBE.get(state, state)}: {sub['message']}" if sub["message"] else DESCRIBE.get(state, state)


def report(service, student=None):
    """The status data shown to `student` (every student's, for None), as plain JSON types."""
    settings = service.settings.current()
    queued = service.state.with_state("queued")
    subs = [s for s in service.state.mine(student) if student is None or s["state"] != "rejected"]
    policies = {}
    for assignment in service.course.assignments():
        policy = settings.policy(assignment)
        policies[assignment] = {"grade_on_submit": policy.grade_on_submit and not service.exam,
                                "per_hour": policy.per_hour, "counts": policy.counts}
    rows = [{"name": s["name"], "student": s["student"], "assignment": s["assignment"],
             "submitted": s["submitted"], "state": s["state"], "status": _status(service, s, queued),
             "score": s["score"], "max_score": s["max_score"], "not_before": s["not_before"],
             "seen": s["seen"], "started": s["started"], "finished": s["finished"], "timings": s["timings"]}
            for s in subs]
    data = {"now": time.time(), "assignments": policies, "submissions": rows,
            "lms": service.state.passbacks(student) if service.passback else []}
    if student is None:
        data["settings_error"] = service.settings.error
    return data


def _cell(text):
    return f"<td>{html.escape(str(text))}</td>"


def render(data, user, instructor):
    """The status page (HTML) of `data` (`report`)."""
    title = "Every student's submissions" if instructor else "Your submissions"
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
             f"<meta http-equiv='refresh' content='{REFRESH_SECONDS}'><title>{title}: grading on submit</title>"
             "<style>body{font-family:sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse}"
             "th,td{border:1px solid #767676;padding:.4rem .6rem;text-align:left;vertical-align:top}"
             "caption{text-align:left;font-weight:bold;margin:.5rem 0}</style></head><body>",
             f"<h1>{title}</h1><p>Signed in as <strong>{html.escape(user)}</strong>. "
             f"This page updates every {REFRESH_SECONDS} seconds.</p>"]
    if data.get("settings_error"):
        parts.append(f"<p role='alert'><strong>Settings error:</strong> {html.escape(data['settings_error'])}</p>")
    parts.append("<h2>Assignments</h2><ul>")
    for assignment, policy in data["assignments"].items():
        if policy["grade_on_submit"]:
            text = (f"graded when you submit, at most {policy['per_hour']} graded submissions per hour; "
                    f"your {policy['counts']} graded submission counts")
        else:
            text = "graded by your instructor after the deadline"
        parts.append(f"<li><strong>{html.escape(assignment)}</strong>: {html.escape(text)}</li>")
    parts.append("</ul><table><caption>Submissions, newest first</caption><thead><tr>")
    columns = (["Student"] if instructor else []) + ["Assignment", "Submitted", "Status"]
    parts.append("".join(f"<th scope='col'>{c}</th>" for c in columns) + "</tr></thead><tbody>")
    for row in data["submissions"]:
        cells = ([_cell(row["student"])] if instructor else []) + [
            _cell(row["assignment"]), _cell(clock(row["submitted"])), _cell(row["status"])]
        parts.append(f"<tr data-state='{row['state']}'>{''.join(cells)}</tr>")
    if not data["submissions"]:
        parts.append(f"<tr><td colspan='{len(columns)}'>No submissions yet: submit in the Assignments tab "
                     "(Nbgrader &gt; Assignment List).</td></tr>")
    parts.append("</tbody></table>")
    if data["lms"]:
        parts.append("<table><caption>Scores sent to the LMS</caption><thead><tr>"
                     + ("<th scope='col'>Student</th>" if instructor else "")
                     + "<th scope='col'>Assignment</th><th scope='col'>Score</th><th scope='col'>State</th>"
                       "</tr></thead><tbody>")
        for row in data["lms"]:
            cells = ([_cell(row["student"])] if instructor else []) + [
                _cell(row["assignment"]), _cell(f"{row['score']:g} / {row['max_score']:g}"),
                _cell(f"{row['state']}: {row['message']}" if row["message"] else row["state"])]
            parts.append(f"<tr data-state='{row['state']}'>{''.join(cells)}</tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "".join(parts)


class _Page(HubOAuthenticated, web.RequestHandler):
    def initialize(self, service, instructor):
        self.service, self.instructor = service, instructor

    def _data(self):
        user = self.get_current_user()["name"]
        is_instructor = user == self.instructor
        return user, is_instructor, report(self.service, None if is_instructor else user)


class StatusPage(_Page):
    @web.authenticated
    def get(self):
        user, is_instructor, data = self._data()
        self.set_header("Cache-Control", "no-store")
        self.write(render(data, user, is_instructor))


class StatusAPI(_Page):
    @web.authenticated
    def get(self):
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.write(json.dumps(self._data()[2]))


class KeySet(web.RequestHandler):
    def initialize(self, service):
        self.service = service

    def get(self):
        if not self.service.passback:
            raise web.HTTPError(404, "this class does not use LTI")
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps(self.service.passback.jwks()))


def make_app(service, prefix, instructor, cookie_secret):
    """The tornado application of the service's pages under `prefix` (e.g. `/services/grading/`)."""
    args = {"service": service, "instructor": instructor}
    return web.Application([
        (prefix, StatusPage, args),
        (url_path_join(prefix, "api/status"), StatusAPI, args),
        (url_path_join(prefix, "jwks.json"), KeySet, {"service": service}),
        (url_path_join(prefix, "oauth_callback"), HubOAuthCallbackHandler),
    ], cookie_secret=cookie_secret)
