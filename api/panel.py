"""The chat panel's assets: ``/static/*`` from ``api/static`` and ``/static/plotly.min.js`` from the installed
plotly package (its bundled ``package_data/plotly.min.js``), so the panel runs with no CDN and no build step.

``create_app`` serves ``/`` (``api/static/index.html``); include :data:`router` to serve what it loads.

plotly.js normally injects its own CSS rules with ``<style>`` elements, which the panel's strict
Content-Security-Policy (no inline styles) refuses. It skips that when the page already holds an element
``#plotly.js-style-global.no-inline-styles``: the panel links ``/static/plotly.css`` that way, and that
stylesheet is generated here from the rules table inside the installed ``plotly.min.js``, so it always
matches the plotly.js version that is served.

The bundle also carries its dependencies' stylesheets (maplibre-gl's, for map traces) and injects each as a
``<style id="<hash>">`` when it loads — refused by the same policy and reported as a violation — unless the page
already holds an element with that id. :func:`index_page` puts a ``<link id="<hash>">`` for each into the page at
``<!-- plotly-bundled-css -->``, pointing at ``/static/plotly-bundled/<hash>.css``, that stylesheet extracted from
the installed bundle: the same rules, from the service's own origin, with ``style-src 'self'`` unchanged.

Every asset answers with a strict ``Content-Security-Policy`` (the page itself carries the same policy in a
``<meta>`` tag) and ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from functools import lru_cache
from pathlib import Path

import plotly
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

STATIC = Path(__file__).with_name("static")
PLOTLY_JS = Path(plotly.__file__).with_name("package_data") / "plotly.min.js"

# The policy of the <meta> tag in index.html (nothing inline, nothing from elsewhere), plus frame-ancestors,
# which only works as a header.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_TYPES = {".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8", ".html": "text/html; charset=utf-8", ".svg": "image/svg+xml",
          ".png": "image/png", ".ico": "image/x-icon", ".json": "application/json", ".txt": "text/plain; charset=utf-8"}

router = APIRouter(include_in_schema=False)

_RULES_START = '{"X,X div":'


def _js_string(src: str, i: int) -> tuple[str, int]:
    """The JS string literal starting at ``src[i]`` (a quote) and the index after it."""
    quote, out, i = src[i], [], i + 1
    while i < len(src):
        ch = src[i]
        if ch == "\\":
            out.append(src[i + 1])
            i += 2
            continue
        if ch == quote:
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise ValueError("unterminated string")


def plotly_css(bundle: str) -> str:
    """plotly.js's own CSS rules (its ``X``/``Y`` selector table) as a stylesheet, in the cascade order
    plotly.js would give them (it inserts each rule at index 0)."""
    start = bundle.find(_RULES_START)
    if start < 0:
        raise ValueError("plotly.js CSS rules table not found")
    i, rules = start + 1, []
    while bundle[i] != "}":
        if bundle[i] in "'\"":
            key, i = _js_string(bundle, i)
        else:
            j = bundle.index(":", i)
            key, i = bundle[i:j], j
        if bundle[i] != ":" or bundle[i + 1] not in "'\"":
            raise ValueError(f"unexpected plotly.js CSS table syntax near {bundle[i:i + 40]!r}")
        value, i = _js_string(bundle, i + 1)
        selector = key.replace(",", " ,", 1) if key.startswith(",") else key
        selector = selector.replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        rules.append(f"{selector} {{{value}}}")
        if bundle[i] == ",":
            i += 1
    if len(rules) < 10:
        raise ValueError("plotly.js CSS rules table looks incomplete")
    return "\n".join(["/* generated from the installed plotly.min.js: plotly.js's own rules (strict CSP) */", *reversed(rules)]) + "\n"


# plotly.min.js's loader for a dependency's stylesheet: `if(!document.getElementById("<id>")){var e=
# document.createElement("style");e.id="<id>",e.textContent='<css>'` (ids kept to characters safe in an attribute).
_BUNDLED = re.compile(r'document\.getElementById\("([0-9A-Za-z_-]{1,100})"\)\)\{var (\w+)=document\.createElement\('
                      r'"style"\);\2\.id="\1",\2\.textContent=')
BUNDLED_MARK = "<!-- plotly-bundled-css -->"


def bundled_styles(bundle: str) -> dict[str, str]:
    """The stylesheets plotly.js injects from its dependencies at load, by the id of their ``<style>``."""
    return {m.group(1): _js_string(bundle, m.end())[0] for m in _BUNDLED.finditer(bundle)}


@lru_cache(maxsize=2)
def _bundled(mtime: float) -> dict[str, tuple[bytes, str]]:
    try:
        styles = bundled_styles(PLOTLY_JS.read_text(encoding="utf-8"))
    except (OSError, ValueError, IndexError):  # then plotly.js injects them itself (and the policy refuses it)
        return {}
    return {k: (v.encode(), hashlib.sha256(v.encode()).hexdigest()[:20]) for k, v in styles.items()}


def _bundled_now() -> dict[str, tuple[bytes, str]]:
    try:
        return _bundled(PLOTLY_JS.stat().st_mtime)
    except OSError:
        return {}


def index_page(html: str) -> str:
    """The panel's page with a ``<link>`` for each stylesheet the served plotly.js would inject (module docstring)."""
    links = "\n".join(f'<link rel="stylesheet" id="{k}" href="/static/plotly-bundled/{k}.css">' for k in _bundled_now())
    return html.replace(BUNDLED_MARK, links, 1)


