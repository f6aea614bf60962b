"""Parse cost: question → QueryPlan (linking, time words, follow-ups) over the unit table's questions.

    .venv/bin/python -m bench.bench_parse          # timing
    .venv/bin/python -m bench.bench_parse --tune   # the typo cutoff: table cases passed per cutoff

Target: p95 < 5 ms per question (the parser runs at the start of every turn).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `make bench` runs it as a script: tests/ importable

from agents.router import route
from tests.unit.test_understanding_cases import CASES, ORGS
from tests.unit.understanding_orgs import TODAY


def main(rounds: int = 5) -> dict[str, float]:
    for cat in ORGS.values():  # the per-run indexes are built once per run: build them outside the timing
        _ = (cat.phrases, cat.fuzzy_keys, cat.ids, cat.id_prefixes, cat.ids_squashed, cat.kpi_name_tokens,
             cat.kpi_words)
    times: list[float] = []
    for _ in range(rounds):
        for org, question, _exp in CASES:
            t0 = time.perf_counter()
            route(question, {}, ORGS[org], TODAY, None)
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    out = {"questions": len(CASES), "p50_ms": statistics.median(times), "p95_ms": times[int(len(times) * 0.95)],
           "max_ms": times[-1]}
    print(f"parse: {out['questions']} questions × {rounds}: p50 {out['p50_ms']:.2f} ms, p95 {out['p95_ms']:.2f} ms, "
          f"max {out['max_ms']:.1f} ms")
    return out


def tune(cutoffs: tuple[float, ...] = (70, 75, 78, 80, 82, 84, 86, 88, 90, 95)) -> dict[float, int]:
    """How many table cases pass at each rapidfuzz cutoff (the dev set FUZZY_CUTOFF was chosen on)."""
    from agents.understanding import linking
    from tests.unit.test_understanding_cases import _check, _plan

    saved, out = linking.FUZZY_CUTOFF, {}
    try:
        for c in cutoffs:
            linking.FUZZY_CUTOFF = c
            ok = 0
            for org, question, exp in CASES:
                try:
                    _check(_plan(org, question, exp.get("prior")), exp)
                    ok += 1
                except AssertionError:
                    pass
            out[c] = ok
            print(f"cutoff {c:>5}: {ok}/{len(CASES)}")
    finally:
        linking.FUZZY_CUTOFF = saved
    return out


if __name__ == "__main__":
    import sys

    tune() if "--tune" in sys.argv else main()
