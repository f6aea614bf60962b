""""How many <things> are there?" counts in words a person writes: one is "There is 1 service", not "1 services"."""

from __future__ import annotations

import pytest

from agents.understanding.catalog import Catalog
from agents.understanding.cues import catalog_answer


def _cat(services: list[str]) -> Catalog:
    return Catalog(stations={}, regions={}, kpis={}, services=services, incidents=[], tickets=[])


@pytest.mark.parametrize(("services", "head"), [
    (["quay-gate"], "There is 1 service."),
    (["quay-gate", "berth-planner"], "There are 2 services."),
])
def test_how_many_services(services, head):
    ans = catalog_answer("how many services are there?", _cat(services))
    assert ans is not None and ans.startswith(head) and all(s in ans for s in services), ans
