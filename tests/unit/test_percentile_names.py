"""A percentile as an on-call engineer says it, and as organisations name their metrics (qa23b)."""

from __future__ import annotations

import pytest

from tools.changes.roles import by_percentile, percentile_asked, percentile_of


@pytest.mark.parametrize(("text", "pct"), [
    ("what's the p99 on card-auth", "99"), ("P95 for fx", "95"), ("p 99.9 latency", "99.9"), ("p999", "99.9"),
    ("the 99th percentile latency", "99"), ("median latency on fx-quote", "50"), ("how's the tail latency", "tail"),
    ("error rate on the ledger", None), ("INC-4410 at 09:40", None), ("last 30 minutes", None),
])
def test_percentile_asked(text: str, pct: str | None) -> None:
    assert percentile_asked(text) == pct


@pytest.mark.parametrize(("name", "pct"), [
    ("latency_p99_ms", "99"), ("p999", "99.9"), ("rt_median", "50"), ("duration_p50", "50"),
    ("LatencyP95", "95"), ("sleepy90", None), ("http_5xx_rate", None), ("webhook_queue_depth", None),
])
def test_percentile_of_a_metric_name(name: str, pct: str | None) -> None:
    assert percentile_of(name) == pct


def test_by_percentile_picks_the_one_asked_and_the_highest_for_tail() -> None:
    names = ["latency_p50_ms", "latency_p99_ms", "queue_wait_p99_ms", "requests_per_min"]
    assert by_percentile("50", names) == ["latency_p50_ms"]
    assert by_percentile("99", names)[0] == "latency_p99_ms"
    assert by_percentile("tail", ["latency_p95_ms", "latency_median_ms"]) == ["latency_p95_ms"]
    assert by_percentile("99", ["latency_p95_ms", "latency_median_ms"]) == []
