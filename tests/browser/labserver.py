"""Start and stop a JupyterLab server for the browser tests, the way `make lab` starts it.

The server runs from a given Python environment (the project's `.venv`, or a scratch copy of it) on a
free loopback port with a known token, serves a scratch root folder, and keeps its settings,
workspaces and runtime files in a scratch folder: a test never writes into the repository or `~`.

Example:

    with LabServer(ROOT / ".venv/bin/python", root=tmp_path / "root", scratch=tmp_path / "jupyter") as lab:
        page.goto(lab.url("lab/tree/course/01_callback_anatomy.ipynb"))
"""

import json
import os
import pathlib
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import psutil

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv"
COURSE_FOLDERS = ("course", "quizzes", "solutions", "autograde", "labextension")


def free_port():
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def copy_course(dest):
    """Fill `dest` with a scratch copy of the course as `make lab` serves it; returns `dest`.

    The copy holds what students open (course/, quizzes/), what nbgrader's formgrader reads
    (solutions/, autograde/ with its nbgrader_config.py, which puts nbgrader's course folder at
    `dest/.autograde/course`) and the course's JupyterLab extension (labextension/, which
    `make lab` loads).
    """
    for name in COURSE_FOLDERS:
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return dest


def make_lab_settings(root, port):
    """The environment variables and options `make lab` starts JupyterLab with, for `root` and `port`.

    Read from the Makefile's `lab` recipe, so that the tests follow it when it changes.
    """
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^lab:.*\n((?:\t.*\n)+)", makefile, re.M)
    command = next((line for line in recipe.group(1).replace("\\\n", " ").splitlines() if "jupyter lab" in line),
                   None) if recipe else None
    if command is None:
        raise RuntimeError("the Makefile has no `lab` recipe running `jupyter lab`")
    words = shlex.split(command.replace("$(CURDIR)", str(root)).replace("$(PORT)", str(port)))
    start = next(i for i, word in enumerate(words) if word.endswith("/jupyter"))
    env = dict(word.split("=", 1) for word in words[:start] if "=" in word)
    args = [word for word in words[start + 2:] if word.startswith("--")]
    return env, args


class LabServer:
    """A JupyterLab server process (in its own process group) serving `root` on 127.0.0.1.

    Args:
        python: the interpreter of the environment to run JupyterLab from.
        root: the folder the server serves (`--ServerApp.root_dir`, like `make lab`).
        scratch: a folder for the server's config, settings, workspaces and runtime files.
        env: extra environment variables (strings) for the server and its kernels.
        args: extra command-line options for `jupyter lab`.
        startup_timeout: seconds to wait until `/lab` and the contents API answer.
    """

    def __init__(self, python, root, scratch, env=None, args=(), startup_timeout=120):
        self.python = pathlib.Path(python)
        self.root = pathlib.Path(root)
        self.scratch = pathlib.Path(scratch)
        self.extra_env = dict(env or {})
        self.args = list(args)
        self.startup_timeout = startup_timeout
        self.token = secrets.token_hex(16)
        self.port = None
        self.process = None
        self.log_path = self.scratch / "server.log"

    def url(self, path=""):
        """The address of `path` on this server, with the token in the query string."""
        separator = "&" if "?" in path else "?"
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}{separator}token={self.token}"

    def get(self, path):
        """GET `path` with the token in the Authorization header; returns (status, body text)."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/{path.lstrip('/')}",
                                         headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def federated_extensions(self):
        """Names of the prebuilt extensions the server's /lab page tells the browser to load."""
        status, html = self.get("lab")
        assert status == 200, f"/lab answered {status}"
        config = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html, re.S)
        return {extension["name"] for extension in json.loads(config.group(1))["federated_extensions"]}

    def log_tail(self, lines=40):
        """The last `lines` lines of the server's log (stdout and stderr)."""
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def environment(self):
        env = dict(os.environ)
        for name in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH", "JUPYTER_PREFER_ENV_PATH"):
            env.pop(name, None)
        env.update({
            "PATH": f"{self.python.parent}{os.pathsep}{env.get('PATH', '')}",
            "CALLBACKS_COURSE_OFFLINE": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "JUPYTER_CONFIG_DIR": str(self.scratch / "config"),
            "JUPYTER_DATA_DIR": str(self.scratch / "data"),
            "JUPYTER_RUNTIME_DIR": str(self.scratch / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(self.scratch / "lab-settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(self.scratch / "lab-workspaces"),
            "IPYTHONDIR": str(self.scratch / "ipython"),
            "MPLCONFIGDIR": str(self.scratch / "matplotlib"),
        })
        env.update(self.extra_env)
        return env

    def start(self):
        """Launch the server and wait until it answers; raises RuntimeError with its log if it does not."""
        self.scratch.mkdir(parents=True, exist_ok=True)
        # A fresh user's settings, minus the "get Jupyter news?" toast that would cover the screenshots.
        notification = self.scratch / "lab-settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
        notification.parent.mkdir(parents=True, exist_ok=True)
        notification.write_text(json.dumps({"fetchNews": "false"}))
        self.port = free_port()
        make_env, make_args = make_lab_settings(self.root, self.port)
        self.extra_env = {**make_env, **self.extra_env}
        command = [
            str(self.python), "-m", "jupyterlab", "--no-browser", *make_args,
            "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0", "--allow-root",
            f"--IdentityProvider.token={self.token}",
            "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            *self.args,
        ]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, cwd=self.root, env=self.environment(), stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with code {self.process.returncode}:\n{self.log_tail()}")
            try:
                if self.get("lab")[0] == 200 and self.get("api/contents")[0] == 200:
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer within {self.startup_timeout} s:\n{self.log_tail()}")

    def stop(self):
        """Stop the server's process group and any kernel it started (each kernel has its own group)."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            family = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            family = []
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        _, alive = psutil.wait_procs(family, timeout=10)
        for child in alive:
            child.kill()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
