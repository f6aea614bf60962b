"""The service's job app: the runs and maintenance jobs of :mod:`agents.jobs` plus the API layer's own
(scheduled questions, see :mod:`api.schedules`; alert follow-ups, see :mod:`api.alert_jobs`) and those the
composition root hands in (``extra``: the evaluation runs' job, registered by :mod:`opsgraph.cli`)."""

from __future__ import annotations

from collections.abc import Iterable

import procrastinate

from agents.jobs import Registrar, make_queue


def make_app(conninfo: str, extra: Iterable[Registrar] = ()) -> procrastinate.App:
    from api.alert_jobs import register as register_alerts
    from api.schedules import register as register_schedules

    return make_queue(conninfo, extra=[register_schedules, register_alerts, *extra])
