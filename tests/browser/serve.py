"""A real uvicorn serving the chat panel for the browser tests (and for trying the panel by hand).

``python -m tests.browser.serve --url … --conninfo … --home … --port P [--slow S] [--now ISO]``

Builds the app with :func:`api.app.create_app` (clock fixed to the demo anchor, so "last week" means the
data set's last week), includes :data:`api.panel.router` when the app does not already serve ``/static``,
mints a login key for the demo organisation and prints the login link like ``opsgraph serve`` does.
With ``--slow`` the offline provider streams its answer word by word (a pause per word), long enough to
cut the network in the middle of an answer.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy.orm import Session

from agents.providers.offline import OfflineProvider, assemble
from api.app import create_app
from api.limits import ApiLimits
from store.db import DatabaseTarget, make_sync_engine
from store.keys import create_key
from tests.conftest import settings_for


class WordByWordProvider(OfflineProvider):
    """The offline provider, streaming its (deterministic) answer one word per token event."""

    def __init__(self, delay: float) -> None:
        self.delay = delay

    async def compose(self, state: dict[str, Any], deps: Any) -> str:
        answer = assemble(state)
        words = answer.split(" ")
        for i, w in enumerate(words):
            await asyncio.sleep(self.delay)
            await deps.recorder.emit("token", {"text": w + (" " if i < len(words) - 1 else "")})
        return answer


def build_app(target: DatabaseTarget, home: Path, *, now: dt.datetime | None, slow: float) -> Any:
    import api.panel

    app = create_app(
        settings_for(target, home), target=target, run_migrations=False,
        clock=(lambda: now) if now is not None else None,
        provider=WordByWordProvider(slow) if slow > 0 else None,
        limits=ApiLimits(max_concurrent_runs_per_key=20, max_streams_per_key=20),
    )
    if not any(getattr(r, "path", "").startswith("/static") for r in app.routes):
        app.include_router(api.panel.router)
    return app


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True, help="SQLAlchemy URL of the database (demo data loaded)")
    p.add_argument("--conninfo", required=True)
    p.add_argument("--home", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--slow", type=float, default=0.0, help="seconds between streamed words (0: offline default)")
    p.add_argument("--now", default=None, help="fixed clock, ISO 8601 (default: the wall clock)")
    a = p.parse_args()
    target = DatabaseTarget(sqlalchemy_url=a.url, conninfo=a.conninfo, embedded=False)
    now = dt.datetime.fromisoformat(a.now) if a.now else None
    engine = make_sync_engine(target)
    with Session(engine) as s, s.begin():
        created, _ = create_key(s, org_slug="demo", role="admin", name="browser-tests")
    engine.dispose()
    # The tests' API key (login links are one-time codes: the page fixture mints one per browser context).
    print(f"login: http://127.0.0.1:{a.port}/ key={created.key}", flush=True)
    uvicorn.run(build_app(target, Path(a.home), now=now, slow=a.slow), host="127.0.0.1", port=a.port,
                log_level="warning")


if __name__ == "__main__":
    main()
