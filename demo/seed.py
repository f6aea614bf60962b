"""``seed_demo()``: the one way the demo data set gets into a database — generate → load → embed → manifest.

Used by ``opsgraph seed`` and ``opsgraph serve`` (first start), the test fixtures and the benchmarks, so they all
hold the same data. Generation is :func:`demo.generate_demo` (deterministic for a seed and an anchor day), the
load is :func:`store.seed.load_demo` (COPY, one transaction, kept when present unless ``reset``), the embeddings
are :func:`tools.embeddings.embed_missing` with the embedder given, and the ground-truth manifest is written
where asked (the evaluation reads ``<home>/demo/manifest.json``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from demo.generate import generate_demo
from store.seed import load_demo, write_manifest
from tools.embeddings import Embedder, embed_missing

Status = Callable[[str], AbstractContextManager[Any]]


def manifest_path(home: Path) -> Path:
    """Where ``opsgraph seed`` writes the demo's ground truth under the service's home."""
    return Path(home) / "demo" / "manifest.json"


@dataclass
class SeededDemo:
    org_id: int
    loaded: bool  # False: the demo organisation was already there and was kept
    manifest: dict[str, Any]
    counts: dict[str, int] = field(default_factory=dict)
    embedded: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    manifest_file: Path | None = None


def _quiet(_: str) -> AbstractContextManager[Any]:
    return contextlib.nullcontext()


def seed_demo(
    conninfo: str,
    *,
    embedder: Embedder | None,
    reset: bool = False,
    seed: int = 7,
    anchor: dt.date | None = None,
    manifest_file: Path | None = None,
    status: Status = _quiet,
) -> SeededDemo:
    """Load the demo data set into the database at ``conninfo`` (migrated already) as organisation ``demo``.

    ``embedder=None`` leaves the embeddings empty (benchmarks that never search); ``manifest_file`` is written
    only when the data was loaded; ``status(message)`` is a context manager around each phase (a spinner).
    """
    with status("Generating the demo data set…"):
        data = generate_demo(seed=seed, anchor=anchor)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        with status("Loading (COPY)…"):
            result = load_demo(conn, data, reset=reset)
        if not result.loaded:
            return SeededDemo(org_id=result.org_id, loaded=False, manifest=data.manifest)
        embedded: dict[str, int] = {}
        if embedder is not None:
            with status("Embedding tickets and documents…"):
                embedded = embed_missing(conn, embedder, result.org_id)
    if manifest_file is not None:
        write_manifest(manifest_file, data.manifest)
    return SeededDemo(org_id=result.org_id, loaded=True, manifest=data.manifest, counts=result.counts,
                      embedded=embedded, seconds=result.seconds, manifest_file=manifest_file)
