"""The README's command blocks marked "tested by tests/integration/test_readme_examples.py" run as a newcomer
runs them: the block itself, line by line, in bash from the repository's root with the venv's ``opsgraph`` on
PATH, against a database of its own. Every line must succeed, and what it prints must be what the README says
(importing again changing nothing is tested in test_importers.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[2]
MARK = "<!-- tested by tests/integration/test_readme_examples.py"


def _blocks() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(re.escape(MARK) + r"[^\n]*\n```sh\n(.*?)\n```", text, re.S)


def _bash(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=900)


def test_every_import_example_in_the_readme_runs_as_written(fresh_db, tmp_path):
    blocks = [b for b in _blocks() if "opsgraph import" in b]
    assert len(blocks) == 1, "the README's tested import block is missing"
    block = blocks[0]
    target = fresh_db()
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "DATABASE_URL": target.sqlalchemy_url,
           "OPSGRAPH_HOME": str(tmp_path), "OPSGRAPH_LLM": "offline", "OPSGRAPH_EMBEDDINGS": "hash",
           "HOME": os.environ.get("HOME", str(tmp_path)), "COLUMNS": "200"}
    out = _bash(block, env)
    assert out.returncode == 0, out.stderr[-3000:]

    imports = [line for line in block.splitlines() if line.startswith("opsgraph import ")]
    files = {line.split()[3].removeprefix("$E/") for line in imports}
    shipped = {p.name for p in (REPO / "docs" / "import-examples").iterdir()}
    assert files == shipped, f"examples not in the README's block: {sorted(shipped - files)}"
    said = out.stdout + out.stderr
    assert said.count("Imported ") == len(imports), said
    assert "Created organisation 'acme'" in said and "Traceback" not in said
    assert "open" in out.stdout.lower() and "[E:" in out.stdout  # the closing question is answered from the data

    with psycopg.connect(target.conninfo) as conn:
        tables = ("stations", "kpi_points", "metric_points", "deployments", "config_changes", "tickets",
                  "incidents", "documents", "metric_roles")
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    assert all(n > 0 for n in counts.values()), counts

