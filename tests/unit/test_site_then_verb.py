"""A verb after a site's name ("at <site> stop restarting") is not glued onto the name as an unknown place."""
from __future__ import annotations

from agents.router import route
from agents.understanding.catalog import Catalog
from tests.unit.understanding_orgs import TODAY


def _boats() -> Catalog:
    st = {"QM": "Quillan Mere Marina", "OB": "Otterbourne Marina", "FB": "Fallowfield Boatyard",
          "SB": "Sallow Brook Boatyard"}
    return Catalog(
        stations=st, regions={"N": "North Basin"},
        kpis={"LIFT_UP_PCT": ["Boat lift uptime", "lift uptime", "hoist uptime"]},
        services=["berth-booker"], incidents=[], tickets=[], station_regions=dict.fromkeys(st, "N"),
        kpi_higher_is_better={"LIFT_UP_PCT": True})


def test_verb_then_gerund_after_site_is_not_part_of_its_name() -> None:
    for q, code in (("why did the hoists at quillan mere stop restarting?", "QM"),
                    ("why do the lifts at sallow brook keep tripping?", "SB")):
        r = route(q, {}, _boats(), TODAY, None)
        assert r.intent != "clarify" and r.query is not None, (q, r)
        assert not r.query.unknown, (q, r.query.unknown)
        assert [s.code for s in r.query.subjects.scopes] == [code], (q, r.query)
