"""A course on the LTI platform of the tests (tests/hub/lti_platform.py): its users, links, and a running platform.

`RunningPlatform` runs the platform on a free port for a hub at `hub_url` (its gradebook and
roster in `folder`); `launch` is an LMS user following a link, as a browser does (the form the
platform renders is posted by a script in a browser; here by requests).

Example:

```python
platform = RunningPlatform(folder, "http://127.0.0.1:8000")
platform.start()
session, response, fields = launch(platform, "lms-ann", "quiz")
```
"""

import json
import re
import signal
import subprocess
import sys

import requests

from hubclass import HUB_DIR, ROOT, free_port

QUIZ = "callbacks_quiz"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
USERS = {
    "lms-ann": {"name": "Ann Lee", "given_name": "Ann", "family_name": "Lee", "email": "ann@example.edu",
                "roles": [LEARNER]},
    "lms-ben": {"name": "Ben Okafor", "given_name": "Ben", "family_name": "Okafor", "email": "ben@example.edu",
                "roles": [LEARNER]},
    "lms-teach": {"name": "Dr Ito", "email": "ito@example.edu", "roles": [INSTRUCTOR]},
}


class RunningPlatform:
    """tests/hub/lti_platform.py on a free port, in `folder` (its config, gradebook and roster files)."""

    def __init__(self, folder, hub_url):
        self.folder, self.port = folder, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.config = {
            "issuer": self.base, "client_id": "callbacks-hub", "deployment_id": "deployment-1",
            "tool": {"oidc_login_url": f"{hub_url}/hub/lti13/oauth_login",
                     "redirect_uri": f"{hub_url}/hub/lti13/oauth_callback",
                     "target_link_uri": f"{hub_url}/hub/user-redirect/lab",
                     "key_set_url": f"{hub_url}/services/grading/jwks.json"},
            "users": USERS,
            "links": {"quiz": {"title": "Callbacks quiz", "target_link_uri": f"{hub_url}/hub/user-redirect/lab",
                               "assignment": QUIZ, "score_maximum": 20},
                      "home": {"title": "The course on JupyterHub",
                               "target_link_uri": f"{hub_url}/hub/user-redirect/lab"}},
            "gradebook": str(folder / "gradebook.json"), "roster": str(folder / "roster.json"),
        }
        (folder / "platform.json").write_text(json.dumps(self.config))
        self.process = None

    def registration(self):
        """`classroom.lti`'s arguments for this platform."""
        return {"issuer": self.base, "client_id": self.config["client_id"],
                "deployment_ids": [self.config["deployment_id"]], "authorize_url": f"{self.base}/auth",
                "jwks_url": f"{self.base}/jwks", "token_url": f"{self.base}/token"}

    def start(self):
        self.process = subprocess.Popen([sys.executable, str(HUB_DIR.parents[1] / "tests" / "hub" / "lti_platform.py"),
                                         str(self.folder / "platform.json")], stdout=subprocess.PIPE,
                                        stderr=open(self.folder / "platform.log", "a"), cwd=ROOT)
        assert self.process.stdout.readline().strip() == b"platform ready"

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(30)

    def gradebook(self):
        path = self.folder / "gradebook.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def set_status(self, user, status):
        path = self.folder / "roster.json"
        roster = json.loads(path.read_text()) if path.exists() else {}
        path.write_text(json.dumps(dict(roster, **{user: status})))


def launch(platform, user, link):
    """An LMS user follows `link`: OIDC login, authorization, the id token posted to the hub; (session, response)."""
    session = requests.Session()
    form = session.get(f"{platform.base}/launch/{link}", params={"user": user}, timeout=60)
    assert form.status_code == 200, form.text[:2000]
    fields = dict(re.findall(r'name="(id_token|state)" value="([^"]*)"', form.text))
    action = re.search(r'action="([^"]+)"', form.text).group(1)
    return session, session.post(action, data=fields, allow_redirects=False, timeout=120), fields
