"""A class on this machine's JupyterHub: accounts, nbgrader's exchange, the instructor's course (run as root).

`make hub-setup` builds a world-readable Python for every user's server (`$HUB_PREFIX/venv`,
default /opt/callbacks-course-hub) and the proxy; a class's files live in `$HUB_CLASS_ROOT`
(default the prefix); then:

    python deploy/hub/classroom.py setup --instructor teacher --students ann,ben --passwords pw.txt
    python deploy/hub/classroom.py lti --issuer https://canvas.instructure.com --client-id ... # optional: LTI 1.3
    python deploy/hub/classroom.py serve          # JupyterHub on http://127.0.0.1:8000 (HUB_PORT), grading service
    python deploy/hub/classroom.py run ann -- nbgrader list   # a command as a user, in their server's environment
    python deploy/hub/classroom.py teardown       # remove the class's accounts and exchange folder

`setup` creates the Unix accounts (homes readable by their owner only), the shared exchange
(`$HUB_PREFIX/exchange`, mode 1777 as nbgrader requires), a copy of the course in the instructor's
home (`~/callbacks-course`, nbgrader's course folder in its `.autograde/course`, registered for the
formgrader), the grading service's settings (`~/callbacks-course/grading-on-submit.json`) and the
two Jupyter configuration folders the hub gives each server: students get the Assignments tab
only, the instructor the formgrader and the course.

`lti` registers the class with an LMS (LTI 1.3): the platform's issuer, client id, deployment
and endpoints go to `$HUB_CLASS_ROOT/etc/lti.json`, the tool's key pair is made (its private key
readable by the instructor only, for the grading service's score passback), and the URLs to paste
into the LMS are printed. `serve` then logs users in from the LMS instead of with passwords.
"""

import argparse
import json
import os
import pathlib
import pwd
import secrets
import shutil
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]
PREFIX = pathlib.Path(os.environ.get("HUB_PREFIX", "/opt/callbacks-course-hub"))
VENV = PREFIX / "venv"
PROXY = PREFIX / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
# a class's own files (exchange, configuration, hub state): HUB_CLASS_ROOT, default the prefix
CLASS_ROOT = pathlib.Path(os.environ.get("HUB_CLASS_ROOT", PREFIX))
EXCHANGE = CLASS_ROOT / "exchange"
ETC = CLASS_ROOT / "etc"
CLASS_FILE = ETC / "class.json"
LTI_FILE = ETC / "lti.json"
LTI_ACCOUNTS = ETC / "lti-accounts.json"
LTI_KEY = ETC / "lti-tool-key.pem"  # the tool's private key: the instructor's (the grading service signs with it)
SETTINGS_FILE = "grading-on-submit.json"  # in the instructor's course folder (autograde/live/settings.py)
COURSE_ID = "keras-callbacks"
COURSE_COPY = "callbacks-course"
COURSE_FOLDERS = ("course", "quizzes", "solutions", "autograde")


def load_class():
    """{"instructor": name, "students": [names], "course": path} written by `setup`."""
    if not CLASS_FILE.is_file():
        raise SystemExit(f"no class set up: run `python {__file__} setup ...` first ({CLASS_FILE} is missing)")
    return json.loads(CLASS_FILE.read_text())


def role_folder(user, klass):
    """The Jupyter configuration folder of `user`'s server: instructor or student."""
    return ETC / ("jupyter-instructor" if user == klass["instructor"] else "jupyter-student")


def user_environment(user, klass=None):
    """Environment variables of `user`'s single-user server (and of `run`): the hub's Python, quiet TF.

    Args:
        user: the account name.
        klass: the class (default: `load_class()`).
    """
    klass = klass or load_class()
    environment = {
        "PATH": f"{VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "JUPYTER_CONFIG_PATH": str(role_folder(user, klass)),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
    }
    if os.environ.get("AUTOGRADE_ALLOW_UNCONTAINED"):  # as the hub passes it on to the servers (env_keep)
        environment["AUTOGRADE_ALLOW_UNCONTAINED"] = os.environ["AUTOGRADE_ALLOW_UNCONTAINED"]
    if user != klass["instructor"]:
        environment.update(variant_environment(user, klass))
    return environment


def variant_environment(user, klass):
    """The quiz variant of a student's server: their token (never the course secret), when variants are on.

    The secret is in the instructor's course (`python -m autograde variants on`:
    `.autograde/variants.json`); the hub, as root, derives each student's token from it.
    """
    path = pathlib.Path(klass["course"]) / ".autograde" / "variants.json"
    if not path.is_file():
        return {}
    from callbacks_course.quiz_variant import QUESTION_ORDER_VARIABLE, TOKEN_VARIABLE, student_token

    settings = json.loads(path.read_text())
    environment = {TOKEN_VARIABLE: student_token(bytes.fromhex(settings["secret"]), user)}
    if settings.get("question_order"):
        environment[QUESTION_ORDER_VARIABLE] = "1"
    return environment


def student_account(name):
    """Create the Unix account of an LMS student (deploy/hub/lti.py), home readable by them only."""
    _account(name)


