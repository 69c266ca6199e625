"""An LTI 1.3 platform (a tiny LMS) for the hub tests, built on the published `lti1p3platform` library.

All of the protocol is the library's: the OIDC login initiation (`OIDCLoginAbstract`), the
message launch with its signed id token and the auto-submitted form (`LTIAdvantageMessageLaunchAbstract`
and the library's `launch.html`), the platform's key set, the client-credentials access token
(checked against the tool's key set URL), the Assignment and Grade Services' score and line
item endpoints and the Names and Role Provisioning Service (`AssignmentsGradesService`,
`NamesRoleProvisioningService`). This file is the glue a platform writes around it: tornado
routes, a signed-in LMS user (the signed `lms_user` cookie, set when a link is followed), a course with its
roster and resource links, and the gradebook the scores land in (a JSON file).

Run: `python lti_platform.py CONFIG.json` (see `Platform`), then point a browser at
`/course` (the links of the course) or `/launch/<link>?user=<lms user id>`.

Config: {"port", "issuer", "client_id", "deployment_id", "tool": {"oidc_login_url",
"redirect_uri", "key_set_url"}, "users": {id: {"name", "given_name", "family_name", "email",
"roles"}}, "links": {id: {"title", "target_link_uri", "assignment", "score_maximum"}},
"gradebook": path, "roster": path}. The roster file {user id: status} ("Active", "Inactive",
"Deleted") can be changed while the platform runs (a student dropping the course).
"""

import html
import json
import pathlib
import secrets
import sys
import threading
import urllib.parse

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jinja2 import Environment, PackageLoader
from lti1p3platform.exceptions import LineItemNotFoundException, LtiException
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.service_connector import AssignmentsGradesService, NamesRoleProvisioningService
from lti1p3platform.membership import Context
from tornado import ioloop, web

LAUNCH_FORM = Environment(loader=PackageLoader("lti1p3platform.framework", "templates")).get_template("launch.html")
CONTEXT = Context(id="course-101", label="KC101", title="Keras Callbacks, hands-on")


def _pem_pair():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


class TornadoRequest(Request):
    """The library's request view of a tornado request (as its Django glue does for Django)."""

    def build_metadata(self, request):
        form = {k: v[-1].decode() for k, v in request.body_arguments.items()}
        query = {k: v[-1].decode() for k, v in request.query_arguments.items()}
        content_type = request.headers.get("Content-Type", "")
        body = json.loads(request.body) if request.body and "json" in content_type else None
        return {"method": request.method, "form_data": form, "get_data": query, "headers": request.headers,
                "content_type": content_type, "path": request.path, "json": body}


class PlatformConf(LTI1P3PlatformConfAbstract):
    """This platform's one registration of the tool (the hub)."""

    def init_platform_config(self, config, private_key, public_key):
        self._registration = (Registration()
                              .set_iss(config["issuer"]).set_client_id(config["client_id"])
                              .set_deployment_id(config["deployment_id"])
                              .set_oidc_login_url(config["tool"]["oidc_login_url"])
                              .set_launch_url(config["tool"]["target_link_uri"])
                              .set_tool_key_set_url(config["tool"]["key_set_url"])
                              .set_platform_public_key(public_key).set_platform_private_key(private_key))

    def get_registration_by_params(self, **kwargs):
        return self._registration


class Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs):
        self._lti_message_hint = kwargs["link"]

    def get_redirect(self, url):
        return url


class Launch(LTIAdvantageMessageLaunchAbstract):
    """The resource link launch of the signed-in user (the library signs and posts the id token)."""

    def __init__(self, request, platform_config, platform, signed_in):
        super().__init__(request, platform_config)
        self.platform, self.signed_in = platform, signed_in

    def prepare_launch(self, preflight_response):
        user_id, link_id = preflight_response.get("login_hint"), preflight_response.get("lti_message_hint")
        if user_id != self.signed_in or user_id not in self.platform.config["users"]:
            raise web.HTTPError(403, "the launch is not for the signed-in user")
        if preflight_response.get("redirect_uri") != self.platform.config["tool"]["redirect_uri"]:
            raise web.HTTPError(400, "redirect_uri is not the tool's registered one")
        link = self.platform.config["links"].get(link_id)
        if link is None:
            raise web.HTTPError(404, "no such resource link")
        user = self.platform.config["users"][user_id]
        self.set_user_data(user_id, user["roles"], full_name=user.get("name"), email_address=user.get("email"))
        self.lti_claim_user_data.update({k: user[k] for k in ("given_name", "family_name") if k in user})
        self.set_resource_link_claim(link_id, title=link["title"])
        self.set_launch_context_claim(CONTEXT.id, context_title=CONTEXT.title, context_label=CONTEXT.label,
                                      context_types=["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"])
        self.set_custom_parameters_claim({"assignment": link["assignment"]} if link.get("assignment") else {})
        self.set_launch_url(link["target_link_uri"])
        base = self.platform.base
        self.set_ags(lineitems_url=f"{base}/lineitems", lineitem_url=f"{base}/lineitems/{link_id}",
                     allow_creating_lineitems=False)
        self.set_nrps(f"{base}/memberships")

    def render_launch_form(self, launch_data, **kwargs):
        return LAUNCH_FORM.render(launch_data)