@lru_cache(maxsize=2)
def _plotly_css(mtime: float) -> tuple[bytes, str]:
    try:
        css = plotly_css(PLOTLY_JS.read_text(encoding="utf-8"))
    except (OSError, ValueError, IndexError) as exc:  # charts still draw; only modebar/tooltip styling is lost
        css = f"/* could not extract plotly.js CSS rules: {exc} */\n"
    data = css.encode()
    return data, hashlib.sha256(data).hexdigest()[:20]


@lru_cache(maxsize=64)
def _load(path: Path, mtime: float) -> tuple[bytes, str]:  # mtime: a changed file is read again
    data = path.read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:20]


def _serve(request: Request, path: Path, *, max_age: int) -> Response:
    try:
        data, etag = _load(path, path.stat().st_mtime)
    except OSError:
        raise HTTPException(404, "no such asset") from None
    return _respond(request, data, f'"{etag}"', path.suffix, max_age=max_age)


def _respond(request: Request, data: bytes, etag: str, suffix: str, *, max_age: int) -> Response:
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}, must-revalidate" if max_age else "no-cache",
               "X-Content-Type-Options": "nosniff", "Content-Security-Policy": CSP}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    media = _TYPES.get(suffix.lower()) or mimetypes.guess_type(f"x{suffix}")[0] or "application/octet-stream"
    return Response(data, media_type=media, headers=headers)


@router.get("/static/plotly.min.js")
async def plotly_js(request: Request) -> Response:
    """plotly.js as bundled with the installed plotly package (its version follows the package)."""
    return _serve(request, PLOTLY_JS, max_age=86400)


@router.get("/static/plotly.css")
async def plotly_stylesheet(request: Request) -> Response:
    """plotly.js's CSS rules as a stylesheet (see the module docstring)."""
    try:
        data, etag = _plotly_css(PLOTLY_JS.stat().st_mtime)
    except OSError:
        raise HTTPException(404, "plotly is not installed") from None
    return _respond(request, data, f'"{etag}"', ".css", max_age=86400)


@router.get("/static/plotly-bundled/{sid}.css")
async def plotly_bundled_stylesheet(sid: str, request: Request) -> Response:
    """A stylesheet plotly.js carries from a dependency (see the module docstring)."""
    found = _bundled_now().get(sid)
    if found is None:
        raise HTTPException(404, "no such asset")
    return _respond(request, found[0], f'"{found[1]}"', ".css", max_age=86400)


@router.get("/static/agents.json")
async def agents_json(request: Request) -> Response:
    """The specialists as the registry declares them (the timeline's labels)."""
    import json

    from agents.registry import TITLES, describe

    data = json.dumps({"titles": TITLES, "specialists": describe()}).encode()
    return _respond(request, data, f'"{hashlib.sha256(data).hexdigest()[:20]}"', ".json", max_age=0)


@router.get("/static/{name:path}")
async def asset(name: str, request: Request) -> Response:
    """A file of api/static (no directory listing, nothing outside it)."""
    root = STATIC.resolve()
    if not name or len(name) > 200 or any(ord(c) < 32 or c == "\x7f" for c in name):  # NUL, control characters
        raise HTTPException(404, "no such asset")
    try:
        path = (root / name).resolve()
        found = path.is_relative_to(root) and path.is_file() and not path.name.startswith(".")
    except (OSError, ValueError):
        found = False
    if not found:
        raise HTTPException(404, "no such asset")
    return _serve(request, path, max_age=0)
