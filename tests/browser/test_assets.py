"""The panel's assets as served by :mod:`api.panel` (no browser, no database): local files only, plotly.js
from the installed plotly package, a strict CSP, and no HTML built from strings in the panel's code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import api.panel
from api.panel import BUNDLED_MARK, CSP, PLOTLY_JS, STATIC, bundled_styles, index_page, plotly_css


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app = FastAPI()
    app.include_router(api.panel.router)
    with TestClient(app, base_url="http://panel.test") as c:
        yield c


def test_plotly_js_is_the_installed_package_file(client) -> None:
    r = client.get("/static/plotly.min.js")
    assert r.status_code == 200 and r.content == PLOTLY_JS.read_bytes()
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["x-content-type-options"] == "nosniff" and "ETag" in r.headers
    again = client.get("/static/plotly.min.js", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304


def test_plotly_css_is_generated_from_the_installed_bundle(client) -> None:
    r = client.get("/static/plotly.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
    css = r.text
    assert ".js-plotly-plot .plotly .main-svg {position:absolute;" in css
    assert ".js-plotly-plot .plotly .modebar {" in css and ".plotly-notifier {" in css
    assert "X" not in re.sub(r"\{[^}]*\}", "", css.split("\n", 1)[1])  # every selector placeholder replaced
    with pytest.raises(ValueError, match="rules table not found"):
        plotly_css("no rules table here")


def test_the_stylesheets_plotly_js_would_inject_are_linked_under_the_ids_it_looks_for(client) -> None:
    bundle = PLOTLY_JS.read_text(encoding="utf-8")
    styles = bundled_styles(bundle)
    assert any(".maplibregl-map{" in css for css in styles.values())  # maplibre-gl's, for map traces
    html = index_page((STATIC / "index.html").read_text(encoding="utf-8"))
    assert BUNDLED_MARK not in html
    for sid, css in styles.items():
        assert f'document.getElementById("{sid}")' in bundle  # what plotly.js checks before it injects a <style>
        assert f'<link rel="stylesheet" id="{sid}" href="/static/plotly-bundled/{sid}.css">' in html
        r = client.get(f"/static/plotly-bundled/{sid}.css")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/css") and r.text == css
        assert r.headers["content-security-policy"] == CSP
    assert client.get("/static/plotly-bundled/not-a-style.css").status_code == 404
    other = ("a=1;if(!document.getElementById(\"b7e1\")){var s=document.createElement(\"style\");s.id=\"b7e1\","
             "s.textContent='.dial{color:#c00;content:\\'x\\'}',document.head.appendChild(s)}")
    assert bundled_styles(other) == {"b7e1": ".dial{color:#c00;content:'x'}"} and bundled_styles("a=1") == {}


@pytest.mark.parametrize("name", ["index.html", "app.js", "app.css", "markdown.js", "favicon.svg"])
def test_static_files_are_served_with_the_csp(client, name: str) -> None:
    r = client.get(f"/static/{name}")
    assert r.status_code == 200 and r.content == (STATIC / name).read_bytes()
    assert r.headers["content-security-policy"] == CSP


@pytest.mark.parametrize("path", ["/static/../panel.py", "/static/%2e%2e/panel.py", "/static/..%2fpanel.py",
                                  "/static/", "/static/nope.js", "/static/%2fetc%2fpasswd"])
def test_nothing_outside_the_static_directory(client, path: str) -> None:
    assert client.get(path).status_code == 404


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.inline_script = False
        self.urls: list[str] = []
        self.handlers: list[str] = []
        self.meta_csp: str | None = None
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.handlers += [k for k in a if k.startswith("on")]
        self.urls += [v for k, v in a.items() if k in ("src", "href", "action") and v]
        if tag == "script":
            self.scripts.append(a)
            self._in_script = True
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.meta_csp = a.get("content")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_script = True


def test_index_html_has_a_strict_csp_and_no_inline_script() -> None:
    page = _Page()
    page.feed((STATIC / "index.html").read_text(encoding="utf-8"))
    assert page.meta_csp is not None
    assert CSP == f"{page.meta_csp}; frame-ancestors 'none'"  # the asset header is the same policy
    policy = dict(d.strip().split(" ", 1) for d in page.meta_csp.split(";") if d.strip())
    assert policy["default-src"] == "'self'" and policy["script-src"] == "'self'" and policy["object-src"] == "'none'"
    assert "unsafe" not in page.meta_csp
    assert page.scripts and all(s.get("src", "").startswith("/static/") for s in page.scripts)
    assert not page.inline_script and not page.handlers
    # Every asset is local (no CDN): only same-origin paths, fragments and the API docs link.
    assert all(u.startswith(("/", "#")) for u in page.urls), page.urls


def test_the_panel_code_never_builds_html_from_strings() -> None:
    for path in sorted(Path(STATIC).glob("*.js")):
        code = path.read_text(encoding="utf-8")
        for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                          "setAttribute('on", 'setAttribute("on', "http://", "https://cdn"):
            assert forbidden not in code, f"{path.name} uses {forbidden}"
