"""JupyterHub for a class on one machine (see README.md): `python deploy/hub/classroom.py serve` loads it.

Real Unix accounts log in with their passwords (PAM); each gets a JupyterLab server of their own,
started as that user by LocalProcessSpawner from the hub's world-readable Python. The instructor's
server has the course and the formgrader; students' servers the Assignments tab. nbgrader's
exchange is the shared folder `classroom.EXCHANGE`. Ports: HUB_PORT (public, default 8000),
HUB_API_PORT (8081) and HUB_PROXY_API_PORT (8001), all on HUB_IP (default 127.0.0.1).
HUB_SERVICE_TOKEN, when set, registers a `class-admin` service with that API token (tests, scripts).
"""

import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import classroom  # noqa: E402

c = get_config()  # noqa: F821
klass = classroom.load_class()
ip = os.environ.get("HUB_IP", "127.0.0.1")

c.JupyterHub.ip = ip
c.JupyterHub.port = int(os.environ.get("HUB_PORT", "8000"))
c.JupyterHub.hub_ip = ip
c.JupyterHub.hub_port = int(os.environ.get("HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://{ip}:{os.environ.get('HUB_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.command = [str(classroom.PROXY)]

c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = {klass["instructor"], *klass["students"]}
c.Authenticator.admin_users = {klass["instructor"]}

c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [str(classroom.VENV / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 120
c.Spawner.env_keep = ["LANG", "LC_ALL", "CALLBACKS_COURSE_OFFLINE"]


def _environment(spawner):
    """Each server gets its role's Jupyter configuration (formgrader or Assignments tab) and quiet TF logs."""
    spawner.environment.update(classroom.user_environment(spawner.user.name, klass))


c.Spawner.pre_spawn_hook = _environment

token = os.environ.get("HUB_SERVICE_TOKEN")
if token:
    c.JupyterHub.services = [{"name": "class-admin", "api_token": token}]
    c.JupyterHub.load_roles = [{
        "name": "class-admin",
        "scopes": ["admin:users", "admin:servers", "access:servers", "list:users", "read:users"],
        "services": ["class-admin"],
    }]
