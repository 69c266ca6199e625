"""LTI 1.3 launches into the class's hub: who an LMS user is here, and what grade passback needs to remember.

`jupyterhub-ltiauthenticator` does the protocol: the OIDC login initiation, the state and nonce
cookies, the id token's signature checked against the platform's key set, its issuer, audience,
expiry and LTI claims. `CourseLTIAuthenticator` then decides who the user is on this machine:

- a launch from a deployment the class was not registered for, or without a user id (an
  anonymous launch), is refused;
- an LMS user with an instructor role in the course (`instructor_roles`) is the class's
  instructor account, the one that owns the gradebook;
- every other LMS user gets a Unix account of their own (LocalProcessSpawner starts each
  server as its user): `lti` followed by 12 base-32 characters of sha256(issuer, LMS user id).
  The name is computed, never taken from what the LMS or the user can choose (a name, an
  e-mail), so no LMS user can pick the name of an existing account (root, the instructor,
  another student); the account is created with `useradd` (home mode 700) the first time, and
  recorded with its (issuer, user id) in `accounts_file`; a name that exists on the machine
  but is not in that file, or is recorded for another LMS user, is refused.

The auth state (encrypted in the hub's database, `JUPYTERHUB_CRYPT_KEY`) keeps under `lti` the
LMS user id, issuer, deployment, course context, names, e-mail, the Names and Role service's URL,
and per assignment launched (the link's custom parameter `assignment=<id>`) its line item and the
AGS scopes: the grading service reads it to send the score back.

Example (jupyterhub_config.py):

```python
c.JupyterHub.authenticator_class = lti.CourseLTIAuthenticator
c.CourseLTIAuthenticator.instructor = "teacher"
c.CourseLTIAuthenticator.deployment_ids = {"1"}
```
"""

import asyncio
import base64
import hashlib
import json
import os
import pathlib
import threading

from ltiauthenticator.lti13.auth import LTI13Authenticator
from tornado import web
from traitlets import Any, Set, Unicode

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
PREFIX = "lti"
_accounts_lock = threading.Lock()


def account_name(issuer, user_id):
    """The Unix account of an LMS user: `lti` + 12 base-32 characters (60 bits) of sha256(issuer, user id)."""
    digest = hashlib.sha256(f"{issuer}\0{user_id}".encode()).digest()
    return PREFIX + base64.b32encode(digest).decode().lower()[:12]


class CourseLTIAuthenticator(LTI13Authenticator):
    """LTI 1.3 logins of one course (see the module's docstring)."""

    instructor = Unicode(config=True, help="The class's instructor account (LMS instructors log in as it)")
    instructor_roles = Set(Unicode(), default_value={MEMBERSHIP + "Instructor", MEMBERSHIP + "Administrator"},
                           config=True, help="LTI context roles that make an LMS user the class's instructor")
    deployment_ids = Set(Unicode(), config=True, help="Deployment ids of the tool's registration in the LMS")
    accounts_file = Unicode(config=True, help="JSON file of the accounts made for LMS users (root only)")
    create_account = Any(config=True, help="callable(name): create the Unix account `name` (a student's)")

    async def authenticate(self, handler, data=None):
        token = data or {}
        if token.get(CLAIM + "deployment_id") not in self.deployment_ids:
            raise web.HTTPError(403, "this LMS deployment is not registered with the class's hub")
        user_id, issuer = token.get("sub"), token.get("iss")
        if not user_id:
            raise web.HTTPError(403, "anonymous LTI launches cannot log in: the hub needs the LMS user id")
        roles = set(token.get(CLAIM + "roles") or [])
        if roles & self.instructor_roles:
            name = self.instructor
        else:
            name = account_name(issuer, user_id)
            await asyncio.to_thread(self._ensure_account, name, issuer, user_id)
        launches = {}
        user = handler.find_user(name)
        if user is not None:
            previous = await user.get_auth_state() or {}
            if previous.get("lti", {}).get("sub") == user_id:
                launches = previous["lti"].get("launches", {})
        assignment = (token.get(CLAIM + "custom") or {}).get("assignment")
        ags = token.get(AGS_CLAIM) or {}
        if assignment and ags.get("lineitem"):
            launches[str(assignment)] = {"lineitem": ags["lineitem"], "lineitems": ags.get("lineitems"),
                                         "scope": list(ags.get("scope") or []),
                                         "resource_link": (token.get(CLAIM + "resource_link") or {}).get("id")}
        lti = {"issuer": issuer, "sub": user_id, "deployment_id": token.get(CLAIM + "deployment_id"),
               "context": token.get(CLAIM + "context") or {}, "roles": sorted(roles),
               "nrps_url": (token.get(NRPS_CLAIM) or {}).get("context_memberships_url"), "launches": launches}
        lti.update({k: token[k] for k in ("name", "given_name", "family_name", "email") if token.get(k)})
        return {"name": name, "auth_state": {"lti": lti}}

    def _ensure_account(self, name, issuer, user_id):
        """Create `name` for (issuer, user_id) unless it is already theirs; refuse anyone else's account."""
        import pwd

        path = pathlib.Path(self.accounts_file)
        with _accounts_lock:
            accounts = json.loads(path.read_text()) if path.exists() else {}
            owner = accounts.get(name)
            if owner is not None:
                if owner != {"issuer": issuer, "sub": user_id}:
                    raise web.HTTPError(403, f"account {name} belongs to another LMS user")
                return
            try:
                pwd.getpwnam(name)
            except KeyError:
                pass
            else:
                raise web.HTTPError(403, f"account {name} exists on this machine and was not made for this LMS user")
            accounts[name] = {"issuer": issuer, "sub": user_id}
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(accounts, indent=1))
            os.chmod(tmp, 0o600)
            self.create_account(name)
            tmp.replace(path)
        self.log.info("LTI: created account %s for LMS user %s of %s", name, user_id, issuer)
