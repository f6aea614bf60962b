"""The composition root: the ``opsgraph`` console script (:mod:`opsgraph.cli`) and the app factory it serves.

This is the one place that wires the packages together — the API (``api``), the evaluation runner (``evals``)
and the demo data set (``demo``); the product packages never import it (nor ``evals`` or ``demo``).
"""
