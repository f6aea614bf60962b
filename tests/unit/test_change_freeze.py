"""A change freeze's dates read from the page that sets it (qa20a; the internet provider's Black Friday freeze of
qa19a too): the range whose line names the freeze asked about, else the one around now, else the latest begun."""

from __future__ import annotations

import datetime as dt

from agents.specialists.change_freeze import pick_range

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ISP = ("# Change-freeze calendar 2026\n\n- Black Friday / Cyber Monday: 2026-11-26 00:00 to 2026-11-29 23:59 UTC — no "
       "network or BSS changes without an emergency CAB.\n- Christmas: 2026-12-19 to 2027-01-03.\n")
PARCEL = ("# Peak change freeze 2026\n\nFrom 2026-11-20 00:00 to 2027-01-04 23:59 UK time no production deploys, flag "
          "flips or config changes without an emergency CAB approval.\n")


def test_the_range_whose_line_names_the_freeze():
    start, end, line = pick_range(ISP, {"black", "friday"}, NOW)
    assert (start, end) == (dt.datetime(2026, 11, 26, 0, 0, tzinfo=UTC), dt.datetime(2026, 11, 29, 23, 59, 59, tzinfo=UTC))
    assert line.startswith("Black Friday")
    start, end, _ = pick_range(ISP, {"christmas"}, NOW)
    assert start.date() == dt.date(2026, 12, 19) and end.date() == dt.date(2027, 1, 3)


def test_else_the_one_around_now_or_the_latest_begun():
    start, end, _ = pick_range(PARCEL, {"peak"}, NOW)  # "peak" is the page's title, not its line: the one around now
    assert start == dt.datetime(2026, 11, 20, 0, 0, tzinfo=UTC) and end.date() == dt.date(2027, 1, 4)
    start, _, _ = pick_range(ISP, set(), NOW)
    assert start.date() == dt.date(2026, 11, 26)  # the latest that has begun (Christmas has not)


def test_a_page_without_dates_sets_nothing():
    assert pick_range("# Freeze policy\n\nAsk the CAB before peak.", {"peak"}, NOW) is None


def test_a_page_and_the_calendar_are_one_list_the_calendar_winning_the_same_freeze():
    from tools.changes.freeze import FreezeInfo, merge, page_freezes

    pages = page_freezes("RB-9", "Change-freeze calendar 2026", ISP, service=None)
    assert [(w.name, w.source, w.document) for w in pages] == [
        ("Black Friday / Cyber Monday", "runbook", "RB-9"), ("Christmas", "runbook", "RB-9")]
    cal = FreezeInfo(name="BFCM peak", starts_at=dt.datetime(2026, 11, 25, tzinfo=UTC),
                     ends_at=dt.datetime(2026, 11, 30, tzinfo=UTC), services=[])
    merged = merge([cal], pages)  # mostly the same days: the calendar's; Christmas only the page gives
    assert [(w.name, w.source) for w in merged] == [("BFCM peak", "calendar"), ("Christmas", "runbook")]
    assert "from the freeze calendar" in merged[0].phrase and "from the runbook page RB-9" in merged[1].phrase
    short = FreezeInfo(name="Network maintenance", starts_at=dt.datetime(2026, 11, 27, 1, tzinfo=UTC),
                       ends_at=dt.datetime(2026, 11, 27, 3, tzinfo=UTC), services=["core"])
    assert len(merge([short], pages)) == 3  # two hours inside Black Friday, another name: another freeze
    assert page_freezes("RB-1", "Freeze", "From 2026-11-20 to 2026-13-40 nothing.") == []  # not a date