class Grades(AssignmentsGradesService):
    """The line items are the course's graded links; a score lands in the gradebook file."""

    def __init__(self, request, platform_config, platform):
        base = platform.base
        super().__init__(request, platform_config, f"{base}/lineitems", allow_creating_lineitems=False)
        self.platform = platform

    def _item(self, link_id):
        link = self.platform.config["links"].get(link_id)
        if link is None or "score_maximum" not in link:
            raise LineItemNotFoundException(link_id)
        return {"id": f"{self.platform.base}/lineitems/{link_id}", "label": link["title"],
                "scoreMaximum": link["score_maximum"], "resourceLinkId": link_id}

    def find_lineitems(self, page=1, limit=None, **kwargs):
        items = [self._item(k) for k, v in self.platform.config["links"].items() if "score_maximum" in v]
        return {"content": items, "has_next": False, "next": None}

    def find_lineitem(self, line_item_id):
        return self._item(line_item_id)

    def update_score(self, line_item_id, score):
        self._item(line_item_id)
        return self.platform.record_score(line_item_id, score)

    def get_results(self, line_item_id, page=1, limit=None, user_id=None):
        self._item(line_item_id)
        scores = self.platform.gradebook().get(line_item_id, {})
        return {"content": [{"userId": u, "resultScore": s["scoreGiven"], "resultMaximum": s["scoreMaximum"]}
                            for u, s in scores.items() if user_id in (None, u)], "has_next": False, "next": None}

    def create_lineitem(self, creation_data):
        raise LtiException("line items are the course's links")

    update_lineitem = delete_lineitem = create_lineitem


class Members(NamesRoleProvisioningService):
    def __init__(self, request, platform_config, platform):
        super().__init__(request, platform_config, f"{platform.base}/memberships")
        self.platform = platform

    def get_context_by_id(self):
        return CONTEXT

    def get_member_data_page(self, page=1, limit=None, role=None, since=None, **kwargs):
        roster = self.platform.roster()
        members = [{"user_id": uid, "roles": user["roles"], "name": user.get("name"),
                    "status": roster.get(uid, "Active")} for uid, user in self.platform.config["users"].items()]
        return {"content": members, "has_next": False, "next": None}


class Platform:
    """The platform's state: its keys, the signed-in user, the gradebook and roster files."""

    def __init__(self, config):
        self.config = config
        self.base = config["issuer"]
        self.private_key, self.public_key = _pem_pair()
        self.lock = threading.Lock()

    def conf(self):
        return PlatformConf(config=self.config, private_key=self.private_key, public_key=self.public_key)

    def gradebook(self):
        path = pathlib.Path(self.config["gradebook"])
        return json.loads(path.read_text()) if path.exists() else {}

    def roster(self):
        path = pathlib.Path(self.config["roster"])
        return json.loads(path.read_text()) if path.exists() else {}

    def record_score(self, link_id, score):
        with self.lock:
            book = self.gradebook()
            previous = book.get(link_id, {}).get(score.get("userId"))
            if previous and previous["timestamp"] > score.get("timestamp", ""):
                return UpdateScoreStatus.OLD_TIMESTAMP
            book.setdefault(link_id, {})[score.get("userId")] = score
            tmp = pathlib.Path(self.config["gradebook"] + ".tmp")
            tmp.write_text(json.dumps(book, indent=1))
            tmp.replace(self.config["gradebook"])
        return UpdateScoreStatus.SUCCESS


class Handler(web.RequestHandler):
    def initialize(self, platform):
        self.platform = platform

    def reply(self, response):
        """Write a library `Response` (status, media type, JSON body)."""
        self.set_status(response.code)
        self.set_header("Content-Type", response.media_type)
        body = response.result
        if 200 <= response.code < 300:
            body = body["content"] if isinstance(body, dict) and "content" in body else body
            if body is not None:
                self.write(json.dumps(body))
        else:
            self.write(json.dumps({"error": response.message}))


