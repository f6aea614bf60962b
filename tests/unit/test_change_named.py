"""Which change an incident's own record names (tools.changes.named) and how a named change ranks
(tools.changes.scoring): a config key in any of its spellings, a version, an id — and no ordinary word or number."""

from __future__ import annotations

from tools.changes import named, scoring


def _texts(summary: str, **extra: object) -> list[tuple[str, str]]:
    return named.record_texts("Holds lapsing at the Eastgate branch", summary, extra)


def test_a_key_is_named_whatever_its_separators_and_case():
    for written in ("after HOLDS_PICKUP_WINDOW_DAYS was lowered", "after holds.pickupWindowDays was lowered",
                    "after the holds-pickup-window-days change", "after holdsPickupWindowDays went to 3"):
        for key in ("holds.pickupWindowDays", "HOLDS_PICKUP_WINDOW_DAYS", "holds_pickup_window_days"):
            assert named.named_by(_texts(written), external_id="QX-1", key=key) == f"summary: {key}", (written, key)


def test_a_single_word_key_needs_to_be_written_as_it_is_and_not_be_a_common_word():
    assert named.named_by(_texts("the timeout was hit again"), external_id="QX-1", key="timeout") is None
    assert named.named_by(_texts("after maxconnections was halved"), external_id="QX-1",
                          key="maxConnections") == "summary: maxConnections"
    # a key's words inside a longer one are not that key
    assert named.named_by(_texts("after pickup.window was raised"), external_id="QX-1",
                          key="holds.pickupWindowDays") is None


def test_a_version_is_named_as_a_release_not_as_a_number():
    assert named.named_by(_texts("After reader app 4.8.0 the queue drops scans"), external_id="d-1",
                          version="4.8.0") == "summary: 4.8.0"
    assert named.named_by(_texts("since v9.2 went out"), external_id="d-1", version="9.2") == "summary: 9.2"
    assert named.named_by(_texts("since 14.8.0 went out"), external_id="d-1", version="4.8.0") is None
    assert named.named_by(_texts("since 4.8.01 went out"), external_id="d-1", version="4.8.0") is None
    assert named.named_by(_texts("120 patrons affected"), external_id="d-1", version="120") is None


def test_an_id_and_the_other_fields_of_the_record():
    texts = _texts("Holds lapsing", timeline=[{"at": "09:10", "text": "rolled back QX-4410"}])
    assert named.named_by(texts, external_id="QX-4410") == "timeline: QX-4410"
    assert named.named_by(texts, external_id="QX-441") is None
    # the record's text is data: a field's name is said without markup or citations
    odd = named.record_texts(None, None, {"[E:1] <b>notes</b>": "after QX-7 went out"})
    assert named.named_by(odd, external_id="QX-7") == "E1 bnotesb: QX-7"


def test_a_named_change_before_the_onset_ranks_first_and_one_after_it_does_not():
    # minutes before the onset, raw scores, named?
    capped = scoring.named_first([1800.0, 60.0], [0.3, 0.6], [True, False])
    assert capped[0] == 0.3 and capped[1] < 0.3
    after = scoring.named_first([-20.0, 10.0], [0.2, 0.7], [True, False])
    assert after == [0.2, 0.7]


def test_a_named_change_a_day_back_is_still_plausible_an_unnamed_one_only_ranked():
    day = 30 * 60.0
    assert scoring.score_candidate(scoring.Features(minutes_before=day, distance=0, risk=0.4, named=True)).raw > 0.3
    tail = scoring.score_candidate(scoring.Features(minutes_before=day, distance=0, risk=1.0, tail=True)).raw
    assert 0.0 < tail < scoring.PLAUSIBLE_FLOOR / 2
    assert scoring.score_candidate(scoring.Features(minutes_before=day, distance=1, risk=1.0, tail=True)).raw < 1e-4
