"""The wording of a change's place in time and in the dependency graph: how long before the onset, how far away."""

from __future__ import annotations

from collections.abc import Sequence


def ago(minutes: float) -> str:
    """'18 min', '2.5 h', '1.4 days'."""
    minutes = abs(minutes)
    if minutes < 90:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} days"


def hops_phrase(distance: int, focus: str, via: Sequence[str] = ()) -> str:
    """'on orders-api itself', 'a dependency of orders-api (1 hop)', 'a dependency of x, 2 hops away (via y)': the
    walk follows what the service depends on, so the change is upstream of it, never downstream."""
    if distance <= 0:
        return f"on {focus} itself"
    tail = f" (via {' → '.join(via)})" if len(via) > 0 else ""
    return f"a dependency of {focus}, {distance} hop{'s' if distance > 1 else ''} away{tail}"