class CoursePage(Handler):
    def get(self):
        user = self.get_argument("user", None) or (self.get_signed_cookie("lms_user") or b"").decode()
        links = "".join(f"<li><a href='/launch/{html.escape(k)}?user={html.escape(user or '')}'>"
                        f"{html.escape(v['title'])}</a></li>" for k, v in self.platform.config["links"].items())
        self.write(f"<!doctype html><html lang='en'><head><title>{CONTEXT.title}</title></head><body>"
                   f"<h1>{CONTEXT.title}</h1><p>Signed in to the LMS as {html.escape(str(user))}</p>"
                   f"<ul>{links}</ul></body></html>")


class StartLaunch(Handler):
    """The LMS user clicks a link: sign them in (the LMS's own session) and start the OIDC login."""

    def get(self, link_id):
        user = self.get_argument("user")
        if user not in self.platform.config["users"]:
            raise web.HTTPError(404, "no such LMS user")
        self.set_signed_cookie("lms_user", user, httponly=True)
        login = Login(TornadoRequest(self.request), self.platform.conf())
        login.set_lti_message_hint(link=link_id)
        link = self.platform.config["links"][link_id]
        login.set_launch_url(link["target_link_uri"])
        self.redirect(login.initiate_login(user))


class Authorize(Handler):
    """The OIDC authorization endpoint: the library's message launch renders the id token form."""

    def get(self):
        signed_in = (self.get_signed_cookie("lms_user") or b"").decode()
        launch = Launch(TornadoRequest(self.request), self.platform.conf(), self.platform, signed_in)
        self.write(launch.lti_launch())

    post = get


class KeySet(Handler):
    def get(self):
        conf = self.platform.conf()
        self.write(conf.get_jwks())


class Token(Handler):
    def post(self):
        form = {k: v[-1].decode() for k, v in self.request.body_arguments.items()}
        try:
            self.write(self.platform.conf().get_access_token(form))
        except Exception as exc:
            self.set_status(400)
            self.write({"error": "invalid_request", "error_description": f"{type(exc).__name__}: {exc}"})


class LineItems(Handler):
    def get(self, link_id=None):
        service = Grades(TornadoRequest(self.request), self.platform.conf(), self.platform)
        if link_id is None:
            self.reply(service.handle_resp(service.handle_get_lineitems))
        else:
            self.reply(service.handle_resp(service.handle_get_lineitem, line_item_id=link_id))


class Scores(Handler):
    def post(self, link_id):
        service = Grades(TornadoRequest(self.request), self.platform.conf(), self.platform)
        self.reply(service.handle_resp(service.handle_update_score, line_item_id=link_id))


class Results(Handler):
    def get(self, link_id):
        service = Grades(TornadoRequest(self.request), self.platform.conf(), self.platform)
        self.reply(service.handle_resp(service.handle_get_results, line_item_id=link_id))


class Memberships(Handler):
    def get(self):
        service = Members(TornadoRequest(self.request), self.platform.conf(), self.platform)
        self.reply(service.handle_resp(service.handle_get_members))


class GradebookPage(Handler):
    """The LMS's gradebook as its instructor sees it (reloads every 3 s); `?format=json` for scripts."""

    def get(self):
        book = self.platform.gradebook()
        if self.get_argument("format", "") == "json":
            return self.write(book)
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in (
                link, user, f"{s.get('scoreGiven')} / {s.get('scoreMaximum')}", s.get("activityProgress"),
                s.get("gradingProgress"), s.get("timestamp"), s.get("comment"))) + "</tr>"
            for link, scores in sorted(book.items()) for user, s in sorted(scores.items()))
        head = "".join(f"<th scope='col'>{c}</th>" for c in
                       ("Line item", "LMS user", "Score", "Activity", "Grading", "Timestamp", "Comment"))
        self.write(f"<!doctype html><html lang='en'><head><meta http-equiv='refresh' content='3'>"
                   f"<title>Gradebook</title></head><body><h1>Gradebook: {CONTEXT.title}</h1><table>"
                   f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></body></html>")


def make_app(platform):
    args = {"platform": platform}
    return web.Application([
        (r"/course", CoursePage, args),
        (r"/launch/([\w-]+)", StartLaunch, args),
        (r"/auth", Authorize, args),
        (r"/jwks", KeySet, args),
        (r"/token", Token, args),
        (r"/lineitems", LineItems, args),
        (r"/lineitems/([\w-]+)", LineItems, args),
        (r"/lineitems/([\w-]+)/scores", Scores, args),
        (r"/lineitems/([\w-]+)/results", Results, args),
        (r"/memberships", Memberships, args),
        (r"/gradebook", GradebookPage, args),
    ], cookie_secret=secrets.token_hex(32))


def main(path):
    config = json.loads(pathlib.Path(path).read_text())
    platform = Platform(config)
    make_app(platform).listen(urllib.parse.urlparse(config["issuer"]).port, "127.0.0.1")
    print("platform ready", flush=True)
    ioloop.IOLoop.current().start()


if __name__ == "__main__":
    main(sys.argv[1])
