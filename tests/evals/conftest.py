"""Fixtures of the evaluation tests: the whole offline suite run once, and a run with a planted regression."""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from typing import Any

import pytest

from agents.providers.offline import OfflineProvider
from tests.conftest import ARTIFACTS, REPO

LATEST_REPORT = ARTIFACTS / "evals" / "latest.md"
COMMITTED_REPORT = REPO / "docs" / "evals" / "latest.md"  # the last run committed (regenerated into docs/ by hand)


@dataclass
class SuiteRun:
    outcome: Any  # evals.runner.EvalOutcome
    stored: Any  # store.evals.StoredRun
    seconds: float


class CitationDroppingProvider(OfflineProvider):
    """The planted regression: the same answers with every evidence citation stripped."""

    async def compose(self, state, deps):
        return re.sub(r" ?\[E:\d+\]", "", await super().compose(state, deps))


async def _run(demo, cases, provider=None):
    from agents.service import Assistant
    from evals.runner import RunOptions, eval_clock, run_evaluation
    from store.evals import load_eval_run

    now = eval_clock(demo.manifest)
    assistant = await Assistant.open(demo.settings, demo.target, clock=lambda: now, provider=provider)
    t0 = time.monotonic()
    try:
        outcome = await run_evaluation(assistant, org_id=demo.org_id, cases=cases, manifest=demo.manifest,
                                       options=RunOptions(concurrency=2))
        stored = await load_eval_run(assistant.sessions, demo.org_id, outcome.eval_run_id)
    finally:
        await assistant.close()
    return SuiteRun(outcome, stored, time.monotonic() - t0)


@pytest.fixture(scope="session")
def committed_verdicts() -> dict[tuple[str, int], bool]:
    """Each item's verdict in the committed report, read before this session's run can overwrite it (a run with
    ``OPSGRAPH_TEST_ARTIFACTS=docs`` writes the new report over it)."""
    from evals.compare import report_verdicts

    return report_verdicts(COMMITTED_REPORT.read_text(encoding="utf-8")) if COMMITTED_REPORT.exists() else {}


@pytest.fixture(scope="session")
async def offline_suite(demo, committed_verdicts):
    """Every case, offline provider, demo clock; the report lands in $OPSGRAPH_TEST_ARTIFACTS/evals/latest.md."""
    from evals.models import load_cases
    from evals.report import render_markdown

    run = await _run(demo, load_cases())
    LATEST_REPORT.parent.mkdir(parents=True, exist_ok=True)
    LATEST_REPORT.write_text(render_markdown(run.stored), encoding="utf-8")
    print(f"\noffline evaluation suite: {run.outcome.n_items} items in {run.seconds:.1f} s, "
          f"pass rate {run.outcome.pass_rate:.1%} (report: {LATEST_REPORT})")
    return run


@pytest.fixture(scope="session")
async def planted_regression(demo, offline_suite):
    """A few cases that passed in the full run, run again with citations stripped from the answers."""
    from evals.models import load_cases

    verdicts: dict[str, list[bool]] = {}
    for i in offline_suite.stored.items:
        if i.suite in ("kpi", "changes", "reports"):
            verdicts.setdefault(i.case_id, []).append(i.passed)
    passing = sorted(k for k, v in verdicts.items() if all(v))  # every variant passed in the full run
    keys = [*passing[:2], *[k for k in passing if k.startswith("changes/")][:2],
            *[k for k in passing if k.startswith("reports/")][:2]]
    cases = [c for c in load_cases() if c.key in set(keys)]
    return await _run(demo, cases, provider=CitationDroppingProvider())


@pytest.fixture
def cli_env(demo, tmp_path) -> dict[str, str]:
    """Environment for ``opsgraph`` subprocesses: the test database and a home holding the demo manifest."""
    home = tmp_path / "home"
    (home / "demo").mkdir(parents=True)
    (home / "demo" / "manifest.json").write_text(json.dumps(demo.manifest))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPSGRAPH_", "OPENAI_"))}
    env.update(DATABASE_URL=demo.target.sqlalchemy_url, OPSGRAPH_HOME=str(home), OPSGRAPH_LLM="offline",
               OPSGRAPH_EMBEDDINGS="hash", COLUMNS="200", NO_COLOR="1", PYTHONPATH=str(REPO))
    return env


def opsgraph(*args: str, env: dict[str, str], timeout: float = 120):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "opsgraph", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture
def seedless_env(cli_env, tmp_path) -> dict[str, str]:
    empty = tmp_path / "empty-home"
    empty.mkdir()
    return {**cli_env, "OPSGRAPH_HOME": str(empty)}


