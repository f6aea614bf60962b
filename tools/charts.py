"""Plotly figures (as JSON dicts) for XmR charts: values, stage limits, quartile lines, signals, stage boundaries.

The dicts follow Plotly's figure schema (``{"data": [...], "layout": {...}}``)
and are built directly: plotly.graph_objects validates every property and
costs ~0.5 s a chart, too slow for a chat turn. ``tests`` check the result
loads into ``plotly.graph_objects.Figure``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

_STATE_COLOUR = {"critical": "#d62728", "warning": "#ff7f0e", "info": "#1f77b4"}


def _clean(values: Sequence[Any]) -> list[float | None]:
    out: list[float | None] = []
    for v in values:
        if v is None:
            out.append(None)
            continue
        f = float(v)
        out.append(None if math.isnan(f) or math.isinf(f) else round(f, 6))
    return out


def _line(x: list[str], y: list[float | None], name: str, **style: Any) -> dict[str, Any]:
    trace = {"type": "scatter", "mode": "lines", "x": x, "y": y, "name": name, "line": style.pop("line"), **style}
    return trace


def xmr_figure(
    dates: Sequence[Any],
    values: Sequence[float],
    cl: Sequence[float | None],
    ucl: Sequence[float | None],
    lcl: Sequence[float | None],
    phase: Sequence[int],
    signals: Sequence[dict[str, Any]] = (),
    *,
    title: str = "",
    unit: str = "",
) -> dict[str, Any]:
    """An XmR chart as a Plotly figure dict."""
    x = [str(d) for d in dates]
    v, c, u, lo = _clean(values), _clean(cl), _clean(ucl), _clean(lcl)
    q_up = [None if a is None or b is None else round(a + (b - a) / 2, 6) for a, b in zip(c, u, strict=True)]
    q_down = [None if a is None or b is None else round(a - (a - b) / 2, 6) for a, b in zip(c, lo, strict=True)]
    data: list[dict[str, Any]] = [
        {"type": "scatter", "mode": "lines+markers", "x": x, "y": v, "name": "value",
         "line": {"color": "#444"}, "marker": {"size": 4}},
        _line(x, c, "centre", line={"color": "#2ca02c", "width": 1.5, "shape": "hv"}),
        _line(x, u, "upper limit", line={"color": "#d62728", "dash": "dash", "width": 1, "shape": "hv"}),
        _line(x, lo, "lower limit", line={"color": "#d62728", "dash": "dash", "width": 1, "shape": "hv"}),
        _line(x, q_up, "upper quartile line", line={"color": "#9467bd", "dash": "dot", "width": 0.8, "shape": "hv"},
              legendgroup="quartile"),
        _line(x, q_down, "lower quartile line", line={"color": "#9467bd", "dash": "dot", "width": 0.8, "shape": "hv"},
              legendgroup="quartile", showlegend=False),
    ]
    by_state: dict[str, list[dict[str, Any]]] = {}
    for s in signals:
        if 0 <= s["index"] < len(x):
            by_state.setdefault(s["state"], []).append(s)
    for state, items in by_state.items():
        data.append({
            "type": "scatter", "mode": "markers", "name": f"{state} signal",
            "x": [x[s["index"]] for s in items], "y": [v[s["index"]] for s in items],
            "text": [s["rule"] for s in items], "hovertemplate": "%{x}: %{y} (%{text})<extra></extra>",
            "marker": {"color": _STATE_COLOUR.get(state, "#000"), "size": 10, "symbol": "circle-open", "line": {"width": 2}},
        })
    ph = list(phase)
    shapes = [
        {"type": "line", "xref": "x", "yref": "paper", "x0": x[i], "x1": x[i], "y0": 0, "y1": 1,
         "line": {"color": "#7f7f7f", "dash": "dashdot", "width": 1}}
        for i in range(1, len(ph))
        if ph[i] != ph[i - 1]
    ]
    layout = {
        "title": {"text": title}, "yaxis": {"title": {"text": unit}}, "shapes": shapes, "height": 360,
        "margin": {"l": 50, "r": 20, "t": 40, "b": 40}, "legend": {"orientation": "h", "y": -0.2},
    }
    return {"data": data, "layout": layout}
