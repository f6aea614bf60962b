"""Stop 15: ``opsgraph analyze`` (seasonal output) on files a careless user has: every value NaN / inf / 1e400 (the
infinite ones named by their line), an empty file, a header only, a spreadsheet formula, a column header with markup. Each is a one-line ``error: …`` with
a non-zero exit — never a Python traceback — or a normal analysis with the header printed as plain text."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "OPSGRAPH_LLM": "offline", "OPSGRAPH_EMBEDDINGS": "hash", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "opsgraph", "analyze", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=180)


DAYS = [f"2026-02-{d:02d}" for d in range(1, 29)]


@pytest.mark.parametrize(("text", "says"), [
    ("measured_on,silo_fill\n" + "".join(f"{d},{v}\n" for d, v in zip(DAYS, ["nan", "inf", "-inf", "1e400"] * 7,
                                                                          strict=True)),
     "line 3: silo_fill 'inf' is not a finite number"),  # inf among the values: refused by line (NaN is a gap)
    ("", "empty"),
    ("measured_on,silo_fill\n", "no data rows"),
    ("measured_on,silo_fill\n" + "".join(f"{d},=cmd|' /C calc'!A0\n" for d in DAYS), "no numeric column"),
])
@pytest.mark.parametrize("as_json", [False, True])
def test_unusable_files_are_a_one_line_error(tmp_path, text, says, as_json):
    path = tmp_path / "silo.csv"
    path.write_text(text)
    done = _run(str(path), *(["--json"] if as_json else []))
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    assert says in " ".join((done.stderr + done.stdout).split()), done.stderr


def test_a_header_with_markup_is_printed_as_written(tmp_path):
    path = tmp_path / "silo.csv"
    path.write_text("measured_on,[link=http://evil.example]fill[/link]\n"
                    + "".join(f"{d},{40 + (i % 7) * 3 + (12 if i > 18 else 0)}\n" for i, d in enumerate(DAYS)))
    done = _run(str(path), "--json")
    assert done.returncode == 0, done.stderr
    plain = _run(str(path))
    assert plain.returncode == 0 and "Traceback" not in plain.stderr
    assert "\x1b]8;" not in plain.stdout  # no terminal hyperlink escape from the data
