"""The CLI starts at once: what `opsgraph --help` and `opsgraph ask` import, read from the real processes (a
tiny harness runs the console script's ``main`` and writes ``sys.modules`` at exit), on the demo and on a
second organisation.

No wall-time assertion (it would flake on a loaded machine): the guard is the import set, the figures are in
docs/benchmarks.md (bench/bench_cli.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agents.registry import REGISTRY
from tests.conftest import DEMO_ANCHOR, REPO
from tests.integration import org2 as o2
from tests.integration.org2 import org2_db  # pytest fixture

# Never needed to print help or to answer one question from the shell.
NEVER = ("langchain_openai", "openai", "slack_bolt", "slack_sdk", "plotly", "fastapi", "uvicorn", "starlette", "mcp",
         "sklearn", "scipy", "evals.launcher", "demo")
# The service stack: not for --help.
SERVICE = ("langgraph", "langchain_core", "sqlalchemy", "alembic", "pandas", "numpy", "procrastinate", "pgserver",
           "agents", "tools")
# The console script's main(), then the names in sys.modules written to argv[1] when the process exits.
HARNESS = """
import atexit, json, sys
where = sys.argv.pop(1)
atexit.register(lambda: open(where, "w").write(json.dumps(sorted(sys.modules))))
from opsgraph.cli import main
main()
"""


def _opsgraph(args: list[str], tmp: Path, env: dict[str, str] | None = None
              ) -> tuple[subprocess.CompletedProcess, set[str]]:
    base = {"PATH": "/usr/bin:/bin", "OPSGRAPH_LLM": "offline", "OPSGRAPH_EMBEDDINGS": "hash"}
    where = tmp / "modules.json"
    out = subprocess.run([sys.executable, "-c", HARNESS, str(where), *args], env=base | (env or {}), cwd=REPO,
                         capture_output=True, text=True, timeout=180)
    return out, set(json.loads(where.read_text()))


def _loaded(modules: set[str], package: str) -> list[str]:
    return sorted(m for m in modules if m == package or m.startswith(package + "."))


def test_help_imports_only_the_command_line(tmp_path):
    out, modules = _opsgraph(["--help"], tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "ask" in out.stdout and "serve" in out.stdout
    assert len(modules) > 100  # the harness sees the imports
    for package in NEVER + SERVICE:
        assert not _loaded(modules, package), (package, _loaded(modules, package)[:5])


def _ask_and_check(conninfo: str, home, org: str, question: str, as_of: str) -> dict:
    out, modules = _opsgraph(["ask", question, "--org", org, "--as-of", as_of, "--json"], home,
                             {"DATABASE_URL": conninfo, "OPSGRAPH_HOME": str(home)})
    assert out.returncode == 0, out.stderr[-3000:]
    record = json.loads(out.stdout)
    assert record["status"] == "completed" and record["answer"] and record["evidence"], record
    for package in NEVER:
        assert not _loaded(modules, package), (package, _loaded(modules, package)[:5])
    # the schema was already at head: one query, not alembic's script machinery
    assert not _loaded(modules, "alembic")
    route = set(record["route"])
    assert route, record
    for name, spec in REGISTRY.items():  # a specialist's module (and its tools) only when the plan routed to it
        assert (spec.path in modules) == (name in route), (name, route)
    return record


@pytest.mark.parametrize(("question", "specialist"), [
    ("compare parts fill rate between LAS and HOU last week", "kpi_analyst"),
    ("how many open tickets?", "ticket_triager"),
])
def test_ask_on_the_demo_imports_what_its_route_needs(demo, tmp_path, question, specialist):
    record = _ask_and_check(demo.target.sqlalchemy_url, tmp_path, "demo", question, DEMO_ANCHOR.isoformat())
    assert specialist in record["route"]


@pytest.mark.parametrize(("question", "specialist"), [
    ("compare pick accuracy between KRK1 and WRO2 last week", "kpi_analyst"),
    ("how many open tickets?", "ticket_triager"),
])
def test_ask_on_a_second_organisation_imports_what_its_route_needs(org2_db, tmp_path, question, specialist):
    target, org = org2_db
    record = _ask_and_check(target.sqlalchemy_url, tmp_path, o2.SLUG, question, o2.NOW.date().isoformat())
    assert specialist in record["route"]
    if specialist == "ticket_triager":  # the answer is the organisation's own count
        n = sum(1 for t in org.truth["tickets"] if t["status"] in ("new", "open", "pending"))
        assert f"There are {n} tickets" in record["answer"], record["answer"]
