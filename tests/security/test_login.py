"""Issue 14 items 3 and 7: login links carry a one-time code (never an API key), exchanged for a separate,
revocable session stored hashed in Postgres; the code never reaches the access log; restarts and a second
``serve`` log nobody out; logout ends the session."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

import httpx
import pytest
import uvicorn
from sqlalchemy.orm import Session

from api.app import create_app
from api.cli import _login_link
from store.db import make_sync_engine
from store.keys import hash_key, revoke_keys
from store.sessions import create_login_code
from tests.api.helpers import NOW, free_port


def _code(sec, org: str = "harbour", role: str = "member", ttl: dt.timedelta | None = None) -> str:
    engine = make_sync_engine(sec.demo.target)
    try:
        with Session(engine) as s, s.begin():
            return create_login_code(s, org_slug=org, role=role, **({"ttl": ttl} if ttl else {}))
    finally:
        engine.dispose()


class LoggedServer:
    """uvicorn with its access log on, in a thread, over a fresh app on the security tests' database."""

    def __init__(self, sec) -> None:
        self.lines: list[str] = []
        app = create_app(sec.demo.settings, target=sec.demo.target, run_migrations=False, clock=lambda: NOW)
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="info",
                                                   access_log=True, lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 120
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "uvicorn did not start"
            time.sleep(0.05)
        handler = logging.Handler()
        handler.emit = lambda record: self.lines.append(record.getMessage())  # type: ignore[method-assign]
        self.handler = handler
        logging.getLogger("uvicorn.access").addHandler(handler)
        self.base = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        logging.getLogger("uvicorn.access").removeHandler(self.handler)
        self.server.should_exit = True
        self.thread.join(30)


@pytest.fixture
def served(sec):
    servers: list[LoggedServer] = []

    def start() -> LoggedServer:
        servers.append(LoggedServer(sec))
        return servers[-1]

    yield start
    for s in servers:
        s.stop()


def test_login_link_is_one_time_never_logged_and_survives_restarts(sec, served):
    first = served()
    code = _code(sec)
    browser = httpx.Client(base_url=first.base)
    r = browser.get(f"/?token={code}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    token = browser.cookies["opsgraph_session"]
    assert token != code and not token.startswith("og_"), "the cookie holds a session token, not a key"
    assert browser.get("/api/me").json()["org"] == "harbour"

    # Single use; not a bearer key; nothing in the database holds the code or the token in clear.
    assert httpx.get(f"{first.base}/?token={code}", follow_redirects=False).status_code == 401
    assert httpx.get(f"{first.base}/api/me", headers={"Authorization": f"Bearer {code}"}).status_code == 401
    stored = sec.sql("SELECT code_hash FROM login_codes") + sec.sql("SELECT token_hash FROM web_sessions")
    assert (hash_key(code),) in stored and (hash_key(token),) in stored
    assert not [r for r in stored if code in r[0] or token in r[0]]

    # The access log shows the request, never the code.
    time.sleep(0.2)
    logged = "\n".join(first.lines)
    assert "GET /?token=[redacted]" in logged and code not in logged

    # An API key is refused in a URL (it would be logged) and accepted in the form.
    assert httpx.get(f"{first.base}/?token={sec.keys['viewer']}", follow_redirects=False).status_code == 400
    form = httpx.post(f"{first.base}/login", data={"token": sec.keys["viewer"]}, follow_redirects=False)
    assert form.status_code == 303 and form.cookies["opsgraph_session"] != sec.keys["viewer"]

    # A restart (a new app over the same database) logs nobody out.
    first.stop()
    second = served()
    browser.base_url = httpx.URL(second.base)
    assert browser.get("/api/me").status_code == 200

    # Logout revokes the session, even for a copy of the cookie replayed later.
    assert browser.post("/api/logout").status_code == 204
    replay = httpx.get(f"{second.base}/api/me", cookies={"opsgraph_session": token})
    assert replay.status_code == 401 and "session has ended" in replay.json()["detail"]
    browser.close()


def test_two_serve_processes_do_not_revoke_each_others_links(sec, served):
    server = served()
    links = [_login_link(sec.demo.target, server.base, org="harbour", role="admin") for _ in range(2)]
    for link in links:  # minted by two `serve` starts on one home: both still work (once each)
        r = httpx.get(link, follow_redirects=False)
        assert r.status_code == 303, r.text
        me = httpx.get(f"{server.base}/api/me", cookies={"opsgraph_session": r.cookies["opsgraph_session"]})
        assert me.json() == {"org": "harbour", "role": "admin", "key_prefix": me.json()["key_prefix"]}


def test_expired_codes_revoked_keys_and_secure_cookies(sec, served):
    server = served()
    expired = _code(sec, ttl=dt.timedelta(seconds=-1))
    assert httpx.get(f"{server.base}/?token={expired}", follow_redirects=False).status_code == 401
    # Behind a TLS-terminating proxy the cookie is Secure.
    r = httpx.get(f"{server.base}/?token={_code(sec, org='demo', role='viewer')}", follow_redirects=False,
                  headers={"X-Forwarded-Proto": "https"})
    assert r.status_code == 303 and "secure" in r.headers["set-cookie"].lower()
    session = r.cookies["opsgraph_session"]
    assert httpx.get(f"{server.base}/api/me", cookies={"opsgraph_session": session}).json()["org"] == "demo"
    # Revoking the key a session acts as ends the session.
    engine = make_sync_engine(sec.demo.target)
    with Session(engine) as s, s.begin():
        assert revoke_keys(s, org_slug="demo", name="panel-viewer") == 1
    engine.dispose()
    assert httpx.get(f"{server.base}/api/me", cookies={"opsgraph_session": session}).status_code == 401


def test_login_link_command_prints_a_working_one_time_link(sec, served):
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    server = served()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPSGRAPH_", "DATABASE_URL"))}
    env |= {"DATABASE_URL": sec.demo.target.sqlalchemy_url, "OPSGRAPH_HOME": str(sec.demo.settings.home)}
    out = subprocess.run([sys.executable, "-m", "opsgraph", "login-link", "--org", "harbour", "--role", "viewer",
                          "--base", server.base], env=env, cwd=REPO, capture_output=True, text=True, timeout=120,
                         check=False)
    assert out.returncode == 0, out.stderr
    link = out.stdout.strip()
    assert link.startswith(f"{server.base}/?token=ogl_")
    r = httpx.get(link, follow_redirects=False)
    assert r.status_code == 303
    me = httpx.get(f"{server.base}/api/me", cookies={"opsgraph_session": r.cookies["opsgraph_session"]}).json()
    assert me["org"] == "harbour" and me["role"] == "viewer"
    bad = subprocess.run([sys.executable, "-m", "opsgraph", "login-link", "--role", "root"], env=env, cwd=REPO,
                         capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2 and "--role must be" in bad.stderr
