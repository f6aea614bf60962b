"""The deterministic demo data generator (demo): tickets, documents, planted injections, and what it imports."""

from __future__ import annotations

import ast
import datetime as dt
import re
from collections import Counter
from pathlib import Path

import numpy as np

from demo import DemoData
from tests.unit.test_demo_generate import ANCHOR, UTC, demo  # the same generated data set (module fixture)

# ---------------------------------------------------------------- tickets


def test_ticket_labels_split_and_distribution(demo: DemoData) -> None:
    t = demo.manifest["tickets"]
    by_id = {x["external_id"]: x for x in demo.tickets}
    assert len(t["train"]) == 480 and len(t["test"]) == 120
    assert not set(t["train"]) & set(t["test"]) and set(t["train"]) | set(t["test"]) == set(by_id)
    assert set(t["labels"]) == set(by_id)
    for tid in t["test"]:
        assert by_id[tid]["product"] is None and by_id[tid]["urgency"] is None
    for tid in t["train"]:
        assert by_id[tid]["product"] == t["labels"][tid]["product"]
        assert by_id[tid]["urgency"] == t["labels"][tid]["urgency"]
    urg = Counter(v["urgency"] for v in t["labels"].values())
    for level, share in {"critical": 0.10, "high": 0.25, "medium": 0.40, "low": 0.25}.items():
        assert abs(urg[level] / 600 - share) < 0.06, (level, urg)
    assert set(Counter(v["product"] for v in t["labels"].values())) == {
        "CASB", "SWG", "ZTNA", "DLP", "SSPM", "CFW", "GENERAL"}
    same = sum(x["priority"] == t["labels"][x["external_id"]]["urgency"] for x in demo.tickets)
    assert 0.85 <= same / 600 <= 0.95
    assert len({x["content"] for x in demo.tickets}) >= 590
    assert {x["customer_tier"] for x in demo.tickets} == {"enterprise", "business", "standard", "free"}


def test_ticket_lifecycles(demo: DemoData) -> None:
    now = dt.datetime(ANCHOR.year, ANCHOR.month, ANCHOR.day, tzinfo=UTC)
    open_tickets = [x for x in demo.tickets if x["status"] in ("new", "open", "pending")]
    assert 12 <= len(open_tickets) <= 18
    for x in demo.tickets:
        assert now - dt.timedelta(days=180) <= x["created_at"] < now
        times = [dt.datetime.fromisoformat(h["at"]) for h in x["status_history"]]
        assert times == sorted(times) and times[0] == x["created_at"]
        assert x["status_history"][-1]["status"] == x["status"]
        if x["status"] in ("resolved", "closed"):
            assert x["created_at"] < x["first_response_at"] < x["resolved_at"]
            assert x["resolution"]
        if x["status"] == "closed":
            assert x["resolved_at"] < x["closed_at"] < now
    for x in open_tickets:
        assert now - x["created_at"] <= dt.timedelta(hours=8)
        assert x["resolved_at"] is None and x["closed_at"] is None
    states = Counter(o["response_state"] for o in demo.manifest["tickets"]["open"])
    states.update(o["resolution_state"] for o in demo.manifest["tickets"]["open"] if o["status"] == "open")
    assert states["on_track"] and states["at_risk"] and states["breached"]
    sla = demo.manifest["tickets"]["sla"]
    assert 0.8 <= sla["history_response_met_rate"] < 1.0 and 0.75 <= sla["history_resolution_met_rate"] < 1.0


_TOKEN = re.compile(r"[a-z0-9]+")
_URGENCY_CUES = {
    "critical": ["production outage", "all users blocked", "cannot access anything", "outage", "all users"],
    "high": ["many users", "urgent", "degraded"],
    "medium": ["some users", "intermittent", "workaround"],
    "low": ["question", "how do i", "feature request", "documentation", "no rush", "not urgent"],
}


