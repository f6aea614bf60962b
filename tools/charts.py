"""Plotly figures (as JSON dicts) for XmR charts: values, stage limits, quartile lines, signals, stage boundaries."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

_STATE_COLOUR = {"critical": "#d62728", "warning": "#ff7f0e", "info": "#1f77b4"}


def xmr_figure(
    dates: Sequence[Any],
    values: Sequence[float],
    cl: Sequence[float],
    ucl: Sequence[float],
    lcl: Sequence[float],
    phase: Sequence[int],
    signals: Sequence[dict[str, Any]] = (),
    *,
    title: str = "",
    unit: str = "",
) -> dict[str, Any]:
    """An XmR chart as a Plotly figure dict (``{"data": [...], "layout": {...}}``)."""
    x = [str(d) for d in dates]
    v = np.asarray(values, dtype=float)
    cl_a, ucl_a, lcl_a = (np.asarray(a, dtype=float) for a in (cl, ucl, lcl))
    half_up = cl_a + (ucl_a - cl_a) / 2
    half_down = cl_a - (cl_a - lcl_a) / 2
    fig = go.Figure()
    fig.add_scatter(x=x, y=v, mode="lines+markers", name="value", line={"color": "#444"}, marker={"size": 4})
    fig.add_scatter(x=x, y=cl_a, mode="lines", name="centre", line={"color": "#2ca02c", "width": 1.5}, line_shape="hv")
    for arr, name in ((ucl_a, "upper limit"), (lcl_a, "lower limit")):
        fig.add_scatter(x=x, y=arr, mode="lines", name=name, line={"color": "#d62728", "dash": "dash", "width": 1},
                        line_shape="hv")
    for arr, name in ((half_up, "upper quartile line"), (half_down, "lower quartile line")):
        fig.add_scatter(x=x, y=arr, mode="lines", name=name, line={"color": "#9467bd", "dash": "dot", "width": 0.8},
                        line_shape="hv", showlegend=name.startswith("upper"), legendgroup="quartile")
    if signals:
        by_state: dict[str, list[dict[str, Any]]] = {}
        for s in signals:
            by_state.setdefault(s["state"], []).append(s)
        for state, items in by_state.items():
            fig.add_scatter(
                x=[x[s["index"]] for s in items if 0 <= s["index"] < len(x)],
                y=[v[s["index"]] for s in items if 0 <= s["index"] < len(x)],
                mode="markers", name=f"{state} signal",
                marker={"color": _STATE_COLOUR.get(state, "#000"), "size": 10, "symbol": "circle-open", "line": {"width": 2}},
                text=[s["rule"] for s in items], hovertemplate="%{x}: %{y} (%{text})<extra></extra>",
            )
    ph = list(phase)
    shapes = [
        {"type": "line", "xref": "x", "yref": "paper", "x0": x[i], "x1": x[i], "y0": 0, "y1": 1,
         "line": {"color": "#7f7f7f", "dash": "dashdot", "width": 1}}
        for i in range(1, len(ph))
        if ph[i] != ph[i - 1]
    ]
    fig.update_layout(
        title=title, yaxis_title=unit, shapes=shapes, margin={"l": 50, "r": 20, "t": 40, "b": 40},
        legend={"orientation": "h", "y": -0.2}, template="plotly_white", height=360,
    )
    return json.loads(fig.to_json())
