"""Which sites an incident's record names: by code, or by a word only that site's name has ("Kirkstall", not "hub")."""

from tools.changes.kpi_onset import named_sites

SITES = [("HX-01", "Halifax Town Hub"), ("BRD", "Bradford Forster Hub"), ("KEI", "Keighley Station Kiosk")]


def test_a_site_is_named_by_a_word_only_its_name_has_or_its_code():
    assert named_sites(SITES, "Staff at Forster say the printer jams") == ["BRD"]
    assert named_sites(SITES, "reports from hx-01 and keighley") == ["HX-01", "KEI"]


def test_words_several_sites_share_or_short_words_name_none():
    assert named_sites(SITES, "every hub is slow today") == []
    assert named_sites(SITES, "the town council called") == []  # "town" is Halifax's alone, but too short a word
    assert named_sites(SITES, "trains late at the station") == []  # a kind of place, not Keighley's name
