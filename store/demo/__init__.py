"""Deterministic demo data set (Tech Ops KPIs, services and incidents, tickets, documents).

Only stdlib, numpy and pandas: this package imports no other project code.
"""

from store.demo.generate import DemoData, generate_demo

__all__ = ["DemoData", "generate_demo"]
