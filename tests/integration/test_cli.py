"""The CLI as a user runs it: `analyze` on a CSV, `ask` with streamed steps and --json."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd

from tests.conftest import REPO


def _run(args, env=None, timeout=180):
    base = {"PATH": "/usr/bin:/bin", "OPSGRAPH_LLM": "offline", "OPSGRAPH_EMBEDDINGS": "hash"}
    return subprocess.run([sys.executable, "-m", "opsgraph", *args], env=base | (env or {}), cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


def test_analyze_prints_stages_and_signals_as_json(tmp_path):
    rng = np.random.default_rng(3)
    values = np.r_[rng.normal(50, 1, 60), rng.normal(56, 1, 40)]
    values[80] = 70  # a spike inside the second stage
    csv = tmp_path / "series.csv"
    pd.DataFrame({"date": pd.date_range("2026-01-01", periods=100).strftime("%Y-%m-%d"), "calls": values}).to_csv(csv, index=False)
    out = _run(["analyze", str(csv), "--json"])
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["stages"][0]["start"] == 0 and len(doc["stages"]) == 2
    assert abs(doc["stages"][1]["start"] - 60) <= 3
    assert {"start", "end", "cl", "ucl", "lcl"} <= set(doc["stages"][0])
    spike = [s for s in doc["signals"] if s["index"] == 80]
    assert spike and spike[0]["state"] == "critical" and spike[0]["rule"]
    table = _run(["analyze", str(csv)])
    assert table.returncode == 0 and "Stages" in table.stdout and "Signals" in table.stdout


def test_analyze_errors_name_the_problem(tmp_path):
    missing = _run(["analyze", str(tmp_path / "nope.csv")])
    assert missing.returncode == 2 and "nope.csv" in missing.stderr
    csv = tmp_path / "s.csv"
    csv.write_text("date,value\n2026-01-01,1\n2026-01-02,2\n2026-01-03,3\n")
    wrong = _run(["analyze", str(csv), "--column", "calls"])
    assert wrong.returncode == 2 and "calls" in wrong.stderr and "value" in wrong.stderr


def test_ask_streams_steps_and_prints_the_run_record(demo, tmp_path):
    env = {"DATABASE_URL": demo.target.sqlalchemy_url, "OPSGRAPH_HOME": str(tmp_path)}
    inc = demo.manifest["incidents"][0]
    out = _run(["ask", f"What caused {inc['external_id']}?"], env)
    assert out.returncode == 0, out.stderr
    assert "▶ change_correlator" in out.stderr and "✓ correlate_changes" in out.stderr
    assert inc["cause"]["external_id"] in out.stdout and "[E:" in out.stdout
    thread = out.stdout.split("thread ")[1].split()[0]

    record = _run(["ask", "and what about the runbook for it?", "--thread", thread, "--json"], env)
    doc = json.loads(record.stdout)
    assert doc["thread_id"] == thread and doc["status"] in ("completed", "failed")
    assert {"steps", "tool_calls", "evidence", "prompt_tokens", "cost_usd"} <= set(doc)

    bad = _run(["ask", "hello", "--thread", "not-a-uuid"], env)
    assert bad.returncode == 2 and "not a thread id" in bad.stderr
