"""``opsgraph eval run|compare|list`` through the console entry point (opsgraph.cli:main), in subprocesses."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.evals.conftest import opsgraph


@pytest.fixture
def invoke(cli_env, monkeypatch):
    """The same commands in-process (no interpreter start-up): ``invoke(*args) -> (exit code, stdout, stderr)``."""
    from opsgraph.cli import app

    for k, v in cli_env.items():
        if k.startswith(("OPSGRAPH_", "DATABASE_URL")):
            monkeypatch.setenv(k, v)

    def run(*args: str):
        r = CliRunner().invoke(app, list(args))
        return r.exit_code, r.stdout, r.stderr

    return run

PASSING = """
description: out of scope
question: "What's the weather like in Paris tomorrow?"
tags: [easy, out-of-scope]
expect:
  route: []
  tools: []
  every_claim_cited: false
"""
PLANTED_FAILURE = """
description: a planted failure (expects a KPI analysis of the weather)
question: "What's the weather like in Paris tomorrow?"
tags: [easy, kpi]
expect:
  route: [kpi_analyst]
  facts:
    - kind: text
      value: sunny
"""


def _cases(tmp_path):
    d = tmp_path / "cases" / "cli"
    d.mkdir(parents=True)
    (d / "001_passing.yaml").write_text(PASSING)
    (d / "002_planted_failure.yaml").write_text(PLANTED_FAILURE)
    return tmp_path / "cases"


def test_eval_run_writes_reports_and_exits_nonzero_below_the_minimum(cli_env, tmp_path):
    cases = _cases(tmp_path)
    report = tmp_path / "out" / "report.md"
    r = opsgraph("eval", "run", "--cases-dir", str(cases), "--report", str(report), "--min-pass-rate", "0.9",
                 env=cli_env)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "1/2 passed (50.0%)" in r.stdout and "below --min-pass-rate 90%" in r.stderr
    assert "cli/002_planted_failure#0" in r.stderr  # failures are listed as they happen
    md, html = report.read_text(), report.with_suffix(".html").read_text()
    assert "### cli/002_planted_failure" in md and "| cli | 2 | 2 | 1 | 1 | 50.0% |" in md
    assert "cli/002_planted_failure" in html and "sunny" in html
    r = opsgraph("eval", "run", "--cases-dir", str(cases), "--tag", "out-of-scope", "--min-pass-rate", "0.9", env=cli_env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1/1 passed (100.0%)" in r.stdout


def test_eval_compare_shows_the_planted_regression(cli_env, invoke, offline_suite, planted_regression):
    a, b = str(offline_suite.outcome.eval_run_id), str(planted_regression.outcome.eval_run_id)
    r = opsgraph("eval", "compare", a, b, env=cli_env)
    assert r.returncode == 0, r.stdout + r.stderr
    n = len(planted_regression.stored.items)
    assert f"Regressed: {n}" in r.stdout and "Improved: none" in r.stdout
    for item in planted_regression.stored.items:
        assert item.case_id in r.stdout
    assert invoke("eval", "compare", a[:8], b[:8], "--fail-on-regression")[0] == 1
    code, out, _ = invoke("eval", "compare", b, a, "--json")
    data = json.loads(out)
    assert code == 0 and len(data["improved"]) == n and not data["regressed"]


def test_eval_run_without_the_demo_data_says_so(seedless_env):
    r = opsgraph("eval", "run", "--suite", "out_of_scope", env=seedless_env)
    assert r.returncode == 2
    assert "run `opsgraph seed` first" in r.stderr


def test_bad_arguments_and_the_other_commands(cli_env, invoke):
    code, _, err = invoke("eval", "run", "--suite", "nope")
    assert code == 2 and "unknown suite 'nope'" in err
    code, _, err = invoke("eval", "compare", "latest", "no-such-run")
    assert code == 2 and "not an evaluation run id" in err
    code, out, _ = invoke("eval", "list", "--tag", "injection")
    assert code == 0 and "injection/" in out
    r = opsgraph("--help", env=cli_env)  # the console script's entry point keeps every other command
    for command in ("serve", "seed", "import", "analyze", "ask", "keys", "db", "eval"):
        assert command in r.stdout
