"""Scores back to the LMS through LTI 1.3 Assignment and Grade Services (AGS), with PyLTI1p3 as the tool side.

The hub keeps, in each user's auth state (deploy/hub/lti.py), the LMS user id (`sub`), the
course context, the Names and Role service's URL and, per assignment launched, the line item
and the AGS scopes the platform granted. `Passback.send` posts one `Score` (scoreGiven,
scoreMaximum, activityProgress `Completed`, gradingProgress `FullyGraded`, timestamp, a short
comment) to that line item, after asking the platform's Names and Role service whether the
student is still an active member of the course: a student who left is not sent a score.
PyLTI1p3 signs the client-credentials assertion with the tool's private key and gets the access
token; nothing here writes a JWT or an OAuth request.

Example:

```python
passback = Passback.from_files("/opt/callbacks-course-hub/etc/lti.json", "~/.lti/tool-key.pem")
passback.send(lti_state, "callbacks_quiz", 18.0, 20.0, "18/20, graded on submission", time.time())
```
"""

import datetime
import json
import pathlib

import requests
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.grade import Grade
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.service_connector import ServiceConnector
from pylti1p3.tool_config import ToolConfDict

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
TIMEOUT = 20  # seconds for one request to the platform
ACTIVE = "Active"


class Skip(Exception):
    """This score is not to be sent (the student left the course, or never launched the assignment)."""


class _Session(requests.Session):
    """requests' Session with a timeout on every request (PyLTI1p3 sets none)."""

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT)
        return super().request(*args, **kwargs)


def tool_config(settings, private_key, public_key):
    """PyLTI1p3's `ToolConfDict` of this tool's one registration with the platform.

    Args:
        settings: {"issuer", "client_id", "auth_login_url", "auth_token_url", "key_set_url",
            "deployment_ids"} (deploy/hub's `etc/lti.json`).
        private_key, public_key: the tool's RSA key pair, PEM.
    """
    conf = ToolConfDict({settings["issuer"]: [{
        "default": True, "client_id": settings["client_id"], "auth_login_url": settings["auth_login_url"],
        "auth_token_url": settings["auth_token_url"], "auth_audience": settings.get("auth_audience"),
        "key_set_url": settings["key_set_url"], "deployment_ids": list(settings["deployment_ids"])}]})
    conf.set_private_key(settings["issuer"], private_key, client_id=settings["client_id"])
    conf.set_public_key(settings["issuer"], public_key, client_id=settings["client_id"])
    return conf


class Passback:
    """Sends scores for one LTI registration (issuer, client id) of the hub.

    Args:
        settings: the registration (see `tool_config`).
        private_key, public_key: the tool's key pair, PEM.
    """

    def __init__(self, settings, private_key, public_key):
        self.settings = settings
        self.conf = tool_config(settings, private_key, public_key)
        self.registration = self.conf.find_registration_by_params(settings["issuer"], settings["client_id"])

    @classmethod
    def from_files(cls, settings_path, private_key_path):
        """From deploy/hub's `etc/lti.json` and the tool's private key file (its public key beside it, `.pub`)."""
        private_key_path = pathlib.Path(private_key_path)
        return cls(json.loads(pathlib.Path(settings_path).read_text()), private_key_path.read_text(),
                   private_key_path.with_suffix(".pub").read_text())

    def jwks(self):
        """The tool's public keys (JWKS) for the platform to check the tool's signed requests."""
        return self.conf.get_jwks()

    def _connector(self):
        return ServiceConnector(self.registration, requests_session=_Session())

    def member_status(self, connector, lti):
        """The student's status in the course per the platform's Names and Role service; None without one."""
        url = lti.get("nrps_url")
        if not url:
            return None
        service = NamesRolesProvisioningService(connector, {"context_memberships_url": url})
        for member in service.get_members():
            if member.get("user_id") == lti["sub"]:
                return member.get("status") or ACTIVE
        return "not a member"

    def send(self, lti, assignment, score, max_score, comment, graded_at):
        """Post the score of `assignment` for the user whose LTI state is `lti`; the platform's reply body.

        Args:
            lti: the user's "lti" auth state (deploy/hub/lti.py): `sub`, `issuer`, `nrps_url` and
                `launches` {assignment: {"lineitem", "lineitems", "scope", "resource_link"}}.
            assignment: the assignment id.
            score, max_score: points given and possible.
            comment: shown to the student in the LMS.
            graded_at: when it was graded (seconds since the epoch).

        Raises:
            Skip: not to be sent (no launch of this assignment, another platform, not in the course).
            pylti1p3.exception.LtiException, requests.RequestException: sending failed (retry later).
        """
        launch = (lti or {}).get("launches", {}).get(assignment)
        if not launch or not launch.get("lineitem"):
            raise Skip(f"no LTI launch of {assignment} with a grade column: nothing to send")
        if lti.get("issuer") != self.settings["issuer"]:
            raise Skip(f"launched from {lti.get('issuer')}, not from {self.settings['issuer']}")
        if SCORE_SCOPE not in launch.get("scope", []):
            raise Skip("the LMS did not grant the tool the score scope for this assignment")
        connector = self._connector()
        status = self.member_status(connector, lti)
        if status not in (None, ACTIVE):
            raise Skip(f"the student is no longer in the course ({status})")
        stamp = datetime.datetime.fromtimestamp(graded_at, datetime.timezone.utc).isoformat(timespec="milliseconds")
        grade = (Grade().set_score_given(score).set_score_maximum(max_score).set_timestamp(stamp)
                 .set_activity_progress("Completed").set_grading_progress("FullyGraded")
                 .set_user_id(lti["sub"]).set_comment(comment))
        service = AssignmentsGradesService(connector, {"scope": launch["scope"], "lineitem": launch["lineitem"],
                                                       "lineitems": launch.get("lineitems") or ""})
        return service.put_grade(grade)["body"]
