"""The ``opsgraph`` console script: the one composition root.

* :data:`app` is the typer app of :mod:`api.cli` (serve, worker, ask, seed, import, …) with the
  evaluation commands of :mod:`evals.cli` added as ``opsgraph eval …``.
* :func:`main` runs it with a :class:`api.cli.CliOptions` that says how ``opsgraph serve`` builds the
  service: :func:`create_app`, i.e. :func:`api.app.create_app` with the evaluation launcher handed in
  (``create_app(eval_launcher=…)``). Nothing is monkeypatched and no lifespan is wrapped.
* :func:`create_app` is also the factory for ``uvicorn --factory opsgraph.cli:create_app``.

Every heavy import (the API app, LangGraph, Slack, the evaluation runner) happens inside the command that
needs it, so ``opsgraph --help`` only loads typer and rich.
"""

from __future__ import annotations

from typing import Any

from api.cli import CliOptions, app
from evals.cli import eval_app

app.add_typer(eval_app, name="eval")


def eval_launcher() -> Any:
    """A new evaluation launcher (``POST /api/evals/runs``) for one app."""
    from evals.launcher import Launcher

    return Launcher()


def create_app(*args: Any, **kwargs: Any) -> Any:
    """:func:`api.app.create_app` with the evaluation launcher (unless ``eval_launcher=`` is given)."""
    from api.app import create_app as build

    kwargs.setdefault("eval_launcher", eval_launcher())
    return build(*args, **kwargs)


def main() -> None:
    app(obj=CliOptions(create_app=create_app))


if __name__ == "__main__":
    main()
