"""Which way a "why did X …?" asks about (agents.specialists.kpi_moves.asked_direction)."""

from __future__ import annotations

import pytest

from agents.specialists.kpi_moves import asked_direction


@pytest.mark.parametrize(("q", "hib", "way"), [
    ("why did deck load at the north slip drop?", True, "down"),
    ("why has berth occupancy fallen at Pier 9?", True, "down"),
    ("why did crossing delay jump?", False, "up"),
    ("why did crossing delay get worse?", False, "up"),
    ("why did deck load get worse?", True, "down"),
    ("why did fuel burn improve?", False, "down"),
    ("why did deck load change?", True, None),
    ("why did it go up and then down?", True, None),
])
def test_asked_direction(q, hib, way):
    assert asked_direction(q, hib) == way
