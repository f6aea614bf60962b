"""Understanding the question: catalog, entity linking, time words, the parser and follow-ups."""

from agents.understanding.catalog import Catalog
from agents.understanding.cues import help_text
from agents.understanding.followup import merge
from agents.understanding.parser import parse

__all__ = ["Catalog", "help_text", "merge", "parse"]
