"""Benchmark: how long the ``opsgraph`` console script takes to start (issue #18 item 8).

What is measured (wall time of a fresh process, as a user at a shell sees it):

* ``opsgraph --help`` — nothing but the command list. Target < 0.5 s.
* ``opsgraph ask QUESTION --as-of DATE`` — one chat turn on the demo data set with the embedded server
  already running (this process holds it, so each ``ask`` connects to it instead of starting it), offline
  provider, hash embeddings. Target < 1.5 s.
* ``python -c 'import <entry module>'`` — the import cost alone.

The demo data set is loaded once, untimed, with ``opsgraph seed`` into a scratch home.

    python bench/bench_cli.py [--runs 5] [--exe .venv/bin/opsgraph]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

QUESTION = "Which KPIs are out of control?"
AS_OF = "2026-11-20"


def timed(cmd: list[str], env: dict[str, str], runs: int) -> tuple[list[float], subprocess.CompletedProcess]:
    times: list[float] = []
    last = None
    for _ in range(runs):
        t0 = time.perf_counter()
        last = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=REPO)
        times.append(time.perf_counter() - t0)
        if last.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed ({last.returncode}):\n{last.stderr[-2000:]}")
    assert last is not None
    return times, last


def fmt(xs: list[float]) -> str:
    return f"median {statistics.median(xs):.2f} s, min {min(xs):.2f} s (n={len(xs)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--exe", default=str(REPO / ".venv" / "bin" / "opsgraph"), help="The console script.")
    args = parser.parse_args()

    from store.db import resolve_database, stop_embedded_server
    from store.settings import Settings

    home = Path(tempfile.mkdtemp(prefix="opsgraph-bench-cli-"))
    env = {**os.environ, "OPSGRAPH_HOME": str(home), "OPSGRAPH_LLM": "offline", "OPSGRAPH_EMBEDDINGS": "hash"}
    env.pop("DATABASE_URL", None)
    settings = Settings(OPSGRAPH_HOME=str(home), DATABASE_URL=None)
    resolve_database(settings)  # start the embedded server and hold it for the whole run
    try:
        seeded = subprocess.run([args.exe, "seed", "--anchor", AS_OF], env=env, capture_output=True, text=True)
        if seeded.returncode:
            raise SystemExit(f"opsgraph seed failed:\n{seeded.stderr[-2000:]}")
        python = str(Path(args.exe).parent / "python")
        script = Path(args.exe).read_text().splitlines()
        entry = next(line.split()[1] for line in script if line.startswith("from "))
        rows = [
            (f"import {entry}", timed([python, "-c", f"import {entry}"], env, args.runs)[0]),
            ("opsgraph --help", timed([args.exe, "--help"], env, args.runs)[0]),
        ]
        ask_times, out = timed([args.exe, "ask", QUESTION, "--as-of", AS_OF], env, args.runs)
        rows.append((f"opsgraph ask {QUESTION!r} --as-of {AS_OF}", ask_times))
        print(f"entry point {entry} ({args.exe}); last ask: {out.stdout.strip().splitlines()[-1][:100]}")
        print("| command | wall time |\n| --- | --- |")
        for name, xs in rows:
            print(f"| `{name}` | {fmt(xs)} |")
    finally:
        stop_embedded_server(home)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
