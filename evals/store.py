"""Moved to :mod:`store.evals` (one home for the eval-run SQL and read model); this re-export keeps callers that
are not yet updated (``evals/cli.py``, ``evals/launcher.py``) working and can go once they import ``store.evals``."""

from store.evals import (  # noqa: F401
    EvalRunNotFound,
    ItemRow,
    ResultRow,
    StoredRun,
    create_eval_run,
    fail_stale_eval_runs,
    finish_eval_run,
    list_eval_runs,
    load_eval_run,
    read_eval_run,
    read_eval_runs,
    resolve_eval_run_id,
    save_results,
)
