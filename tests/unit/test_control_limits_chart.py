"""An analysed series drawn as an XmR chart: stage boundary and signal markers where the analysis put them."""

from __future__ import annotations

import datetime as dt

import numpy as np

from tools.charts import xmr_figure
from tools.control_limits import analyze_series


def test_chart_draws_the_stage_boundary_and_the_signals() -> None:
    rng = np.random.default_rng(42)
    x = 310.0 + 6.0 * rng.standard_normal(150)  # e.g. a warehouse's daily pick rate
    x[90:] -= 30.0
    x[40] += 70.0  # one bad day
    res = analyze_series(x, higher_is_better=True)
    assert [s.start for s in res.stages[1:]] == [90]
    pl = res.point_limits()
    days = [dt.date(2031, 1, 1) + dt.timedelta(days=i) for i in range(x.size)]
    sigs = [{"index": s.index, "rule": s.rule, "state": s.state} for s in res.signals]
    fig = xmr_figure(days, x, pl["cl"], pl["ucl"], pl["lcl"], pl["phase_number"], sigs)
    marks = {t["name"]: t for t in fig["data"] if t["name"].endswith(" signal")}
    assert str(days[40]) in marks["info signal"]["x"]  # a spike in the good direction: info, not an alarm
    assert [s["x0"] for s in fig["layout"]["shapes"]] == [str(days[90])]
