"""LTI 1.3 between a real hub and a platform this project did not write (`lti1p3platform`: tests/hub/lti_platform.py).

The class is registered with the platform (`classroom.py lti`); LMS users follow the course's
links: the platform starts the OIDC login at the hub, jupyterhub-ltiauthenticator redirects to the
platform's authorization endpoint, which posts back an id token signed with the platform's key,
checked by the hub against the platform's key set. Ann submits the quiz from her LTI account; the
grading service grades it and sends the score through AGS: it lands in the platform's gradebook
with the gradebook's score. Ben, who left the course (the platform's Names and Role service says
Inactive), gets no score sent. While the platform is down a score is kept and sent once it is
back. A forged id token (signed by another key) logs nobody in; an instructor launch is the
class's instructor account.
"""

import re
import sys
import time
import urllib.parse

import jwt
import pytest
import requests

from hubclass import HUB_DIR, LIVE, HubClass, free_port
from lms import QUIZ, RunningPlatform, launch
from submitting import answers, release, submit, wait_for_feedback

sys.path.insert(0, str(HUB_DIR))
import lti  # noqa: E402

pytestmark = [pytest.mark.hub, pytest.mark.slow, pytest.mark.xdist_group("hub")]


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    port = free_port()
    running = RunningPlatform(tmp_path_factory.mktemp("platform"), f"http://127.0.0.1:{port}")
    running.start()
    running.hub_port = port
    yield running
    running.stop()


@pytest.fixture(scope="module")
def hub(platform):
    with HubClass(students=0, port=platform.hub_port, lti=platform.registration(), settings=LIVE) as hub:
        hub.start_server(hub.instructor)
        release(hub, QUIZ)
        yield hub


def _auth_state(hub, name):
    status, model = hub.request("GET", f"hub/api/users/{name}")
    assert status == 200, model
    return model["auth_state"]["lti"]


def _wait(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(1)
    raise TimeoutError(f"{what} after {timeout} s")


def test_a_launch_logs_the_lms_user_in_with_their_own_account(hub, platform):
    session, response, _ = launch(platform, "lms-ann", "quiz")
    assert response.status_code == 302, response.text[:2000]
    assert urllib.parse.urlparse(response.headers["Location"]).path == "/hub/user-redirect/lab"
    name = lti.account_name(platform.base, "lms-ann")
    state = _auth_state(hub, name)
    assert state["sub"] == "lms-ann" and state["issuer"] == platform.base
    assert state["context"]["id"] == "course-101" and state["email"] == "ann@example.edu"
    assert state["launches"][QUIZ]["lineitem"] == f"{platform.base}/lineitems/quiz"
    assert state["nrps_url"] == f"{platform.base}/memberships"
    home = session.get(hub.url("hub/home"), allow_redirects=False, timeout=60)  # the hub's login cookie
    assert home.status_code == 200 and name in home.text
    assert hub.home(name).stat().st_mode & 0o777 == 0o700


def test_an_instructor_launch_is_the_class_instructor(hub, platform):
    _, response, _ = launch(platform, "lms-teach", "home")
    assert response.status_code == 302, response.text[:2000]
    assert _auth_state(hub, hub.instructor)["sub"] == "lms-teach"


def test_a_forged_id_token_logs_nobody_in(hub, platform):
    from cryptography.hazmat.primitives.asymmetric import rsa

    session = requests.Session()
    form = session.get(f"{platform.base}/launch/quiz", params={"user": "lms-ben"}, timeout=60)
    genuine = dict(re.findall(r'name="(id_token|state)" value="([^"]*)"', form.text))
    claims = jwt.decode(genuine["id_token"], options={"verify_signature": False})
    claims["sub"] = "lms-mallory"
    header = jwt.get_unverified_header(genuine["id_token"])
    forged = jwt.encode(claims, rsa.generate_private_key(public_exponent=65537, key_size=2048), algorithm="RS256",
                        headers={"kid": header.get("kid")} if header.get("kid") else None)
    response = session.post(hub.url("hub/lti13/oauth_callback"), data={"id_token": forged, "state": genuine["state"]},
                            allow_redirects=False, timeout=60)
    assert response.status_code in (400, 401, 403), response.status_code
    status, _ = hub.request("GET", f"hub/api/users/{lti.account_name(platform.base, 'lms-mallory')}")
    assert status == 404


def test_the_score_reaches_the_platforms_gradebook_through_ags(hub, platform):
    launch(platform, "lms-ann", "quiz")
    name = lti.account_name(platform.base, "lms-ann")
    hub.start_server(name)
    submit(hub, name, QUIZ, answers(QUIZ, "partial"))
    wait_for_feedback(hub, name, QUIZ, count=1, timeout=900)
    status, book = hub.request("GET", f"user/{hub.instructor}/formgrader/api/submission/{QUIZ}/{name}")
    assert status == 200, book
    score = _wait(lambda: platform.gradebook().get("quiz", {}).get("lms-ann"), 120, "no score in the platform")
    assert score["scoreGiven"] == book["score"] and score["scoreMaximum"] == 20
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
    assert score["timestamp"] and "graded on submission" in score["comment"]
    assert book["first_name"] == "Ann" and book["last_name"] == "Lee"


def test_no_score_is_sent_for_a_student_who_left_the_course(hub, platform):
    launch(platform, "lms-ben", "quiz")
    name = lti.account_name(platform.base, "lms-ben")
    platform.set_status("lms-ben", "Inactive")
    hub.start_server(name)
    submit(hub, name, QUIZ, answers(QUIZ, "correct"))
    wait_for_feedback(hub, name, QUIZ, count=1, timeout=900)
    token = hub.user_token(hub.instructor)
    row = _wait(lambda: [r for r in hub.grading_status(token)["lms"]
                         if r["student"] == name and r["state"] != "pending"], 120, "Ben's score was never dealt with")[0]
    assert row["state"] == "skipped" and "no longer in the course (Inactive)" in row["message"]
    assert "lms-ben" not in platform.gradebook().get("quiz", {})


def test_a_score_the_platform_could_not_take_is_sent_when_it_is_back(hub, platform):
    name = lti.account_name(platform.base, "lms-ann")
    before = platform.gradebook()["quiz"]["lms-ann"]
    platform.stop()
    try:
        submit(hub, name, QUIZ, answers(QUIZ, "correct"))
        wait_for_feedback(hub, name, QUIZ, count=2, timeout=900)
        token = hub.user_token(hub.instructor)
        row = _wait(lambda: [r for r in hub.grading_status(token)["lms"]
                             if r["student"] == name and r["state"] == "pending" and r["attempts"] >= 1],
                    120, "no failed send")[0]
        assert "ConnectionError" in row["message"] and "next try in" in row["message"]
        assert platform.gradebook()["quiz"]["lms-ann"] == before
    finally:
        platform.start()
    score = _wait(lambda: platform.gradebook()["quiz"]["lms-ann"]["scoreGiven"] == 20 and
                  platform.gradebook()["quiz"]["lms-ann"], 180, "the kept score was not sent")
    assert score["timestamp"] > before["timestamp"]
