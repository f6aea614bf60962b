"""Hybrid retrieval over runbooks, past-incident summaries and stored evidence.

The search tool (vector + full text, reciprocal-rank fusion) is in :mod:`tools.retrieval.hybrid`, the plan
choice per organisation in :mod:`tools.retrieval.plan`, its SQL in :mod:`tools.retrieval.sql`, the fusion
in :mod:`tools.retrieval.fusion`, the read models in :mod:`tools.retrieval.models` and the document
lookup in :mod:`tools.retrieval.documents`.
"""

from tools.retrieval.documents import get_document
from tools.retrieval.hybrid import SEARCH_KINDS, search
from tools.retrieval.models import Document, SearchHit, SearchResults
from tools.retrieval.plan import MAX_SCAN_TUPLES, Estimate, choose_plan, max_scan_tuples

__all__ = [
    "MAX_SCAN_TUPLES",
    "SEARCH_KINDS",
    "Document",
    "Estimate",
    "SearchHit",
    "SearchResults",
    "choose_plan",
    "get_document",
    "max_scan_tuples",
    "search",
]
