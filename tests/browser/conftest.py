"""Browser tests: headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright's Python API)
against a real uvicorn on 127.0.0.1 serving the demo data set, reached through a proxy whose network the
tests can cut.

Without Chromium (or the ``playwright`` package) these tests are skipped — unless ``CI`` is set, where
they fail: CI must run them (``.ci/run`` installs ``chromium``). Playwright's own browser downloads are
never used.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from store.db import DatabaseTarget
from tests.browser.netcut import CuttableProxy
from tests.conftest import ARTIFACTS, DEMO_ANCHOR, REPO, Demo, PgServer, demo_database

CHROMIUM = os.environ.get("OPSGRAPH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ARTIFACTS / "screenshots"
NOW = f"{DEMO_ANCHOR.isoformat()}T12:00:00+00:00"  # the assistant's "now": the demo data's anchor
WORD_DELAY = 0.02  # seconds between streamed words: answers take a few seconds, long enough to cut


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} — CI must run the browser tests (.ci/run installs Debian's chromium)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which(CHROMIUM) or (CHROMIUM if os.access(CHROMIUM, os.X_OK) else None)
    if path is None:
        _unavailable(f"Chromium not found at {CHROMIUM}")
    try:
        import playwright.sync_api
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    return path


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    # Module scope, not session: Playwright's sync API runs an event loop while it is open, and every
    # async test collected after the browser tests would find it running.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="session")
def panel_demo(pg_server: PgServer, demo_template: DatabaseTarget, chromium_path: str) -> Iterator[Demo]:
    """A database of its own with the demo data (the browser tests write: feedback, investigations …)."""
    with demo_database(pg_server, demo_template, "opsgraph_panel") as d:
        yield d


@dataclass
class Panel:
    base: str  # through the proxy: what the browser uses
    direct: str  # uvicorn itself
    token: str
    proxy: CuttableProxy
    demo: Demo

    def api(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return httpx.request(method, self.direct + path, headers={"Authorization": f"Bearer {self.token}"},
                             timeout=30, **kw)

    def sql(self, query: str, *params: Any) -> list[tuple]:
        with psycopg.connect(self.demo.target.conninfo) as conn:
            return conn.execute(query, params).fetchall()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


LOGIN = re.compile(r"login: http://127\.0\.0\.1:(\d+)/ key=(og_\w+)")


@pytest.fixture(scope="session")
def panel(panel_demo: Demo) -> Iterator[Panel]:
    """``python -m tests.browser.serve``: a real uvicorn process (the app of ``api.app.create_app`` plus the
    panel's asset router), its clock at the demo anchor, answers streamed word by word."""
    port = _free_port()
    t = panel_demo.target
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.browser.serve", "--url", t.sqlalchemy_url, "--conninfo", t.conninfo,
         "--home", str(panel_demo.settings.home), "--port", str(port), "--slow", str(WORD_DELAY), "--now", NOW],
        cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )
    token = None
    output = ""
    deadline = time.monotonic() + 120
    while token is None and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        output += line
        if m := LOGIN.search(line):
            token = m.group(2)
    direct = f"http://127.0.0.1:{port}"
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{direct}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    if token is None or proc.poll() is not None:
        proc.kill()
        raise AssertionError(f"the panel server did not start:\n{output}{proc.stdout.read() if proc.stdout else ''}")
    proxy = CuttableProxy(port)
    yield Panel(base=proxy.base, direct=direct, token=token, proxy=proxy, demo=panel_demo)
    proxy.close()
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def page(browser: Any, panel: Panel) -> Iterator[Any]:
    """A fresh browser context logged in with the token link (then the session cookie)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, color_scheme="light")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=panel.base)
    context.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push("
        "{directive: e.violatedDirective, source: e.sourceFile, sample: e.sample}));"
    )
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    pg.errors = []
    pg.requests = []
    pg.console = []  # the console's errors and warnings (a refused style or script is reported there)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("console", lambda m: pg.console.append(m.text) if m.type in ("error", "warning") else None)
    pg.on("request", lambda r: pg.requests.append(r))
    pg.goto(f"{panel.base}/?token={login_code(panel)}")
    pg.wait_for_selector("body[data-ready=true]")
    yield pg
    context.close()


def login_code(panel: Panel, role: str = "admin") -> str:
    """A fresh one-time login code of the demo organisation (what a login link carries)."""
    from sqlalchemy.orm import Session

    from store.db import make_sync_engine
    from store.sessions import create_login_code

    engine = make_sync_engine(panel.demo.target)
    try:
        with Session(engine) as s, s.begin():
            return create_login_code(s, org_slug="demo", role=role)
    finally:
        engine.dispose()


def shot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
