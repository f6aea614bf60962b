"""The README's configuration table, as a newcomer's shell meets it: every setting is read from the variable the
table names and from nothing else. A shell always has ``HOME``, often ``MODEL``, ``LLM`` or ``API_KEY`` (other
tools' variables); none of them may stand in for ``OPSGRAPH_HOME``, ``OPSGRAPH_MODEL``, ``OPSGRAPH_LLM`` or
``OPSGRAPH_API_KEY``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg

from tests.integration.import_support import cli, org_database

REPO = Path(__file__).resolve().parents[2]


def _opsgraph(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "opsgraph", *args], env=env, cwd=REPO, input="",
                          capture_output=True, text=True, timeout=300)


def test_without_opsgraph_home_the_demo_goes_under_the_documented_default_not_into_home(fresh_db, tmp_path):
    target = fresh_db()
    home = tmp_path / "newcomer"
    home.mkdir()
    env = {"DATABASE_URL": target.sqlalchemy_url, "HOME": str(home), "PATH": "/usr/bin:/bin",
           "OPSGRAPH_EMBEDDINGS": "hash", "LLM": "openai", "MODEL": "not-a-model"}
    out = _opsgraph(env, "seed", "--anchor", "2026-11-20")
    assert out.returncode == 0, out.stderr
    documented = home / ".local" / "share" / "opsgraph" / "demo" / "manifest.json"
    assert documented.is_file(), sorted(str(p.relative_to(home)) for p in home.rglob("*"))
    assert not (home / "demo").exists()
    # LLM / MODEL are not OPSGRAPH_LLM / OPSGRAPH_MODEL: the question is answered offline, from the data.
    asked = _opsgraph(env, "ask", "--as-of", "2026-11-20", "which stations do you have?")
    assert asked.returncode == 0, asked.stderr
    assert "DAL" in asked.stdout and "not-a-model" not in asked.stdout + asked.stderr


def test_mcp_acts_only_as_opsgraph_api_key_never_as_another_tools_api_key(fresh_db, tmp_path):
    target = org_database(fresh_db, ("harbour", "Harbour Pilots"))
    created = cli(target, tmp_path, "keys", "create", "--org", "harbour", "--role", "member")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    env = {"DATABASE_URL": target.sqlalchemy_url, "OPSGRAPH_HOME": str(tmp_path), "PATH": "/usr/bin:/bin",
           "OPSGRAPH_EMBEDDINGS": "hash", "OPSGRAPH_LLM": "offline"}
    borrowed = _opsgraph(env | {"API_KEY": key}, "mcp")
    assert borrowed.returncode == 2 and "OPSGRAPH_API_KEY is not set" in borrowed.stderr
    assert borrowed.stdout == "" and "Traceback" not in borrowed.stderr
    own = _opsgraph(env | {"OPSGRAPH_API_KEY": key}, "mcp")  # stdin closed at once: starts, then ends cleanly
    assert own.returncode == 0, own.stderr
    with psycopg.connect(target.conninfo) as conn:
        assert conn.execute("SELECT count(*) FROM api_keys").fetchone() == (1,)
