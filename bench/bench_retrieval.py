"""Benchmark: hybrid retrieval (``tools.retrieval.search``) on 100,000 documents.

What is built
-------------
``--docs`` synthetic runbooks / incident summaries spread over six
organisations of very different sizes (44 %, 30 %, 15 %, 8 %, 2.5 %, 0.5 % of
the rows) so that both plans of the tool are exercised: the small orgs get the
exact B-tree path, the big ones the HNSW iterative scan. Text comes from a
pseudo-word vocabulary: each of ``--topics`` topics owns 30 words (shared with
a few other topics), a document is 60 % words of its topic (Zipf-weighted) and
40 % background words, so topics cluster both in the embeddings and in the
full text. Embeddings are exactly ``HashEmbedder``'s (unigrams + bigrams,
signed feature hashing, sub-linear tf) but computed vectorised over the
token-id matrix with numpy; a sample is checked against ``HashEmbedder``
itself. Rows go in with binary COPY, the HNSW (and GIN) indexes are built
after loading.

What is measured
----------------
``--queries`` queries (3 of the 12 commonest words of one topic, sometimes one
background word), the organisations taken in turn (so the small ones weigh as
much as the big ones), each set run after a full warm-up pass (the first,
cold pass is reported too):

* **hybrid, as built** — the real ``search`` tool end to end (embedding the
  query, READ ONLY transaction, plan choice from planner estimates, vector +
  full text on documents and evidence in one statement, RRF, snippets);
* **hybrid, exact vector scan** — the same tool with the exact plan forced for
  every org (the baseline: no HNSW index);
* **vector SQL alone** — the tool's vector query as built, and exact;
  recall@10 of the as-built candidates against the exact top 10 under the same
  org filter (the fenced ``OFFSET 0`` scan: no index can serve the ORDER BY);
* **full-text SQL alone** — the tool's ``websearch_to_tsquery``/``ts_rank_cd`` query.

Latencies are wall-clock from Python, so they include the round trips and
any wait for a CPU: the 1-minute load average is printed with the results.
Targets: hybrid p95 < 20 ms, recall@10 ≥ 0.95.

    python bench/bench_retrieval.py [--docs 100000] [--queries 200] [--m 16] [--ef-construction 128]
                                    [--ef-search 100] [--inline-vectors]

The index is built with ``m = 16, ef_construction = 128`` (the migration uses
64: recall@10 of the HNSW orgs drops from 0.96–0.98 to 0.92–0.96); ``--ef-search``
overrides ``tools.retrieval.plan.EF_SEARCH`` (100). ``--inline-vectors`` stores the
embeddings in the heap rows (``SET STORAGE PLAIN``) instead of TOAST, which the
migrated schema does not do: the exact plan gets ~3× cheaper (the tool reads
the column's storage and moves its exact/HNSW crossover accordingly).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import psycopg
from pgvector.psycopg import register_vector
from rich.console import Console
from rich.table import Table
from sqlalchemy import text

import tools.retrieval as retrieval
from bench._db import machine, scratch_database
from store.db import make_async_engine, make_sessionmaker
from store.models import DOCUMENT_KINDS
from tools.base import ToolContext
from tools.embeddings import _STOP, HashEmbedder
from tools.retrieval import hybrid, sql
from tools.retrieval import plan as retrieval_plan

DIM = 384
ORG_SHARES = (0.44, 0.30, 0.15, 0.08, 0.025, 0.005)
SERVICES = [f"svc-{i:02d}" for i in range(24)]
TITLE_LEN, BODY_LEN = 6, 60
TOPIC_WORDS = 30


# ------------------------------------------------------------------ corpus


def _vocabulary(rng: np.random.Generator, n: int) -> list[str]:
    cons = list("bcdfghjklmnprstvz")
    vows = list("aeiou")
    words: set[str] = set()
    while len(words) < n:
        syl = rng.integers(2, 4)
        w = "".join(rng.choice(cons) + rng.choice(vows) for _ in range(syl)) + rng.choice(["", "n", "r", "s", "t"])
        if w not in _STOP:
            words.add(w)
    return sorted(words)


class Corpus:
    def __init__(self, n_docs: int, n_topics: int, seed: int = 7) -> None:
        rng = np.random.default_rng(seed)
        self.vocab = _vocabulary(rng, 4000)
        v = len(self.vocab)
        self.n_topics = n_topics
        self.topic_words = np.stack([rng.choice(v, TOPIC_WORDS, replace=False) for _ in range(n_topics)])
        zipf = 1.0 / np.arange(1, TOPIC_WORDS + 1) ** 0.8
        self.zipf = zipf / zipf.sum()
        self.topic_service = rng.integers(0, len(SERVICES), n_topics)
        self.org_of = np.repeat(np.arange(len(ORG_SHARES)), np.round(np.array(ORG_SHARES) * n_docs).astype(int))
        self.org_of = np.resize(self.org_of, n_docs)
        rng.shuffle(self.org_of)
        self.topic = rng.integers(0, n_topics, n_docs)
        length = TITLE_LEN + BODY_LEN
        from_topic = rng.random((n_docs, length)) < 0.6
        from_topic[:, :TITLE_LEN] = True  # titles are all topic words
        topic_pick = self.topic_words[self.topic[:, None], rng.choice(TOPIC_WORDS, (n_docs, length), p=self.zipf)]
        background = rng.integers(0, v, (n_docs, length))
        self.tokens = np.where(from_topic, topic_pick, background).astype(np.int64)
        self.kind = np.where(rng.random(n_docs) < 0.8, "runbook", "incident_summary")
        self.service = self.topic_service[self.topic]
        self.rng = rng

    def texts(self, i: int) -> tuple[str, str]:
        words = [self.vocab[t] for t in self.tokens[i]]
        return " ".join(words[:TITLE_LEN]).capitalize(), " ".join(words[TITLE_LEN:])


def _slot(feature: str) -> tuple[int, float]:
    h = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
    return h % DIM, (1.0 if (h >> 63) & 1 else -1.0)


def embed_corpus(corpus: Corpus, batch: int = 10_000) -> np.ndarray:
    """HashEmbedder over ``title + '\\n' + body``, vectorised (unigram and bigram ids → hashed slots)."""
    v = len(corpus.vocab)
    toks = corpus.tokens
    n = toks.shape[0]
    uni_slot = np.empty(v, dtype=np.int64)
    uni_sign = np.empty(v, dtype=np.float32)
    for i, w in enumerate(corpus.vocab):
        uni_slot[i], uni_sign[i] = _slot(w)
    bigrams = toks[:, :-1] * v + toks[:, 1:]
    uniq_bi = np.unique(bigrams)
    bi_slot = np.empty(len(uniq_bi), dtype=np.int64)
    bi_sign = np.empty(len(uniq_bi), dtype=np.float32)
    vocab = corpus.vocab
    for j, b in enumerate(uniq_bi.tolist()):
        bi_slot[j], bi_sign[j] = _slot(f"{vocab[b // v]} {vocab[b % v]}")
    out = np.empty((n, DIM), dtype=np.float32)
    n_feat = v + v * v
    for lo in range(0, n, batch):
        hi = min(n, lo + batch)
        rows = np.arange(hi - lo, dtype=np.int64)
        feats = np.concatenate([toks[lo:hi], v + bigrams[lo:hi]], axis=1)
        keys = np.unique(rows[:, None] * n_feat + feats, return_counts=True)
        key, count = keys
        doc, feat = key // n_feat, key % n_feat
        is_bi = feat >= v
        weight = (1.0 + np.log(count)).astype(np.float32) * np.where(is_bi, 0.5, 1.0).astype(np.float32)
        slot = np.where(is_bi, 0, uni_slot[np.minimum(feat, v - 1)])
        sign = np.where(is_bi, 0.0, uni_sign[np.minimum(feat, v - 1)]).astype(np.float32)
        bi_idx = np.searchsorted(uniq_bi, feat[is_bi] - v)
        slot[is_bi] = bi_slot[bi_idx]
        sign[is_bi] = bi_sign[bi_idx]
        dense = np.bincount(doc * DIM + slot, weights=sign * weight, minlength=(hi - lo) * DIM)
        block = dense.reshape(hi - lo, DIM).astype(np.float32)
        norms = np.linalg.norm(block, axis=1, keepdims=True)
        out[lo:hi] = block / np.where(norms == 0, 1, norms)
    return out


def load(
    conn: psycopg.Connection, corpus: Corpus, emb: np.ndarray, m: int, ef_construction: int, inline_vectors: bool
) -> tuple[list[int], dict[str, float]]:
    timings: dict[str, float] = {}
    if inline_vectors:  # what a migration would do: keep the 1.5 kB vectors in the heap row, not in TOAST
        conn.execute("ALTER TABLE documents ALTER COLUMN embedding SET STORAGE PLAIN")
    insert_org = "INSERT INTO orgs (slug, name) VALUES (%s, %s) RETURNING id"
    orgs = [conn.execute(insert_org, (f"org{i}", f"Org {i}")).fetchone()[0] for i in range(len(ORG_SHARES))]
    conn.execute("DROP INDEX ix_documents_embedding_hnsw")
    conn.execute("DROP INDEX ix_documents_tsv")
    register_vector(conn)
    t0 = time.perf_counter()
    columns = "org_id, kind, external_id, title, body, service, tags, embedding"
    with conn.cursor() as cur, cur.copy(f"COPY documents ({columns}) FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(["int8", "text", "text", "text", "text", "text", "text[]", "vector"])
        for i in range(len(corpus.topic)):
            title, body = corpus.texts(i)
            prefix = "RB" if corpus.kind[i] == "runbook" else "INC"
            copy.write_row((
                orgs[corpus.org_of[i]], str(corpus.kind[i]), f"{prefix}-{i:06d}", title, body,
                SERVICES[corpus.service[i]], [f"topic{corpus.topic[i]}"], emb[i],
            ))
    timings["COPY"] = time.perf_counter() - t0
    conn.execute("SET maintenance_work_mem = '1GB'")
    t0 = time.perf_counter()
    conn.execute(
        f"CREATE INDEX ix_documents_embedding_hnsw ON documents USING hnsw (embedding vector_cosine_ops) "
        f"WITH (m = {int(m)}, ef_construction = {int(ef_construction)})"
    )
    timings["HNSW index"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    conn.execute("CREATE INDEX ix_documents_tsv ON documents USING gin (tsv)")
    timings["GIN index"] = time.perf_counter() - t0
    conn.execute("VACUUM ANALYZE documents")
    conn.execute("VACUUM ANALYZE evidence")
    return orgs, timings


# ------------------------------------------------------------------ queries


def make_queries(corpus: Corpus, orgs: list[int], n: int) -> list[tuple[int, str]]:
    rng = np.random.default_rng(11)
    out = []
    for i in range(n):
        org = orgs[i % len(orgs)]
        t = int(rng.integers(0, corpus.n_topics))
        words = [corpus.vocab[w] for w in rng.choice(corpus.topic_words[t][:12], 3, replace=False)]
        if rng.random() < 0.3:
            words.append(corpus.vocab[int(rng.integers(0, len(corpus.vocab)))])
        out.append((org, " ".join(words)))
    return out


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


async def run_queries(target, corpus: Corpus, orgs: list[int], queries: list[tuple[int, str]], k: int) -> dict:
    engine = make_async_engine(target, pool_size=2)
    sessions = make_sessionmaker(engine)
    embedder = HashEmbedder()
    res: dict = {key: [] for key in ("hybrid", "hybrid_cold", "hybrid_exact", "vec", "vec_exact", "text", "recall", "hits")}
    res |= {key: {o: [] for o in orgs} for key in ("hybrid_by_org", "recall_by_org")}
    res["plan_by_org"] = {o: set() for o in orgs}
    ctxs = {o: ToolContext(sessions=sessions, org_id=o, embedder=embedder) for o in orgs}
    n_cand = hybrid.candidates(k)
    table = sql.DOCS
    try:
        # first pass: cold caches right after the load (reported separately), then the measured warm pass
        for org, q in queries:
            t0 = time.perf_counter()
            await retrieval.search(ctxs[org], query=q, k=k)
            res["hybrid_cold"].append((time.perf_counter() - t0) * 1000)
        for org, q in queries:
            t0 = time.perf_counter()
            out = await retrieval.search(ctxs[org], query=q, k=k)
            res["hybrid"].append((time.perf_counter() - t0) * 1000)
            res["hits"].append(len(out.result.hits))
            res["plan_by_org"][org].add(out.result.strategy.get("documents", "?"))
            res["hybrid_by_org"][org].append(res["hybrid"][-1])

        saved = hybrid.choose_plan
        hybrid.choose_plan = lambda *a, **kw: "exact"  # every org takes the exact plan
        try:
            for org, q in queries:
                t0 = time.perf_counter()
                await retrieval.search(ctxs[org], query=q, k=k)
                res["hybrid_exact"].append((time.perf_counter() - t0) * 1000)
        finally:
            hybrid.choose_plan = saved

        kinds = list(DOCUMENT_KINDS)
        for org, q in queries:
            qvec = hybrid.vector_literal(embedder.embed([q])[0])
            base = {"org": org, "kinds": kinds}
            async with ctxs[org].read() as session:
                est, _ = await retrieval_plan.estimate(ctxs[org], session, table, None, base)
                plan = retrieval.choose_plan(est, n_cand)
                t0 = time.perf_counter()
                _, got = await retrieval_plan.vector_candidates(session, table, None, base, qvec, n_cand, plan, est)
                res["vec"].append((time.perf_counter() - t0) * 1000)
            async with ctxs[org].read() as session:
                t0 = time.perf_counter()
                _, exact = await retrieval_plan.vector_candidates(session, table, None, base, qvec, n_cand, "exact")
                res["vec_exact"].append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                await session.execute(text(sql.text_sql(table, None)), base | {"q": q, "n": n_cand})
                res["text"].append((time.perf_counter() - t0) * 1000)
            truth = {r.id for r in exact[:10]}
            found = {r.id for r in got[:10]}
            recall = len(truth & found) / max(1, len(truth))
            res["recall"].append(recall)
            res["recall_by_org"][org].append(recall)
    finally:
        await engine.dispose()
    return res


def check_embeddings(corpus: Corpus, emb: np.ndarray, sample: int = 200) -> float:
    ref = HashEmbedder()
    idx = np.linspace(0, len(emb) - 1, sample).astype(int)
    worst = 0.0
    for i in idx:
        title, body = corpus.texts(int(i))
        worst = max(worst, float(np.abs(ref.embed_one(f"{title}\n{body}") - emb[i]).max()))
    return worst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--topics", type=int, default=300)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=128)
    ap.add_argument("--ef-search", type=int, default=retrieval_plan.EF_SEARCH)
    ap.add_argument("--inline-vectors", action="store_true",
                    help="ALTER COLUMN embedding SET STORAGE PLAIN before loading (not the migrated schema)")
    args = ap.parse_args()
    retrieval_plan.EF_SEARCH = args.ef_search
    console = Console(width=140)

    t0 = time.perf_counter()
    corpus = Corpus(args.docs, args.topics)
    gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    emb = embed_corpus(corpus)
    embed_s = time.perf_counter() - t0
    worst = check_embeddings(corpus, emb)
    assert worst < 1e-5, f"vectorised embeddings differ from HashEmbedder by {worst}"

    with scratch_database() as target:
        with psycopg.connect(target.conninfo, autocommit=True) as conn:
            orgs, timings = load(conn, corpus, emb, args.m, args.ef_construction, args.inline_vectors)
            sizes = dict(conn.execute("SELECT org_id, count(*) FROM documents GROUP BY org_id").fetchall())
        queries = make_queries(corpus, orgs, args.queries)
        load_before = os.getloadavg()[0]
        res = asyncio.run(run_queries(target, corpus, orgs, queries, args.k))
        load_after = os.getloadavg()[0]

    build = Table("step", "seconds", title=f"Build — {args.docs:,} documents, {len(orgs)} orgs")
    build.add_row("generate text", f"{gen:.1f}")
    build.add_row("embed (vectorised HashEmbedder)", f"{embed_s:.1f}")
    for name, s in timings.items():
        label = f"HNSW index (m={args.m}, ef_construction={args.ef_construction})" if name == "HNSW index" else name
        build.add_row(label, f"{s:.1f}")
    console.print(build)

    recall = statistics.fmean(res["recall"])

    def row(label: str, values: list[float], rec: str) -> None:
        t.add_row(label, f"{pct(values, 50):.2f}", f"{pct(values, 95):.2f}", f"{max(values):.2f}", rec)

    title = f"Hybrid retrieval — {args.queries} queries, k={args.k}, ef_search={retrieval_plan.EF_SEARCH} — {machine()}"
    t = Table("path", "p50 ms", "p95 ms", "max ms", "recall@10 (vector)", title=title)
    row("hybrid search tool, as built (warm pass)", res["hybrid"], f"{recall:.3f}")
    row("hybrid search tool, as built (first pass, cold)", res["hybrid_cold"], f"{recall:.3f}")
    row("hybrid search tool, exact vector scan (baseline)", res["hybrid_exact"], "1.000")
    row("vector SQL alone, as built", res["vec"], f"{recall:.3f}")
    row("vector SQL alone, exact scan (baseline)", res["vec_exact"], "1.000")
    row("full-text SQL alone", res["text"], "—")
    console.print(t)

    per_org = Table("org", "documents", "plan", "hybrid p50 ms", "hybrid p95 ms", "recall@10",
                    title="Per organisation (warm pass)")
    for o in orgs:
        r = res["recall_by_org"][o]
        lat = res["hybrid_by_org"][o]
        plans = ", ".join(sorted(res["plan_by_org"][o]))
        per_org.add_row(str(o), f"{sizes.get(o, 0):,}", plans, f"{pct(lat, 50):.2f}", f"{pct(lat, 95):.2f}",
                        f"{statistics.fmean(r):.3f}" if r else "—")
    console.print(per_org)
    console.print(f"1-minute load average: {load_before:.1f} before the queries, {load_after:.1f} after "
                  f"({os.cpu_count()} cores) — latencies are wall-clock and include waiting for a CPU")
    short = sum(1 for h in res["hits"] if h < args.k)
    p95 = pct(res["hybrid"], 95)
    ok = p95 < 20 and recall >= 0.95 and short == 0
    console.print(
        f"targets: hybrid p95 < 20 ms ({p95:.2f}), recall@10 ≥ 0.95 ({recall:.3f}), every query got k hits "
        f"({args.queries - short}/{args.queries}) → {'PASS' if ok else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
