"""Compatibility: the catalog moved to :mod:`agents.understanding.catalog`."""

from agents.understanding.catalog import Catalog

__all__ = ["Catalog"]
