"""The two start-up shortcuts of short commands, on a real server: the schema check is one query that agrees
with alembic, and a running embedded server is joined straight from its postmaster.pid."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from alembic.script import ScriptDirectory

from store import migrate
from store.db import running_embedded_server
from tests.conftest import REPO


def test_head_revisions_agree_with_alembic():
    assert migrate.head_revisions() == frozenset(ScriptDirectory(str(migrate.MIGRATIONS_DIR)).get_heads())


def test_head_revisions_follow_any_chain_and_merges(tmp_path):
    def rev(name: str, body: str) -> None:
        (tmp_path / f"{name}.py").write_text(f'"""{name}"""\nfrom alembic import op\n\n{textwrap.dedent(body)}\n')

    rev("a", 'revision: str = "aa01"\ndown_revision: str | None = None\n')
    rev("b", "revision = 'bb02'\ndown_revision = 'aa01'\n")
    rev("c", 'revision = "cc03"\ndown_revision = "aa01"\n')
    assert migrate.head_revisions(tmp_path) == {"bb02", "cc03"}  # two branches: two heads
    rev("d", 'revision = "dd04"\ndown_revision = ("bb02", "cc03")\n')
    assert migrate.head_revisions(tmp_path) == {"dd04"}  # merged
    rev("e", 'revision = make_id()\ndown_revision = "dd04"\n')
    assert migrate.head_revisions(tmp_path) is None  # not a literal: let alembic decide


def test_schema_check_is_one_query_and_alembic_runs_only_when_behind(fresh_db):
    target = fresh_db(migrated=False)
    assert not migrate.is_current(target)  # no alembic_version yet
    migrate.upgrade(target)
    assert migrate.is_current(target)
    (head,) = migrate.head_revisions()
    down = ScriptDirectory(str(migrate.MIGRATIONS_DIR)).get_revision(head).down_revision
    migrate.downgrade(target, down)
    assert not migrate.is_current(target) and migrate.current_revision(target) == down
    migrate.upgrade(target)  # behind: alembic brings it to head
    assert migrate.is_current(target) and migrate.current_revision(target) == head


def test_a_running_embedded_server_is_joined_without_pgserver(pg_server):
    if not pg_server.admin.embedded:
        pytest.skip("DATABASE_URL is set: no embedded server to join")
    assert running_embedded_server(pg_server.home) == pg_server.admin.conninfo
    holders = (pg_server.home / "pg" / ".handle_pids.json").read_text()
    code = ("import sys\nfrom store.db import resolve_database\nfrom store.settings import Settings\n"
            "t = resolve_database(Settings(), hold=False)\n"
            "print(t.conninfo, 'pgserver' in sys.modules)")
    env = {"PATH": "/usr/bin:/bin", "OPSGRAPH_HOME": str(pg_server.home)}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [pg_server.admin.conninfo, "False"]
    assert json.loads((pg_server.home / "pg" / ".handle_pids.json").read_text()) == json.loads(holders)


def test_no_running_server_means_no_shortcut(tmp_path):
    assert running_embedded_server(tmp_path) is None  # nothing there
    pg = tmp_path / "pg"
    pg.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    lines = [dead.stdout.strip(), str(pg), "1796057961", "5432", str(pg), "", "  2171013   1114174", "ready"]
    (pg / "postmaster.pid").write_text("\n".join(lines) + "\n")
    assert running_embedded_server(tmp_path) is None  # its postmaster is gone (a stale pid file)
    lines[0] = str(os.getpid())  # a live process, but no server on that socket
    (pg / "postmaster.pid").write_text("\n".join(lines) + "\n")
    assert running_embedded_server(tmp_path) is None
    lines[-1] = "starting"
    (pg / "postmaster.pid").write_text("\n".join(lines) + "\n")
    assert running_embedded_server(tmp_path) is None


_HOLDER = """
import sys
from pathlib import Path
from store.db import start_embedded_server
start_embedded_server(Path(sys.argv[1]))
print("up", flush=True)
sys.stdin.readline()
"""
_JOINER = """
import sys
from pathlib import Path
import psycopg
from store.db import running_embedded_server
uri = running_embedded_server(Path(sys.argv[1]))
print("joined" if uri else "none", flush=True)
sys.stdin.readline()
with psycopg.connect(uri) as conn:
    print("query", conn.execute("SELECT 41 + 1").fetchone()[0], flush=True)
"""


def test_a_joined_server_outlives_the_process_that_started_it(tmp_path):
    """Two short commands at once: the one that started the embedded server exits first; the one that joined it
    directly keeps working, and the server stops when the last of them exits (nothing left running)."""
    if os.environ.get("DATABASE_URL"):
        pytest.skip("DATABASE_URL is set: no embedded server")
    home = tmp_path / "home"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}

    def spawn(code: str) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-c", code, str(home)], cwd=REPO, env=env, text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    starter = spawn(_HOLDER)
    assert starter.stdout is not None and starter.stdout.readline().strip() == "up"
    joiner = spawn(_JOINER)
    try:
        assert joiner.stdout is not None and joiner.stdout.readline().strip() == "joined"
        starter.communicate("\n", timeout=60)  # the starter exits first
        assert starter.returncode == 0
        out, err = joiner.communicate("\n", timeout=60)
        assert joiner.returncode == 0, err
        assert out.split() == ["query", "42"]
    finally:
        for proc in (starter, joiner):
            if proc.poll() is None:
                proc.kill()
    pidfile = home / "pg" / "postmaster.pid"
    assert not pidfile.exists() or running_embedded_server(home) is None, "the last holder left the server running"
