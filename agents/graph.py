"""``build_graph``: the coordinator → specialists → composer graph."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from langgraph.graph import END, START, StateGraph

from agents.coordinator import compose, coordinator, next_node, specialist_node
from agents.registry import NAMES as SPECIALISTS
from agents.state import GraphState


def build_graph(checkpointer: Any | None = None) -> Any:
    """Compile the graph; with a checkpointer, thread state (context, turns) persists between turns."""
    g = StateGraph(GraphState)
    g.add_node("coordinator", coordinator)
    for name in SPECIALISTS:
        g.add_node(name, specialist_node(name))
    g.add_node("compose", compose)
    g.add_edge(START, "coordinator")
    targets: dict[Hashable, str] = {name: name for name in SPECIALISTS}
    targets["compose"] = "compose"
    g.add_conditional_edges("coordinator", next_node, targets)
    for name in SPECIALISTS:
        g.add_conditional_edges(name, next_node, targets)
    g.add_edge("compose", END)
    return g.compile(checkpointer=checkpointer)
