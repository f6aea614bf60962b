"""Benchmark: how long the ``opsgraph`` console script takes to start (issue #18 item 8).

What is measured, for a fresh process as a user at a shell runs it — wall time, and the process's CPU time
(user + system, from the kernel), which a busy machine inflates far less than the wall time:

* ``opsgraph --help`` — nothing but the command list. Target < 0.5 s.
* ``opsgraph ask QUESTION --as-of DATE`` — one chat turn on the demo data set with the embedded server already
  running (this process holds it, so each ``ask`` joins it), offline provider, hash embeddings; once for a
  question the coordinator answers itself and once for a KPI question the KPI analyst answers (its tools bring
  pandas). Target < 1.5 s.
* Reference rows measured in the same run, whose cost does not depend on opsgraph's code: the interpreter
  (``python -c pass``) and one third-party import (``python -c "import langgraph.graph"``). They say how loaded
  the machine was: compare their figures across runs before comparing the ``opsgraph`` rows.
* ``--before-tree DIR`` (e.g. ``mkdir DIR && git archive <commit> | tar -x -C DIR``): the same commands run from that source
  tree too (``python -m opsgraph`` with ``PYTHONPATH=DIR``), interleaved with the current tree's, so before and
  after are measured under the same load.

All rows are measured round-robin (one run of each, then again), so load that comes and goes hits them alike.
The demo data set is loaded once, untimed, with ``opsgraph seed`` into a scratch home.

    python bench/bench_cli.py [--runs 7] [--exe .venv/bin/opsgraph] [--before-tree DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

AS_OF = "2026-11-20"
QUESTIONS = {
    "answered by the coordinator": "Which KPIs are out of control?",
    "KPI analyst": "Is maintenance delay minutes in control over the last 8 weeks?",
}


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_once(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, subprocess.CompletedProcess]:
    c0, t0 = _cpu(), time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=cwd)
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    if out.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stderr[-2000:]}")
    return wall, cpu, out


def fmt(xs: list[float]) -> str:
    return f"{statistics.median(xs):.2f} s (min {min(xs):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--exe", default=str(REPO / ".venv" / "bin" / "opsgraph"), help="The console script.")
    parser.add_argument("--before-tree", type=Path, help="Also run the commands from this source tree.")
    args = parser.parse_args()

    from store.db import resolve_database, stop_embedded_server
    from store.settings import Settings

    python = str(Path(args.exe).parent / "python")
    home = Path(tempfile.mkdtemp(prefix="opsgraph-bench-cli-"))
    env = {**os.environ, "OPSGRAPH_HOME": str(home), "OPSGRAPH_LLM": "offline", "OPSGRAPH_EMBEDDINGS": "hash"}
    env.pop("DATABASE_URL", None)
    env.pop("PYTHONPATH", None)
    resolve_database(Settings(OPSGRAPH_HOME=str(home), DATABASE_URL=None))  # start the server, hold it throughout
    try:
        seeded = subprocess.run([args.exe, "seed", "--anchor", AS_OF], env=env, capture_output=True, text=True)
        if seeded.returncode:
            raise SystemExit(f"opsgraph seed failed:\n{seeded.stderr[-2000:]}")
        rows: list[tuple[str, list[str], dict[str, str], Path]] = [
            ("`python -c pass` (reference)", [python, "-c", "pass"], env, REPO),
            ("`python -c \"import langgraph.graph\"` (reference)", [python, "-c", "import langgraph.graph"], env,
             REPO),
            ("`opsgraph --help`", [args.exe, "--help"], env, REPO),
        ]
        for label, q in QUESTIONS.items():
            rows.append((f"`opsgraph ask {q!r}` ({label})", [args.exe, "ask", q, "--as-of", AS_OF], env, REPO))
        if args.before_tree:
            tree = args.before_tree.resolve()
            before_env = {**env, "PYTHONPATH": str(tree)}
            base = [python, "-m", "opsgraph"]
            rows.append((f"before ({tree.name}): `--help`", [*base, "--help"], before_env, tree))
            for label, q in QUESTIONS.items():
                rows.append((f"before ({tree.name}): `ask` ({label})", [*base, "ask", q, "--as-of", AS_OF],
                             before_env, tree))
        for _, cmd, e, cwd in rows:  # warm the page cache and .pyc files, untimed
            run_once(cmd, e, cwd)
        load0 = os.getloadavg()
        walls: dict[str, list[float]] = {r[0]: [] for r in rows}
        cpus: dict[str, list[float]] = {r[0]: [] for r in rows}
        last = {}
        for _ in range(args.runs):
            for name, cmd, e, cwd in rows:
                wall, cpu, out = run_once(cmd, e, cwd)
                walls[name].append(wall)
                cpus[name].append(cpu)
                last[name] = out
        load1 = os.getloadavg()
        print(f"{os.cpu_count()} CPUs; load average {load0[0]:.2f} → {load1[0]:.2f} (1 min); n={args.runs} per row; "
              f"Python {sys.version.split()[0]}; entry {args.exe}")
        for name, out in last.items():
            if "ask" in name and "before" not in name:
                print(f"  {name}: {out.stdout.strip().splitlines()[-1][:110]}")
        print("\n| command | wall, median (min) | CPU user+sys, median (min) |\n| --- | --- | --- |")
        for name, *_ in rows:
            print(f"| {name} | {fmt(walls[name])} | {fmt(cpus[name])} |")
    finally:
        stop_embedded_server(home)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
