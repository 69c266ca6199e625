"""A real class on a real JupyterHub for the hub tests: accounts, the hub and its proxy, its REST API.

`HubClass` sets a class up with deploy/hub/classroom.py (an instructor and students with random
names and passwords, a scratch class folder), runs `classroom.py serve` on free loopback ports with
a service token (the hub starts the grading service too), and on exit stops the hub and removes
the accounts and folders again. With `lti`, the class is registered with an LTI platform first.

Example:

    with HubClass(students=3) as hub:
        hub.start_server(hub.instructor)
        hub.post(f"user/{hub.instructor}/formgrader/api/assignment/callbacks_quiz/release")
"""

import importlib.util
import json
import os
import pathlib
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
HUB_DIR = ROOT / "deploy" / "hub"
PREFIX = pathlib.Path(os.environ.get("HUB_PREFIX", "/opt/callbacks-course-hub"))
# The engine's cross-checks run `grade` as the instructor, who is not root: with cgroup v1 (this
# machine) only root can contain an item, so `grade` refuses unless told to go on (README,
# "Containment"); the scores compared do not depend on it.
UNCONTAINED = ("--allow-uncontained",)  # and AUTOGRADE_ALLOW_UNCONTAINED=1 for the hub's formgrader and service


def missing_hub():
    """Why a hub cannot run here, or None when it can."""
    if os.geteuid() != 0:
        return "it creates Unix accounts: run as root"
    for path in (PREFIX / "venv" / ".installed", PREFIX / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"):
        if not path.exists():
            return f"{path} is missing (make hub-setup)"
    return None


def require_hub():
    """Skip the calling test when the hub cannot run (with the reason); fail instead if REQUIRE_HUB=1."""
    import pytest

    reason = missing_hub()
    if reason is None:
        return
    if os.environ.get("REQUIRE_HUB") == "1":
        pytest.fail(f"hub tests are required (REQUIRE_HUB=1) but cannot run: {reason}")
    pytest.skip(f"hub tests skipped: {reason}")


MANUAL = {"default": {"grade_on_submit": False}}  # the grading service's settings: nothing graded on submit
LIVE = {"default": {"grade_on_submit": True, "per_hour": 100, "counts": "last"}}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _classroom(class_root):
    """deploy/hub/classroom.py imported with HUB_CLASS_ROOT = class_root (a fresh module)."""
    os.environ["HUB_CLASS_ROOT"] = str(class_root)
    spec = importlib.util.spec_from_file_location(f"classroom_{class_root.name}", HUB_DIR / "classroom.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class HubClass:
    """An instructor, `students` students and a JupyterHub serving them on 127.0.0.1.

    Args:
        students: how many student accounts to create.
        startup_timeout: seconds to wait for the hub's API.
        port: the hub's public port (default: a free one).
        lti: keyword arguments of `classroom.lti` (the platform's registration), or None.
        settings: the grading service's settings (`grading-on-submit.json`); by default grading on
            submit is off (the instructor's manual flow: collect, autograde, release feedback).
    """

    def __init__(self, students=3, startup_timeout=120, port=None, lti=None, settings=MANUAL):
        tag = secrets.token_hex(3)
        self.instructor = f"cbt{tag}i"
        self.students = [f"cbt{tag}s{n}" for n in range(1, students + 1)]
        self.passwords = {name: secrets.token_urlsafe(12) for name in [self.instructor, *self.students]}
        self.token = secrets.token_hex(32)
        self.startup_timeout = startup_timeout
        self.port = port or free_port()
        self.lti, self.settings = lti, settings
        self.process = None

    # ---- lifecycle --------------------------------------------------------------------------
    def __enter__(self):
        self.class_root = pathlib.Path(tempfile.mkdtemp(prefix="callbacks-hub-", dir="/tmp"))
        os.chmod(self.class_root, 0o755)
        self.classroom = _classroom(self.class_root)
        try:
            self.klass = self.classroom.setup(self.instructor, self.students, self.passwords)
            self.write_settings(self.settings)
            if self.lti is not None:
                self.classroom.lti(hub_url=self.url("").rstrip("/"), **self.lti)
            env = dict(os.environ, HUB_CLASS_ROOT=str(self.class_root), HUB_PORT=str(self.port),
                       HUB_API_PORT=str(free_port()), HUB_PROXY_API_PORT=str(free_port()),
                       HUB_GRADING_PORT=str(free_port()), HUB_SERVICE_TOKEN=self.token, CALLBACKS_COURSE_OFFLINE="1",
                       AUTOGRADE_ALLOW_UNCONTAINED="1")
            self.log_path = self.class_root / "hub.log"
            with open(self.log_path, "w") as log:
                self.process = subprocess.Popen(
                    [str(self.classroom.VENV / "bin" / "python"), str(HUB_DIR / "classroom.py"), "serve"],
                    env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            self._wait(lambda: self.get("hub/api/") is not None, self.startup_timeout, "the hub's API")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the hub stops the proxy and the servers it spawned
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if (self.class_root / "etc" / "class.json").exists():
            self.classroom.teardown()
        shutil.rmtree(self.class_root, ignore_errors=True)

    def _wait(self, ready, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the hub exited while waiting for {what}:\n{self.log_path.read_text()[-3000:]}")
            if ready():
                return
            time.sleep(0.5)
        raise TimeoutError(f"{what} not ready after {timeout} s:\n{self.log_path.read_text()[-3000:]}")

    # ---- REST -------------------------------------------------------------------------------
    def url(self, path):
        return f"http://127.0.0.1:{self.port}/{path}"

    def request(self, method, path, data=None, form=None, timeout=600):
        """(status, decoded JSON or text) of an API call with the service token."""
        headers = {"Authorization": f"token {self.token}"}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif data is not None:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.url(path), data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode(errors="replace")
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def get(self, path):
        try:
            status, body = self.request("GET", path, timeout=10)
        except OSError:
            return None
        return body if status == 200 else None

    def post(self, path, **kwargs):
        status, body = self.request("POST", path, **kwargs)
        if status >= 300:
            raise RuntimeError(f"POST {path}: HTTP {status}: {str(body)[:2000]}")
        return body

    def start_server(self, user, timeout=180):
        """Start `user`'s server through the hub's REST API; wait until it is ready."""
        self.start_servers([user], timeout)

    def start_servers(self, users, timeout=180):
        """Start the servers of `users` through the hub's REST API, all at once; wait until each is ready."""
        for user in users:
            status, body = self.request("POST", f"hub/api/users/{user}/server")
            if status not in (201, 202, 400):  # 400: already running
                raise RuntimeError(f"could not start {user}'s server: HTTP {status}: {body}")
        for user in users:
            self._wait(lambda u=user: (self.get(f"hub/api/users/{u}") or {}).get("servers", {}).get("", {}).get("ready"),
                       timeout, f"{user}'s server")

    def run_as(self, user, *command, check=True, cwd=None, timeout=600):
        """A command as `user` in their server's environment (deploy/hub/classroom.py run), from `cwd` or home."""
        # the servers of this hub grade uncontained (AUTOGRADE_ALLOW_UNCONTAINED=1, above): so does `nbgrader autograde` here
        command = ["env", "AUTOGRADE_ALLOW_UNCONTAINED=1", *command]
        done = self.classroom.run_as(user, command, self.klass, capture_output=True, text=True, timeout=timeout,
                                     **({"cwd": cwd} if cwd else {}))
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} as {user} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def home(self, user):
        import pwd

        return pathlib.Path(pwd.getpwnam(user).pw_dir)

    @property
    def course(self):
        """The instructor's course folder."""
        return self.home(self.instructor) / "callbacks-course"

    def write_settings(self, settings):
        """Replace the grading service's settings file (read again by the service when it changes)."""
        import pwd

        path = self.course / "grading-on-submit.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(settings))
        entry = pwd.getpwnam(self.instructor)
        os.chown(tmp, entry.pw_uid, entry.pw_gid)
        tmp.replace(path)

    def user_token(self, user):
        """An API token of `user` that opens the grading service's pages (as that user)."""
        status, body = self.request("POST", f"hub/api/users/{user}/tokens",
                                    data={"scopes": ["access:services!service=grading"], "note": "hub tests"})
        if status != 201:
            raise RuntimeError(f"no token for {user}: HTTP {status}: {body}")
        return body["token"]

    def grading_page(self, token, path=""):
        """The text of the grading service's page `path` as the token's user sees it."""
        req = urllib.request.Request(self.url(f"services/grading/{path}"), headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.read().decode()

    def grading_status(self, token):
        """The grading service's status of the token's user (its `api/status`)."""
        return json.loads(self.grading_page(token, "api/status"))
