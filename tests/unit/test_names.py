"""The one "did you mean" rule (store.names): typos, case, separators, word order, nothing close → []."""

from __future__ import annotations

from store.names import close_matches, did_you_mean, normalise

# Two organisations' names, unlike each other: a brewery's services and an airline-style station list.
BREWERY = ["keg-tracker", "brew_scheduler", "Taproom.POS", "hop-inventory", "ledger.core", "edge_gw"]
STATIONS = ["DAL", "PHX", "ORD", "DEN", "ATL"]


def test_typos_find_the_name():
    assert close_matches("keg-trackr", BREWERY)[0] == "keg-tracker"
    assert close_matches("hop-invetnory", BREWERY)[0] == "hop-inventory"
    assert close_matches("ledgr", BREWERY)[0] == "ledger.core"
    assert close_matches("DAK", STATIONS) == ["DAL"]


def test_case_and_separators_do_not_matter():
    assert close_matches("BREW-SCHEDULER", BREWERY)[0] == "brew_scheduler"
    assert close_matches("brew scheduler", BREWERY)[0] == "brew_scheduler"
    assert close_matches("taproom_pos", BREWERY)[0] == "Taproom.POS"
    assert close_matches("checkout_api", ["checkout-api", "payments", "search"]) == ["checkout-api"]
    assert close_matches("OTP mx rat", ["OTP_MX_RATE", "FUEL_BURN"])[0] == "OTP_MX_RATE"
    assert normalise("  Checkout__API/v2 ") == "checkout api v2"


def test_a_missing_suffix_or_swapped_words_still_match():
    assert close_matches("keg", BREWERY)[0] == "keg-tracker"
    assert close_matches("scheduler brew", BREWERY)[0] == "brew_scheduler"


def test_best_first_spelled_as_given_and_at_most_n():
    got = close_matches("rel/ledger/7732", ["rel/edge_gw/2026.10.12-1", "rel/ledger/7731", "rel/ledger/7130"], n=2)
    assert got[0] == "rel/ledger/7731" and len(got) <= 2
    # two spellings of one name are offered once, as first given
    assert close_matches("edge gw", ["edge_gw", "EDGE-GW", "keg-tracker"]) == ["edge_gw"]
    assert close_matches("keg", BREWERY, n=0) == []


def test_nothing_close_is_an_empty_list():
    assert close_matches("zzzz", BREWERY) == []
    assert close_matches("cpu_seconds", ["error_rate", "p99_latency_ms", "throughput"]) == []
    assert close_matches("", BREWERY) == []
    assert close_matches("--", BREWERY) == []
    assert close_matches("keg", []) == []


def test_did_you_mean_formats_a_hint_or_nothing():
    assert did_you_mean(["keg-tracker", "edge_gw"]) == " (did you mean keg-tracker, edge_gw?)"
    assert did_you_mean([]) == ""
    assert did_you_mean(close_matches("zzzz", BREWERY)) == ""
    assert did_you_mean(range(20), limit=3) == " (did you mean 0, 1, 2?)"