def knn_accuracy(demo: DemoData, k: int = 7) -> tuple[float, float]:
    """A tiny numpy cosine kNN over tf-idf token counts (product), plus keyword evidence (urgency)."""
    labels = demo.manifest["tickets"]["labels"]
    train, test = demo.manifest["tickets"]["train"], demo.manifest["tickets"]["test"]
    text = {x["external_id"]: f"{x['subject']} {x['content']}".lower() for x in demo.tickets}
    tokens = {tid: _TOKEN.findall(s) for tid, s in text.items()}
    vocab: dict[str, int] = {}
    for tid in train:
        for w in set(tokens[tid]):
            vocab.setdefault(w, len(vocab))

    def matrix(ids: list[str]) -> np.ndarray:
        X = np.zeros((len(ids), len(vocab)))
        for r, tid in enumerate(ids):
            for w, c in Counter(tokens[tid]).items():
                if w in vocab:
                    X[r, vocab[w]] += c
        return X

    X, Y = matrix(train), matrix(test)
    idf = np.log((1 + len(train)) / (1 + (X > 0).sum(axis=0))) + 1
    X, Y = X * idf, Y * idf
    X /= np.linalg.norm(X, axis=1, keepdims=True) + 1e-12
    Y /= np.linalg.norm(Y, axis=1, keepdims=True) + 1e-12
    neighbours = np.argsort(-(Y @ X.T), axis=1)[:, :k]
    levels = list(_URGENCY_CUES)
    ok_product = ok_urgency = 0
    for r, tid in enumerate(test):
        product = Counter(labels[train[j]]["product"] for j in neighbours[r]).most_common(1)[0][0]
        scores = {u: sum(text[tid].count(c) for c in cues) for u, cues in _URGENCY_CUES.items()}
        if max(scores.values()) > 0:
            urgency = max(levels, key=lambda u: (scores[u], -levels.index(u)))
        else:
            urgency = Counter(labels[train[j]]["urgency"] for j in neighbours[r]).most_common(1)[0][0]
        ok_product += product == labels[tid]["product"]
        ok_urgency += urgency == labels[tid]["urgency"]
    return ok_product / len(test), ok_urgency / len(test)


def test_tickets_are_learnable_but_not_trivial(demo: DemoData) -> None:
    product_acc, urgency_acc = knn_accuracy(demo)
    assert product_acc >= 0.90, product_acc
    assert urgency_acc >= 0.80, urgency_acc
    assert product_acc < 0.995, "the product task should not be trivially perfect"


# ---------------------------------------------------------------- documents and injections


def test_documents(demo: DemoData) -> None:
    runbooks = [d for d in demo.documents if d["kind"] == "runbook"]
    summaries = [d for d in demo.documents if d["kind"] == "incident_summary"]
    assert len(runbooks) >= 15
    assert {s["name"] for s in demo.services} <= {d["service"] for d in runbooks}
    titles = " ".join(d["title"].lower() for d in runbooks)
    for phrase in ("otp mx rate", "aog", "fill-rate", "error rate after deployment", "connection pool", "retry storm",
                   "timeout", "ssl inspection"):
        assert phrase in titles, phrase
    past = [i for i in demo.incidents if i["status"] != "open"]
    assert {i["external_id"] for i in past} <= {d["external_id"] for d in summaries}
    assert len(summaries) >= len(past) + 5
    for d in demo.documents:
        assert {"kind", "external_id", "title", "body", "service", "tags"} <= set(d)
        assert d["body"].startswith("# ") and isinstance(d["tags"], list)
    keys = [(d["kind"], d["external_id"]) for d in demo.documents]
    assert len(set(keys)) == len(keys)


def test_injections_are_planted_and_listed(demo: DemoData) -> None:
    inj = demo.manifest["injections"]
    kinds = Counter(i["kind"] for i in inj)
    assert 2 <= kinds["ticket"] <= 3 and kinds["runbook"] == 1 and kinds["commit"] == 1
    tickets = {t["external_id"]: t for t in demo.tickets}
    docs = {d["external_id"]: d for d in demo.documents if d["kind"] == "runbook"}
    commits = {c["sha"]: c for c in demo.commits}
    labels = demo.manifest["tickets"]["labels"]
    for i in inj:
        if i["kind"] == "ticket":
            assert i["text"] in tickets[i["id"]]["content"]
            assert i["id"] in demo.manifest["tickets"]["test"]
            assert labels[i["id"]]["urgency"] != "critical"
        elif i["kind"] == "runbook":
            assert i["text"] in docs[i["id"]]["body"] and "DNS" in i["text"]
        else:
            assert i["text"] in commits[i["id"]]["message"]
            assert i["id"] not in demo.manifest["undeployed_commits"]


def test_demo_imports_only_the_rules_it_shares_with_tools() -> None:
    """The demo package generates data from numpy/pandas and its own modules; of the product it imports only the
    rules the data must agree with (tools.tickets.sla), never the store, the agents or the API."""
    allowed_roots = {"numpy", "pandas", "demo", "tools", "__future__"}
    import sys

    stdlib = set(sys.stdlib_module_names)
    pkg = Path(__file__).resolve().parents[2] / "demo"
    for path in pkg.glob("*.py"):
        if path.name == "seed.py":  # generate → load (store) → embed (tools): the one composition of the demo
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] if node.module != "tools.tickets" else [f"tools.tickets.{a.name}"
                                                                               for a in node.names]
            for name in names:
                root = name.split(".")[0]
                assert root in allowed_roots or root in stdlib, (path.name, name)
                if root == "tools":
                    assert name == "tools.tickets.sla", (path.name, name)
