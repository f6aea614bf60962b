""""<KPI> on <day> vs <day>": both days, their span labelled "<a> vs <b>" with a day grain (the first and the last
compared) — before, the second day was dropped and the first answered alone."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.understanding.timewords import parse_time

TODAY = dt.date(2027, 2, 10)  # a Wednesday


@pytest.mark.parametrize(("question", "a", "b"), [
    ("washes at quayside on 2027-02-01 vs 2027-02-03", dt.date(2027, 2, 1), dt.date(2027, 2, 3)),
    ("dryer uptime 3 feb vs 7 feb", dt.date(2027, 2, 3), dt.date(2027, 2, 7)),
    ("washes jan 30 compared to feb 6", dt.date(2027, 1, 30), dt.date(2027, 2, 6)),
    ("washes monday vs wednesday", dt.date(2027, 2, 3), dt.date(2027, 2, 8)),
])
def test_two_days_against_each_other(question: str, a: dt.date, b: dt.date) -> None:
    w = parse_time(question, TODAY).window
    assert w is not None and (w.start, w.end, w.grain, w.single_day) == (a, b, "day", False), w
    assert w.label == f"{a} vs {b}"


def test_one_day_and_ranges_are_unchanged() -> None:
    assert parse_time("washes on 2027-02-01", TODAY).window.single_day  # type: ignore[union-attr]
    w = parse_time("washes from 1 feb to 5 feb", TODAY).window
    assert w is not None and " vs " not in w.label and (w.start, w.end) == (dt.date(2027, 2, 1), dt.date(2027, 2, 5))
