"""A config key's risk is read from its words, never from letters inside a word.

Keys of a made-up ferry operator (booking, boarding and berth-allocation services) in dotted, UPPER_CASE,
camelCase and kebab forms: ``settlement`` holds no ``ttl``, ``battle``/``bottle`` none either, ``delimiter`` no
``limit`` — while pool, timeout and retry settings are risky however the key is written or glued.
"""

from __future__ import annotations

import pytest

from tools.changes import scoring
from tools.changes.key_risk import key_words, risky_term


@pytest.mark.parametrize(("key", "words"), [
    ("ferry.pay.settlementWindow", ["ferry", "pay", "settlement", "window"]),
    ("BOARDING_GATE_TIMEOUT_SEC", ["boarding", "gate", "timeout", "sec"]),
    ("berth-planner.HTTPReadTimeout", ["berth", "planner", "http", "read", "timeout"]),
    ("manifest.v2.maxRetries3", ["manifest", "v", "2", "max", "retries", "3"]),
])
def test_key_words_split_at_separators_camel_case_and_digits(key, words):
    assert key_words(key) == words


@pytest.mark.parametrize(("key", "term"), [
    ("booking.db.connectionPoolSize", "pool"),
    ("booking.db.connection_pool", "pool"),
    ("BOOKING.DB.CONNECTION.POOL", "pool"),
    ("booking.db.connectionpool", "pool"),
    ("berth-planner-read-timeout-ms", "timeout"),
    ("BERTH_PLANNER_READTIMEOUT", "timeout"),
    ("manifestSync.maxRetries", "retries"),
    ("boarding.scanner.retryBackoffMs", "retry"),
    ("ferry.pay.settlement_batch_size", "batch"),
    ("fare-cache-ttl-seconds", "cache"),
    ("fareTtlSeconds", "ttl"),
    ("BOOKING_MAX_CONN", "connections"),
    ("ticketing.rateLimit.perMinute", "limit"),
    ("ticketing.ratelimit", "limit"),
])
def test_risky_words_match_however_the_key_is_written(key, term):
    assert risky_term(key) == term
    assert scoring.config_risk(key) == (scoring.HIGH, f"a risky key ({term})")


@pytest.mark.parametrize("key", [
    "ferry.pay.settlementWindow",
    "SETTLEMENT_CUTOFF_HOUR",
    "vessel-settlement-currency",
    "onboard.bottleDepositCents",
    "loyalty.battle_pass_tier",
    "manifest.export.csv_delimiter",
    "spoolDir",
])
def test_a_risky_word_inside_another_word_does_not_count(key):
    assert risky_term(key) is None
    assert scoring.config_risk(key) == (scoring.UNKNOWN_KEY_RISK, "a key of unknown risk")


@pytest.mark.parametrize("key", ["boarding.logLevel", "BOOKING_LOG_LEVEL", "ui.departureBoardBanner",
                                 "alerts.pagerChannel", "berth-planner.tracing.sampleRatio"])
def test_cosmetic_keys_stay_low(key):
    assert scoring.config_risk(key)[0] == scoring.LOW


def test_an_alert_setting_outside_an_alerts_namespace_is_not_cosmetic():
    # how long an alarm waits before it fires changes what gets noticed
    assert scoring.config_risk("BOARDING_ALERT_DEBOUNCE_MIN")[0] == scoring.UNKNOWN_KEY_RISK
    assert scoring.config_risk("boarding.login_banner_text")[0] == scoring.LOW  # "login" is not "log"…
    assert scoring.config_risk("boarding.login_page_title")[0] == scoring.UNKNOWN_KEY_RISK  # …nor cosmetic alone
