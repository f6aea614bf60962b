"""`opsgraph analyze` on a seasonal CSV: the cycle is found in the data, the shift is staged, and the user is told."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd

from tests.conftest import REPO


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "OPSGRAPH_LLM": "offline", "OPSGRAPH_EMBEDDINGS": "hash"}
    return subprocess.run([sys.executable, "-m", "opsgraph", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=180)


def test_analyze_stages_a_shift_under_an_hourly_cycle(tmp_path) -> None:
    """Kiln temperature readings per hour (office-hours load), 30 days, up 30 °C from hour 430."""
    rng = np.random.default_rng(21)
    t = np.arange(24 * 30)
    h = t % 24
    values = 640.0 + 30.0 * ((h >= 8) & (h < 18)) + 10.0 * np.exp(-((h - 12) ** 2) / 8.0) + rng.normal(0, 4, t.size)
    values[430:] += 30.0
    csv = tmp_path / "kiln.csv"
    stamps = pd.date_range("2026-03-01", periods=t.size, freq="h").strftime("%Y-%m-%dT%H:%M")
    pd.DataFrame({"reading_at": stamps, "kiln_c": values}).to_csv(csv, index=False)
    out = _run(["analyze", str(csv), "--json"])
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["seasonal_period"] == 24
    assert len(doc["stages"]) == 2 and abs(doc["stages"][1]["start"] - 430) <= 3
    table = _run(["analyze", str(csv)])
    assert table.returncode == 0 and "cycle repeating every 24 points" in table.stdout


def test_analyze_says_nothing_about_cycles_on_a_plain_series(tmp_path) -> None:
    rng = np.random.default_rng(4)
    csv = tmp_path / "plain.csv"
    pd.DataFrame({"day": pd.date_range("2026-01-01", periods=120).strftime("%Y-%m-%d"),
                  "queue_len": rng.normal(12.0, 1.5, 120)}).to_csv(csv, index=False)
    doc = json.loads(_run(["analyze", str(csv), "--json"]).stdout)
    assert doc["seasonal_period"] == 0 and len(doc["stages"]) == 1
    assert "cycle" not in _run(["analyze", str(csv)]).stdout