def _account(name, password=None):
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--user-group", "--shell", "/bin/bash", name], check=True)
    os.chmod(pwd.getpwnam(name).pw_dir, 0o700)
    if password:
        subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)


def _chown_tree(path, name):
    entry = pwd.getpwnam(name)
    for folder, dirs, files in os.walk(path):
        for item in [folder] + [os.path.join(folder, f) for f in dirs + files]:
            os.lchown(item, entry.pw_uid, entry.pw_gid)


def _write_role_folders(course):
    """$CLASS_ROOT/etc/jupyter-{student,instructor}: deploy/hub's files and the role's nbgrader_config.py."""
    exchange = f"c.Exchange.root = {str(EXCHANGE)!r}\n"
    nbgrader = {
        "jupyter-student": f"c.CourseDirectory.course_id = {COURSE_ID!r}\n" + exchange
                           # the quiz arrives in the student's own variant (when the hub gives a token)
                           + "import os, sys\nsys.path.insert(0, os.path.dirname(__file__))  # variant_fetch.py\n"
                           + 'c.ExchangeFactory.fetch_assignment = "variant_fetch.VariantFetch"\n',
        "jupyter-instructor": f"load_subconfig({str(course / 'autograde' / 'nbgrader_config.py')!r})  # noqa: F821\n"
                              + exchange
                              # the formgrader's Collect: only a student's own folder, only regular files
                              + 'c.ExchangeFactory.collect = "autograde.live.collect.OwnFilesCollect"\n',
    }
    for role, config in nbgrader.items():
        shutil.rmtree(ETC / role, ignore_errors=True)
        shutil.copytree(HERE / role, ETC / role)
        (ETC / role / "nbgrader_config.py").write_text("c = get_config()  # noqa: F821\n" + config)


def run_as(user, command, klass=None, **kwargs):
    """Run `command` as `user` in their server's environment, from their home; the CompletedProcess."""
    entry = pwd.getpwnam(user)
    env = dict(user_environment(user, klass), HOME=entry.pw_dir, USER=user, LOGNAME=user)
    return subprocess.run(["runuser", "-u", user, "--", "env", "-i", *(f"{k}={v}" for k, v in env.items()),
                           *command], cwd=kwargs.pop("cwd", entry.pw_dir), **kwargs)


