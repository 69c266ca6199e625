"""JupyterHub for a class on one machine (see README.md): `python deploy/hub/classroom.py serve` loads it.

Real Unix accounts log in with their passwords (PAM); each gets a JupyterLab server of their own,
started as that user by LocalProcessSpawner from the hub's world-readable Python. The instructor's
server has the course and the formgrader; students' servers the Assignments tab. nbgrader's
exchange is the shared folder `classroom.EXCHANGE`. Ports: HUB_PORT (public, default 8000),
HUB_API_PORT (8081), HUB_PROXY_API_PORT (8001) and HUB_GRADING_PORT (the grading service, 10101),
all on HUB_IP (default 127.0.0.1). HUB_SERVICE_TOKEN, when set, registers a `class-admin` service
with that API token (tests, scripts).

The `grading` service (autograde/live/) runs as the instructor from the instructor's course
folder: it grades each submission when it arrives and releases its feedback; its page
`/services/grading/` shows each student their submissions (JupyterLab: Help > My submissions).
When the class is registered with an LMS (`classroom.py lti`), users log in from the LMS with
LTI 1.3 (deploy/hub/lti.py) instead of with passwords, and the service sends scores back.
"""

import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import classroom  # noqa: E402

c = get_config()  # noqa: F821
klass = classroom.load_class()
registration = classroom.load_lti()
ip = os.environ.get("HUB_IP", "127.0.0.1")

c.JupyterHub.ip = ip
c.JupyterHub.port = int(os.environ.get("HUB_PORT", "8000"))
c.JupyterHub.hub_ip = ip
c.JupyterHub.hub_port = int(os.environ.get("HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://{ip}:{os.environ.get('HUB_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.command = [str(classroom.PROXY)]

c.Authenticator.admin_users = {klass["instructor"]}
if registration is None:
    c.JupyterHub.authenticator_class = "pam"
    c.Authenticator.allowed_users = {klass["instructor"], *klass["students"]}
else:
    import lti  # noqa: E402

    c.JupyterHub.authenticator_class = lti.CourseLTIAuthenticator
    c.CourseLTIAuthenticator.issuer = registration["issuer"]
    c.CourseLTIAuthenticator.client_id = {registration["client_id"]}
    c.CourseLTIAuthenticator.deployment_ids = set(registration["deployment_ids"])
    c.CourseLTIAuthenticator.authorize_url = registration["auth_login_url"]
    c.CourseLTIAuthenticator.jwks_endpoint = registration["key_set_url"]
    c.CourseLTIAuthenticator.instructor = klass["instructor"]
    c.CourseLTIAuthenticator.accounts_file = str(classroom.LTI_ACCOUNTS)
    c.CourseLTIAuthenticator.create_account = classroom.student_account
    c.Authenticator.allow_all = True  # whoever the LMS launches (its deployment checked by the authenticator)
    c.Authenticator.enable_auth_state = True  # the launch data grade passback needs (JUPYTERHUB_CRYPT_KEY)

c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [str(classroom.VENV / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 120
# AUTOGRADE_ALLOW_UNCONTAINED=1: the formgrader and the grading service grade without cgroups (see
# callbacks_course/sandbox/README.md, "Containment"); without it they refuse where an item cannot be contained.
c.Spawner.env_keep = ["LANG", "LC_ALL", "CALLBACKS_COURSE_OFFLINE", "AUTOGRADE_ALLOW_UNCONTAINED"]


def _environment(spawner):
    """Each server gets its role's Jupyter configuration (formgrader or Assignments tab) and quiet TF logs."""
    spawner.environment.update(classroom.user_environment(spawner.user.name, klass))


c.Spawner.pre_spawn_hook = _environment

grading = [str(classroom.VENV / "bin" / "python"), "-m", "autograde.live", "serve",
           "--exchange", str(classroom.EXCHANGE), "--course-id", classroom.COURSE_ID]
if registration is not None:
    grading += ["--lti", str(classroom.LTI_FILE), "--lti-key", str(classroom.LTI_KEY)]
grading_env = {"PATH": f"{classroom.VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3",
               "HOME": str(pathlib.Path(klass["course"]).parent), "PYTHONWARNINGS": "ignore::DeprecationWarning"}
grading_env.update({k: os.environ[k] for k in ("LANG", "LC_ALL", "AUTOGRADE_ALLOW_UNCONTAINED") if k in os.environ})
c.JupyterHub.services = [{
    "name": "grading",
    "display": True,
    "oauth_no_confirm": True,
    "url": f"http://127.0.0.1:{os.environ.get('HUB_GRADING_PORT', '10101')}",
    "command": grading,
    "user": klass["instructor"],
    "cwd": klass["course"],
    "environment": grading_env,
}]
c.JupyterHub.load_roles = [
    # every user may open the grading service's page (which shows them their own submissions only)
    {"name": "user", "scopes": ["self", "access:services!service=grading"]},
    # the service reads who a user is in the LMS (the auth state kept at the LTI launch)
    {"name": "grading", "scopes": ["read:users", "admin:auth_state"], "services": ["grading"]},
]

token = os.environ.get("HUB_SERVICE_TOKEN")
if token:
    c.JupyterHub.services.append({"name": "class-admin", "api_token": token})
    c.JupyterHub.load_roles.append({
        "name": "class-admin",
        "scopes": ["admin:users", "admin:servers", "access:servers", "list:users", "read:users", "tokens",
                   "admin:auth_state"],
        "services": ["class-admin"],
    })
