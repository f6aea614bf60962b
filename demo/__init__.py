"""Deterministic demo data set (Tech Ops KPIs, services and incidents, tickets, documents).

A package of its own beside ``bench/`` and ``evals/`` (the product never imports it). The generator uses
stdlib, numpy, pandas and, of the product, only the rules its data must agree with (``tools.tickets.sla``);
:func:`demo.seed.seed_demo` composes generate → load (``store.seed``) → embed (``tools.embeddings``) for the
CLI, the test fixtures and the benchmarks.
"""

from demo.generate import DemoData, generate_demo

__all__ = ["DemoData", "generate_demo"]