def setup(instructor, students, passwords=None):
    """Create the class: accounts, exchange, role configurations, the instructor's course copy.

    Args:
        instructor: the instructor's account name (created if missing).
        students: the students' account names (created if missing).
        passwords: {name: password} to set (for the hub's PAM login); None leaves passwords alone.
    """
    passwords = passwords or {}
    for name in [instructor, *students]:
        _account(name, passwords.get(name))
    EXCHANGE.mkdir(parents=True, exist_ok=True)
    os.chmod(EXCHANGE, 0o1777)
    ETC.mkdir(parents=True, exist_ok=True)
    course = pathlib.Path(pwd.getpwnam(instructor).pw_dir) / COURSE_COPY
    for folder in COURSE_FOLDERS:
        shutil.rmtree(course / folder, ignore_errors=True)
        shutil.copytree(REPO / folder, course / folder,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.egg-info"))
    _chown_tree(course, instructor)
    klass = {"instructor": instructor, "students": list(students), "course": str(course)}
    _write_role_folders(course)
    subprocess.run(["chmod", "-R", "a+rX", str(ETC)], check=True)
    CLASS_FILE.write_text(json.dumps(klass, indent=1))
    run_as(instructor, ["python", "-m", "autograde", "init"], klass, cwd=course, check=True,
           capture_output=True, text=True)
    settings = course / SETTINGS_FILE
    if not settings.exists():
        sys.path.insert(0, str(REPO))
        from autograde.live.settings import example

        assignments = sorted(p.name for p in (course / "solutions").iterdir() if any(p.glob("*.ipynb")))
        settings.write_text(json.dumps(example(assignments), indent=1) + "\n")
        os.chown(settings, pwd.getpwnam(instructor).pw_uid, pwd.getpwnam(instructor).pw_gid)
    return klass


def _pem_pair():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public


def lti(issuer, client_id, deployment_ids, authorize_url, jwks_url, token_url, hub_url):
    """Register the class with an LTI 1.3 platform (see the module's docstring); the text to paste into the LMS.

    Args:
        issuer, client_id, deployment_ids: the platform's issuer, the tool's client id in it, and
            the deployment ids of its installations (Canvas: the developer key's id, the
            deployment id shown by the app's settings).
        authorize_url, jwks_url, token_url: the platform's OIDC authorization endpoint, key set
            and access token endpoint.
        hub_url: the hub's public URL, e.g. https://hub.example.edu (for the printed URLs).
    """
    klass = load_class()
    settings = {"issuer": issuer, "client_id": client_id, "deployment_ids": sorted(deployment_ids),
                "auth_login_url": authorize_url, "key_set_url": jwks_url, "auth_token_url": token_url,
                "hub_url": hub_url.rstrip("/")}
    LTI_FILE.write_text(json.dumps(settings, indent=1) + "\n")
    os.chmod(LTI_FILE, 0o644)
    if not LTI_KEY.exists():
        private, public = _pem_pair()
        LTI_KEY.with_suffix(".pub").write_bytes(public)
        fd = os.open(LTI_KEY, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(private)
    entry = pwd.getpwnam(klass["instructor"])
    os.chown(LTI_KEY, entry.pw_uid, entry.pw_gid)
    os.chmod(LTI_KEY, 0o600)
    os.chmod(LTI_KEY.with_suffix(".pub"), 0o644)
    return tool_urls(settings["hub_url"])


def tool_urls(hub_url):
    """What the LMS asks when the tool is registered: {what: URL or value}."""
    return {
        "OIDC login initiation URL": f"{hub_url}/hub/lti13/oauth_login",
        "Redirect URI (launch)": f"{hub_url}/hub/lti13/oauth_callback",
        "Target link URI (tool URL)": f"{hub_url}/hub/user-redirect/lab",
        "Public JWK set URL (keyset)": f"{hub_url}/services/grading/jwks.json",
        "Custom parameter of each graded link": "assignment=<assignment id>, e.g. assignment=callbacks_quiz",
    }


def load_lti():
    """The class's LTI registration (`lti`), or None when it logs in with passwords."""
    return json.loads(LTI_FILE.read_text()) if LTI_FILE.is_file() else None


def teardown():
    """Remove the class's accounts (with their homes), its exchange folder and the class file."""
    klass = load_class()
    lms_students = list(json.loads(LTI_ACCOUNTS.read_text())) if LTI_ACCOUNTS.exists() else []
    for name in [klass["instructor"], *klass["students"], *lms_students]:
        subprocess.run(["pkill", "-KILL", "-u", name], check=False)
        subprocess.run(["userdel", "--remove", name], check=False, capture_output=True)
    shutil.rmtree(EXCHANGE / COURSE_ID, ignore_errors=True)
    for path in (LTI_ACCOUNTS, LTI_FILE, LTI_KEY, LTI_KEY.with_suffix(".pub")):
        path.unlink(missing_ok=True)
    CLASS_FILE.unlink()


def serve(state=None):
    """Run JupyterHub in the foreground with deploy/hub/jupyterhub_config.py (state in `state`)."""
    load_class()
    state = pathlib.Path(state or CLASS_ROOT / "state")
    state.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chdir(state)
    # the key of the users' auth state in the hub's database (LTI launch data): made once, root's only
    key_file = state / "crypt-key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    hub = VENV / "bin" / "jupyterhub"
    os.execve(str(hub), [str(hub), "-f", str(HERE / "jupyterhub_config.py")],
              dict(os.environ, PATH=f"{VENV / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
                   JUPYTERHUB_CRYPT_KEY=key_file.read_text().strip()))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("setup", help="accounts, exchange, the instructor's course")
    create.add_argument("--instructor", required=True)
    create.add_argument("--students", required=True, help="comma-separated account names")
    create.add_argument("--passwords", help="file of `name:password` lines (for logging in to the hub)")
    register = commands.add_parser("lti", help="register the class with an LMS (LTI 1.3); prints what to paste there")
    register.add_argument("--issuer", required=True, help="the platform's issuer, e.g. https://canvas.instructure.com")
    register.add_argument("--client-id", required=True,
                          help="the tool's client id in the LMS (Canvas: the developer key's id)")
    register.add_argument("--deployment-id", required=True, action="append", help="a deployment id (repeatable)")
    register.add_argument("--authorize-url", required=True, help="the platform's OIDC authorization endpoint")
    register.add_argument("--jwks-url", required=True, help="the platform's public key set")
    register.add_argument("--token-url", required=True, help="the platform's access token endpoint")
    register.add_argument("--hub-url", required=True, help="the hub's public URL, e.g. https://hub.example.edu")
    commands.add_parser("teardown", help="remove the class's accounts and exchange folder")
    commands.add_parser("serve", help="run JupyterHub")
    run = commands.add_parser("run", help="run a command as a user, in their server's environment")
    run.add_argument("user")
    run.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit("classroom.py manages Unix accounts and runs JupyterHub's spawner: run it as root")
    if args.command == "setup":
        passwords = {}
        if args.passwords:
            passwords = dict(line.split(":", 1) for line in pathlib.Path(args.passwords).read_text().split())
        klass = setup(args.instructor, [s for s in args.students.split(",") if s], passwords)
        print(f"class ready: instructor {klass['instructor']}, {len(klass['students'])} students, "
              f"course {klass['course']}, exchange {EXCHANGE}")
    elif args.command == "lti":
        urls = lti(args.issuer, args.client_id, args.deployment_id, args.authorize_url, args.jwks_url,
                   args.token_url, args.hub_url)
        print(f"LTI 1.3 registration saved in {LTI_FILE}; restart the hub (make hub). In the LMS, enter:")
        for what, value in urls.items():
            print(f"  {what}: {value}")
    elif args.command == "teardown":
        teardown()
    elif args.command == "serve":
        serve()
    else:
        command = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
        return run_as(args.user, command).returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
