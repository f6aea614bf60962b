"""A second uvicorn process for the cross-process stream tests: ``python -m tests.api.serve --url … --port …``."""

from __future__ import annotations

import argparse

import uvicorn

from api.app import create_app
from api.limits import ApiLimits
from store.db import DatabaseTarget
from tests.api.helpers import NOW, SlowProvider
from tests.conftest import settings_for


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--conninfo", required=True)
    p.add_argument("--home", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--slow", type=float, default=0.004)
    a = p.parse_args()
    target = DatabaseTarget(sqlalchemy_url=a.url, conninfo=a.conninfo, embedded=False)
    from pathlib import Path

    app = create_app(settings_for(target, Path(a.home)), target=target, run_migrations=False, clock=lambda: NOW,
                     provider=SlowProvider(a.slow) if a.slow > 0 else None,
                     limits=ApiLimits(max_concurrent_runs_per_key=50, max_streams_per_key=50))
    uvicorn.run(app, host="127.0.0.1", port=a.port, log_level="warning")


if __name__ == "__main__":
    main()
