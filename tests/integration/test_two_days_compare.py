""""<KPI> at <site> on <day> vs <day>": the two days' values side by side and the difference — not the first day
alone. On the bike workshops of test_moving_anything (Chainring Yard's turnaround jumps in the last 10 days)."""

from __future__ import annotations

import datetime as dt

from tests.integration.test_moving_anything import LAST, workshops


async def test_two_days_side_by_side(workshops):
    a, org_id = workshops
    before, after = LAST - dt.timedelta(days=20), LAST - dt.timedelta(days=2)
    r = await a.ask(org_id=org_id, question=f"repair turnaround at chainring yard on {before} vs {after}")
    line = next(x for x in r.answer.splitlines() if "Repair turnaround:" in x)
    assert f" {after} vs " in line and line.rstrip().split(" — ")[0].endswith(str(before)), line
    assert "worse (lower is better)" in line, line
