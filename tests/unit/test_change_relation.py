"""'Is/was <symptom> related to / due to / caused by <change>?' and 'did <change> hurt <KPI>?': a yes/no about THAT
change — found by its id, its key's last part as typed ("DRYER_MAX_TEMP_C", "purgeIntervalSec"), a word of a
camelCase key ("the purge interval change") or its service's version — answered first, from its day against the
KPI's shift onset and the KPI the days before against after. On a grain-silo cooperative built here."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from agents.router import route
from agents.specialists.kpi_effect import effect_verdict
from agents.understanding.catalog import Catalog

TODAY = dt.date(2027, 4, 20)


def _catalog() -> Catalog:
    return Catalog(
        stations={"NFD": "Northfield Silo", "ELM": "Elm Creek Silo"}, regions={"PL": "Plains"},
        kpis={"MOIST_REJ_PCT": ["Moisture rejects %", "moisture rejects", "rejected loads"],
              "DRY_TPH": ["Drying throughput", "tonnes dried"]},
        services=["dryer-ctl", "scale-gw"], incidents=[],
        station_regions={"NFD": "PL", "ELM": "PL"}, kpi_higher_is_better={"MOIST_REJ_PCT": False, "DRY_TPH": True},
        deployments=["DR-501", "DR-502"], config_changes=["GC-71", "GC-72"],
        config_keys={"dryer.burner.DRYER_MAX_TEMP_C": "GC-71", "dryer.fan.purgeIntervalSec": "GC-72"},
        deployment_versions={"3.8.0": "DR-501", "3.9.1": "DR-502"},
        change_services={"DR-501": ("dryer-ctl", dt.date(2027, 4, 2)), "DR-502": ("scale-gw", dt.date(2027, 4, 9)),
                         "GC-71": ("dryer-ctl", dt.date(2027, 4, 5)), "GC-72": ("dryer-ctl", dt.date(2027, 4, 12))},
        kpi_services={"MOIST_REJ_PCT": ["dryer-ctl"]},
        config_history={"dryer.burner.DRYER_MAX_TEMP_C": [("GC-71", "85")],
                        "dryer.fan.purgeIntervalSec": [("GC-72", "240")]},
    )


def _plan(q: str):  # type: ignore[no-untyped-def]
    r = route(q, {}, _catalog(), TODAY, None)
    assert r.query is not None
    return r.query


@pytest.mark.parametrize(("q", "ext"), [
    ("did lowering DRYER_MAX_TEMP_C hurt moisture rejects?", "GC-71"),  # a key's last part, as typed
    ("is the moisture rejects increase related to the purge interval change?", "GC-72"),  # a camelCase key's words
    ("is the moisture rejects increase due to the purgeIntervalSec change?", "GC-72"),
    ("was the rise in moisture rejects caused by GC-72?", "GC-72"),
    ("did GC-72 cause the moisture rejects jump?", "GC-72"),
    ("is the moisture rejects jump related to the dryer-ctl 3.8.0 deploy?", "DR-501"),  # a version
    ("are rejected loads linked to the purge interval change?", "GC-72"),
])
def test_a_relation_to_a_named_change_is_that_changes_effect(q: str, ext: str) -> None:
    p = _plan(q)
    day = _catalog().change_services[ext][1]
    assert p.operation == "explain" and p.kpis == ["MOIST_REJ_PCT"], (q, p.model_dump(exclude_defaults=True))
    assert f"change:effect:{ext}:{day}" in p.notes, (q, p.notes)  # before: a change log, or the KPI alone


def test_a_service_metric_related_to_a_deploy_is_that_metric_either_side() -> None:
    p = _plan("is the dryer-ctl p99 jump related to the 3.8.0 deploy?")
    assert p.subjects.deployments == ["DR-501"] and "change:metric" in p.notes, p.model_dump(exclude_defaults=True)


def test_why_with_a_change_named_still_ranks_the_changes() -> None:
    p = _plan("was the GC-72 change the reason moisture rejects rose?")
    assert p.operation == "explain" and not any(n.startswith("change:effect:") for n in p.notes), p.notes


def _series(onset: dt.date | None) -> SimpleNamespace:
    shift = None if onset is None else SimpleNamespace(kind="level", onset=onset, direction="up", bad=True)
    return SimpleNamespace(shift=shift, kpi=SimpleNamespace(name="Moisture rejects %"),
                           scope=SimpleNamespace(label="company"))


def _found(day: dt.date, effect: str | None) -> dict[str, object]:
    return {"ext": "GC-72", "day": day, "effect": effect, "by": "1.20%"}


def test_a_change_after_the_move_began_is_no() -> None:
    v = effect_verdict("is the moisture rejects increase related to the purge interval change?",
                       _series(dt.date(2027, 4, 8)), _found(dt.date(2027, 4, 12), "worse"), "on dryer-ctl, ")
    assert v is not None and v.startswith("No — GC-72 (on dryer-ctl, 2027-04-12) came 4 days after"), v


def test_worse_beyond_noise_at_the_onset_is_yes() -> None:
    v = effect_verdict("did the purge change hurt moisture rejects?", _series(dt.date(2027, 4, 12)),
                       _found(dt.date(2027, 4, 12), "worse"), "")
    assert v is not None and v.startswith("Yes — Moisture rejects % at company was worse after GC-72") and (
        "the same day" in v), v


def test_no_clear_change_is_no_and_better_is_no() -> None:
    v = effect_verdict("did GC-72 hurt moisture rejects?", _series(None), _found(dt.date(2027, 4, 12), None), "")
    assert v is not None and v.startswith("No — ") and "no clear change" in v, v
    v = effect_verdict("did GC-72 hurt moisture rejects?", _series(None), _found(dt.date(2027, 4, 12), "better"), "")
    assert v is not None and v.startswith("No — ") and "better, not worse" in v, v


def test_a_change_days_before_the_move_cannot_tell() -> None:
    v = effect_verdict("is the rise related to GC-71?", _series(dt.date(2027, 4, 12)),
                       _found(dt.date(2027, 4, 5), "worse"), "")
    assert v is not None and v.startswith("Can't tell — "), v


def test_a_change_a_day_or_two_after_the_dated_onset_cannot_tell() -> None:
    v = effect_verdict("is the moisture rejects drop related to GC-72?", _series(dt.date(2027, 4, 10)),
                       _found(dt.date(2027, 4, 12), "worse"), "")
    assert v is not None and v.startswith("Can't tell — ") and "2 day(s) before it" in v, v


def test_a_version_written_like_a_date_is_the_release() -> None:
    cat = _catalog()
    cat.deployment_versions["2.8.11"] = "DR-502"
    r = route("was the moisture rejects jump due to the scale-gw 2.8.11 deploy?", {}, cat, TODAY, None)
    assert r.query is not None and r.query.subjects.deployments == ["DR-502"], r.query
    assert r.query.window is None or r.query.window.start.year == TODAY.year, r.query.window  # before: 8 Feb 2011


def test_a_fix_after_a_shift_still_on_did_not_help() -> None:
    v = effect_verdict("did GC-72 help moisture rejects?", _series(dt.date(2027, 4, 8)),
                       _found(dt.date(2027, 4, 12), "worse"), "")
    assert v is not None and v.startswith("No — ") and "no improvement since" in v, v  # not "worse after it"
