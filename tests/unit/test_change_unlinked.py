"""What ties a change to a KPI with no services recorded behind it (tools.changes.unlinked), and how a change whose
service's metrics stayed flat stands against one whose service's metrics moved (tools.changes.moved_first) — on a
library network's vocabulary (book returns, a self-checkout kiosk service, a catalogue search service)."""

from __future__ import annotations

import datetime as dt

from tools.changes import moved_first, scoring, unlinked
from tools.changes.candidates import _Candidate
from tools.changes.models import ConfigChangeInfo
from tools.changes.queries import _Node

AT = dt.datetime(2027, 2, 3, 22, 0, tzinfo=dt.UTC)
KPI = unlinked.kpi_words("RETURN_FAIL_PCT", "Book return failures", "%", ["kiosk return errors"])


def _config(ext: str, service: str, key: str, comovement: float | None = None) -> _Candidate:
    c = _Candidate("config_change", _Node(1, service, 0, []), AT,
                   config=ConfigChangeInfo(external_id=ext, service=service, key=key, changed_at=AT))
    c.comovement = comovement
    c.components = scoring.score_candidate(scoring.Features(minutes_before=60, distance=0, risk=1.0,
                                                            comovement=comovement), half_life_minutes=2880)
    return c


def test_kpi_words_are_stemmed_and_generic_words_dropped():
    assert {"book", "return", "failure", "kiosk", "error"} <= KPI
    assert not KPI & {"pct", "the"}
    assert unlinked.words("returnsScanning.timeout_ms") >= {"return", "scan", "timeout"}


def test_a_change_sharing_the_kpis_words_is_tied_and_one_with_only_its_timing_is_not():
    tied = _config("LIB-7", "kiosk-gateway", "returns.rfid_read_timeout_ms")
    untied = _config("LIB-8", "catalogue-search", "search.max_retries")
    assert unlinked.ties(tied, KPI, "", set())[0] == 1.0
    strength, why = unlinked.ties(untied, KPI, "Full-text search over the catalogue", set())
    assert strength == 0.0 and "nothing ties it to the KPI but its timing" in why
    assert unlinked.ties(untied, KPI, "", {"catalogue-search"})[0] == 1.0  # the service asked about
    by_desc = _config("LIB-9", "loans-core", "loans.grace_days")
    assert unlinked.ties(by_desc, KPI, "Handles book returns and renewals", set())[0] == unlinked.SERVICE_WORD_TIE
    before = untied.score.raw
    unlinked.weigh([tied, untied], KPI, {}, set())
    assert untied.score.raw == before * unlinked.UNTIED_SHARE and not scoring.is_plausible(untied.score.raw)
    assert tied.score.raw > 2 * untied.score.raw


def test_a_flat_change_stays_below_a_moved_one_no_further_away():
    raws = moved_first.moved_first([0.0, 1.0, None], [0.6, 0.5, 0.7], [0, 0, 0])
    assert raws == [0.5 * moved_first.FLAT_SHARE, 0.5, 0.7]  # no metrics (None): kept
    # a flat change on a service behind the KPI is not held below a dependency's that moved
    assert moved_first.moved_first([0.0, 1.0], [0.6, 0.5], [0, 1]) == [0.6, 0.5]


def test_an_hourly_service_gets_enough_points_around_a_change():
    before, after = moved_first.windows(dt.timedelta(hours=1))
    assert before >= 6 * dt.timedelta(hours=1) and after >= dt.timedelta(hours=1)
    assert moved_first.windows(dt.timedelta(minutes=1)) == moved_first.windows(dt.timedelta(0))  # the defaults
