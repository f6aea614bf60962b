"""Fit the base-mixed prior's calibration temperatures: ``python -m evals.triage.fit_calibration``.

Leave-one-author-out over the shipped corpus (``tools/tickets/corpus/``): for each author group the base model is
retrained without that group's tickets, the group is triaged with the calibration switched off, and one temperature
per head is fitted (minimum negative log-likelihood) on all the out-of-group predictions. Prints the temperatures and
the expected calibration error before/after; copy them into ``tools/tickets/base.py`` (``*_CALIBRATION``). The
held-out sets in ``evals/triage/`` are never read here.
"""

from __future__ import annotations

import json
from unittest import mock

import numpy as np

from evals.triage import score
from tools.tickets import base as base_mod
from tools.tickets import classify as cls
from tools.tickets.learned import fit_temperature, temper

GROUPS = {  # one group per author (the probe sets were written in one sitting)
    "first author": ("devset", "second_set", "third_dev"),
    "probes": tuple(p.stem for p in sorted(base_mod.CORPUS_DIR.glob("probe*.jsonl"))),
    "dev_a": ("dev_a",),
    "author_b": ("author_b",),
}


OUT_GROUP: list[str] = []  # the author group of each out-of-group prediction, in order


def ece(p: np.ndarray, y: np.ndarray) -> float:
    return score.ece(list(p.max(axis=1)), list(p.argmax(axis=1) == y))


def out_of_author_predictions() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rows = {p.stem: [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]
            for p in sorted(base_mod.CORPUS_DIR.glob("*.jsonl"))}
    ps, ys, us, uys = [], [], [], []
    OUT_GROUP.clear()
    for group, members in GROUPS.items():
        train = [r for k, v in rows.items() if k not in members for r in v]
        model = cls.train_model([(r["subject"], r["content"], r.get("product"), r.get("urgency"), r.get("priority"),
                                  r.get("tier")) for r in train], fingerprint="cv", base=False)
        if model.product is not None:
            model.product.temperature = max(model.product.temperature, base_mod.MIN_TEMPERATURE)
        with mock.patch.object(cls, "base_model", lambda m=model: m), \
                mock.patch.object(cls, "PRODUCT_CALIBRATION", 1.0), mock.patch.object(cls, "URGENCY_CALIBRATION", 1.0):
            for r in (r for k in members for r in rows.get(k, [])):
                d = cls.triage(r["subject"], r["content"], priority=r.get("priority"), tier=r.get("tier"))
                ps.append([d.product_probabilities[k] for k in cls.PRODUCTS])
                ys.append(cls.PRODUCTS.index(r["product"]))
                us.append([d.urgency_probabilities[k] for k in cls.URGENCIES])
                uys.append(cls.URGENCIES.index(r["urgency"]))
                OUT_GROUP.append(group)
    return np.array(ps), np.array(ys), np.array(us), np.array(uys)


def main() -> int:
    p, y, u, uy = out_of_author_predictions()
    for head, probs, labels in (("product", p, y), ("urgency", u, uy)):  # all groups together
        t = fit_temperature(probs, labels)
        print(f"{head}: n={len(labels)} accuracy {np.mean(probs.argmax(1) == labels):.3f}, ECE {ece(probs, labels):.3f}"
              f" → temperature {t} → ECE {ece(temper(probs, t), labels):.3f}")
    g = np.array(OUT_GROUP)
    for group in GROUPS:  # each author's tickets as the shipped model would see them had that author not written any
        m = g == group
        if not m.any():
            continue
        pc, uc = temper(p[m], base_mod.PRODUCT_CALIBRATION), temper(u[m], base_mod.URGENCY_CALIBRATION)
        print(f"  {group} (n={m.sum()}), shipped temperatures: product {np.mean(pc.argmax(1) == y[m]):.3f} "
              f"ECE {ece(pc, y[m]):.3f}, urgency {np.mean(uc.argmax(1) == uy[m]):.3f} ECE {ece(uc, uy[m]):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
