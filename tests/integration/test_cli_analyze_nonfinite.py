"""``opsgraph analyze`` on a CSV holding an infinite value among finite ones (a meter export with ``inf`` where a
division by zero happened, a ``1e999`` overflow): refused with ``line N: reason`` naming the cell as written,
while empty and ``NaN`` cells stay gaps (missing values) and the rest is analysed. Before, the infinite value was
analysed silently (a "stage" of centre 2 over 5 points, the inf dropped without a word)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO


def _analyze(*args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "OPSGRAPH_LLM": "offline", "OPSGRAPH_EMBEDDINGS": "hash"}
    return subprocess.run([sys.executable, "-m", "opsgraph", "analyze", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=180)


def _series(cells: dict[int, str], n: int = 30) -> str:
    rows = ["reading_day;kiln_temp_c;kiln"]
    for i in range(n):
        rows.append(f"2026-03-{i + 1:02d};{cells.get(i, str(880 + (i * 7) % 5))};K{1 + i % 2}")
        if i == 3:
            rows.append("")  # a blank line: does not shift the line numbers reported
    return "\n".join(rows).replace(";", ",") + "\n"


def test_an_infinite_value_is_refused_with_its_line(tmp_path):
    f = tmp_path / "kiln.csv"
    f.write_text(_series({6: "inf", 12: "1e999", 20: "-Infinity"}), encoding="utf-8")
    out = _analyze(str(f), "--column", "kiln_temp_c", "--filter", "kiln=K1")
    assert out.returncode == 2
    err = " ".join(out.stderr.split())
    # rows 6, 12, 20 of the series are lines 9, 15, 23 of the file (header, and the blank line after row 3)
    assert "line 9: kiln_temp_c 'inf' is not a finite number" in err, err
    assert "line 15: kiln_temp_c '1e999' is not a finite number" in err, err
    assert "line 23: kiln_temp_c '-Infinity' is not a finite number" in err, err
    assert "leave the cell empty" in err and "Traceback" not in out.stderr


def test_empty_and_nan_cells_stay_gaps(tmp_path):
    f = tmp_path / "kiln.csv"
    f.write_text(_series({6: "", 12: "NaN"}), encoding="utf-8")
    out = _analyze(str(f), "--column", "kiln_temp_c", "--filter", "kiln=K1", "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["n_points"] == 15 and sum(s["n"] for s in doc["stages"]) == 13  # two K1 days without a value
