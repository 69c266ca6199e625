"""`python -m autograde.live {serve,grade-server}`: the grading service of a class on JupyterHub.

`serve` is what the hub starts (deploy/hub/jupyterhub_config.py), as the instructor, in the
instructor's course folder: the queue (`service.GradingService`) and its pages (`web`) on
`$JUPYTERHUB_SERVICE_URL`. `grade-server` is the service's warm child that grades and books one
submission at a time (`engine.serve`).
"""

import argparse
import json
import logging
import os
import pathlib
import pwd
import sys
import urllib.error
import urllib.parse
import urllib.request

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["CALLBACKS_COURSE_OFFLINE"] = "1"  # grading always uses the bundled MNIST subset


def _parser():
    parser = argparse.ArgumentParser(prog="python -m autograde.live", description=__doc__.splitlines()[0])
    parser.add_argument("--course", default=".", help="the instructor's course folder (default: here)")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="the grading service (started by JupyterHub)")
    serve.add_argument("--exchange", required=True, help="nbgrader's exchange root")
    serve.add_argument("--course-id", default="keras-callbacks", help="nbgrader's course id (default: keras-callbacks)")
    serve.add_argument("--settings", help="the settings file (default: <course>/grading-on-submit.json)")
    serve.add_argument("--lti", help="the hub's LTI registration (etc/lti.json); scores go back to the LMS")
    serve.add_argument("--lti-key", help="the tool's private key (PEM; its public key beside it, .pub)")
    serve.add_argument("--poll", type=float, default=1.0, help="seconds between looks at the inbound folder")
    serve.add_argument("--timeout", type=float, default=1200.0, help="seconds one grading may take")
    serve.add_argument("--allow-uncontained", action="store_true", help="grade even where each item's memory and "
                       "processes cannot be contained, as `grade --allow-uncontained` (also "
                       "AUTOGRADE_ALLOW_UNCONTAINED=1); otherwise the service refuses to grade and says why")
    commands.add_parser("grade-server", help="grade and book submissions sent as JSON lines (the service's child)")
    return parser


def hub_user(name):
    """The hub's record of user `name`: {"person", "lti"} from its LTI auth state, {} without one, None if unknown."""
    api, token = os.environ.get("JUPYTERHUB_API_URL"), os.environ.get("JUPYTERHUB_API_TOKEN")
    if not api or not token:  # not started by a hub: nobody came from an LMS
        return {}
    request = urllib.request.Request(f"{api}/users/{urllib.parse.quote(name, safe='')}",
                                     headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            model = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return {}
        logging.getLogger("autograde.live").warning("the hub's record of %s cannot be read: %s", name, exc)
        return None
    except (OSError, ValueError) as exc:
        logging.getLogger("autograde.live").warning("the hub's record of %s cannot be read: %s", name, exc)
        return None
    lti = (model.get("auth_state") or {}).get("lti")
    if not lti:
        return {}
    person = {k: v for k, v in (("first_name", lti.get("given_name")), ("last_name", lti.get("family_name")),
                                ("email", lti.get("email"))) if v}
    return {"person": person or None, "lti": lti}


def refused(args):
    """Why the service must not grade here (as `grade` would refuse), on one line; None when it may."""
    from callbacks_course.sandbox.host.doctor import allowed_by_environment, refusal

    return refusal(args.allow_uncontained or allowed_by_environment())


def serve(args, course):
    """Listen at once (the hub waits only 10 s for a managed service), then load the queue and its pages."""
    from tornado import web
    from tornado.httpserver import HTTPServer
    from tornado.ioloop import IOLoop

    class Starting(web.RequestHandler):
        def get(self, *args):
            self.write("The grading service is starting: reload this page in a few seconds.")

    logging.basicConfig(level=logging.INFO, format="[grading %(asctime)s %(levelname)s] %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    url = urllib.parse.urlparse(os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:10101"))
    server = HTTPServer(web.Application([(r".*", Starting)]))
    server.listen(url.port, url.hostname)
    problem = refused(args)
    if problem:  # stays up (the hub restarts a service that exits) and grades nothing; every page says why
        logging.getLogger("autograde.live").error("refusing to grade: %s", problem)

        class Refused(web.RequestHandler):
            def get(self, *args):
                self.set_status(503)
                self.write(f"The grading service refuses to grade on this machine: {problem}")

        server.request_callback = web.Application([(r".*", Refused)])
        IOLoop.current().start()
        return

    from .passback import Passback
    from .service import GradingService
    from .web import make_app

    passback = Passback.from_files(args.lti, args.lti_key) if args.lti else None
    service = GradingService(course, exchange=args.exchange, course_id=args.course_id,
                             state_dir=str(course.work / "live"),
                             settings=args.settings or str(course.root / "grading-on-submit.json"),
                             people=hub_user, passback=passback, poll=args.poll, timeout=args.timeout)
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/grading/")
    server.request_callback = make_app(service, prefix, instructor=pwd.getpwuid(os.getuid()).pw_name,
                                       cookie_secret=os.urandom(32))
    logging.getLogger("autograde.live").info("grading on submit: %s, pages on %s%s", service.inbound,
                                             url.geturl(), prefix)

    async def grade_forever():
        try:
            await service.run()
        except BaseException:  # the hub restarts a managed service that exits; its state is on disk
            logging.getLogger("autograde.live").exception("the grading loop stopped")
            os._exit(1)

    loop = IOLoop.current()
    loop.spawn_callback(grade_forever)
    loop.start()


def main(argv=None):
    args = _parser().parse_args(argv)
    from ..course import Course

    course = Course(root=pathlib.Path(args.course).resolve())
    if args.command == "serve":
        return serve(args, course)
    from . import engine

    return engine.main(course)


if __name__ == "__main__":
    sys.exit(main())
