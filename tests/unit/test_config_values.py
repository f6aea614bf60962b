"""A config change's values as every answer says them: a value its record does not hold is "(unset)" (before: the
word "None" in answers), a structured value its JSON text, a secret never shown."""

from __future__ import annotations

import datetime as dt

from tools.changes.models import ConfigChangeInfo

AT = dt.datetime(2027, 2, 3, 8, 15, tzinfo=dt.UTC)


def test_a_missing_value_is_unset_and_a_secret_is_never_shown():
    added = ConfigChangeInfo(external_id="RQ-5", service="till.sync", key="sync.batch", new_value="50", changed_at=AT)
    dropped = ConfigChangeInfo(external_id="RQ-6", service="till.sync", key="sync.x", old_value='{"a": 1}',
                               changed_at=AT)
    secret = ConfigChangeInfo(external_id="RQ-7", service="till.sync", key="SYNC_TOKEN", old_value="abc",
                              new_value="def", is_secret=True, changed_at=AT)
    assert added.values() == "(unset) → 50"
    assert dropped.values() == '{"a": 1} → (unset)'
    assert secret.values() == "(a secret value)" and secret.values("(secret value)") == "(secret value)"
