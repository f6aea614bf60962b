"""The ``opsgraph`` console script: the one composition root.

* :data:`app` is the typer app of :mod:`api.cli` (serve, worker, ask, seed, import, …) with the
  evaluation commands of :mod:`evals.cli` added as ``opsgraph eval …``.
* :func:`main` runs it with a :class:`api.cli.CliOptions` that says how ``opsgraph serve`` builds the
  service: :func:`create_app`, i.e. :func:`api.app.create_app` with the evaluation launcher handed in
  (``create_app(eval_launcher=…)``) and the evaluation-run job registered on its job app
  (``create_app(job_registrars=…)``; ``opsgraph worker`` gets the same registrars). Nothing is monkeypatched and no lifespan is wrapped.
* ``opsgraph seed`` (and the first ``serve``) load the demo through :func:`seed_demo`
  (:func:`demo.seed.seed_demo`).
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


def register_eval_jobs(app: Any) -> None:
    """Job registrar: the evaluation-run task (``opsgraph.evals.run``) on the service's job app."""
    from evals.launcher import register

    register(app)


JOB_REGISTRARS = (register_eval_jobs,)


def create_app(*args: Any, **kwargs: Any) -> Any:
    """:func:`api.app.create_app` with the evaluation launcher (unless ``eval_launcher=`` is given) and the
    evaluation-run job registered on its job app (its in-process worker executes evaluations)."""
    from api.app import create_app as build

    kwargs.setdefault("eval_launcher", eval_launcher())
    kwargs["job_registrars"] = (*JOB_REGISTRARS, *kwargs.get("job_registrars", ()))
    return build(*args, **kwargs)


def seed_demo(settings: Any, target: Any, **kwargs: Any) -> Any:
    """``opsgraph seed`` / first ``serve``: :func:`demo.seed.seed_demo` with the service's embedder, the
    manifest written under its home."""
    from demo.seed import manifest_path
    from demo.seed import seed_demo as seed
    from tools.embeddings import make_embedder

    return seed(target.conninfo, embedder=make_embedder(settings), manifest_file=manifest_path(settings.home),
                **kwargs)


OPTIONS = CliOptions(create_app=create_app, seed_demo=seed_demo, job_registrars=JOB_REGISTRARS)


def main() -> None:
    app(obj=OPTIONS)


if __name__ == "__main__":
    main()
