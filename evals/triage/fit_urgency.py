"""Fit the urgency logistic regression over the impact cues: ``python -m evals.triage.fit_urgency [--write]``.

Trains on every labelled DEV ticket (dev set, second set, third set, the eight
probe batches, dev_a from a second author, capability_dev: questions about
security capabilities in breach words and their in-progress twins, triage23_dev: deadlines, counts of people,
workarounds, exposure and reply chains, recurring_dev: recurring faults and ongoing losses) — never on
the held-out sets.
Prints leave-one-author-batch-out accuracy and log-loss of the rule, the model
and their average; ``--write`` rewrites the coefficient block of
tools/tickets/urgency_model.py.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from evals.triage import score
from tools.tickets import classify as cls
from tools.tickets import urgency as urg
from tools.tickets import urgency_model as um

C = 0.3  # inverse L2 strength, chosen by leave-one-batch-out log-loss among 0.1, 0.3, 1.0
MODULE = Path(um.__file__)


def batches() -> dict[str, list[dict]]:
    out = {"devset": score.load(), "second": score.load(score.SECOND_SET, split_name="x"),
           "third": score.load(score.THIRD_SET), "dev_a": score.load(score.DEV_A, split_name="a")}
    out.update({p.stem: score.load(p, split_name="tune") for p in score.PROBE_SETS})
    out["capability"] = score.load(score.CAPABILITY_DEV, split_name="capability")
    out["triage23"] = score.load(score.TRIAGE23_DEV, split_name="triage23")
    out["recurring"] = score.load(score.RECURRING_DEV, split_name="recurring")
    return out


def rows_features(rows: list[dict]) -> tuple[list[dict[str, float]], np.ndarray, np.ndarray]:
    feats, rule, y = [], [], []
    for r in rows:
        subj, body = cls.clean(r["subject"]), cls.clean(r["content"])
        pts, cues = urg.impact_points(f"{subj}\n{body}", r.get("priority"), r.get("tier"))
        feats.append(um.features(cues, pts))
        z = pts / urg.TEMPERATURE
        p = np.exp(z - z.max())
        rule.append(p / p.sum())
        y.append(urg.URGENCIES.index(r["urgency"]))
    return feats, np.array(rule), np.array(y)


def _metrics(p: np.ndarray, y: np.ndarray) -> str:
    return f"acc {(p.argmax(1) == y).mean():.3f} log-loss {-np.log(p[np.arange(len(y)), y] + 1e-9).mean():.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="rewrite the coefficients in tools/tickets/urgency_model.py")
    args = ap.parse_args()
    groups = batches()
    rows = [r for v in groups.values() for r in v]
    g = np.array([k for k, v in groups.items() for _ in v])
    feats, rule, y = rows_features(rows)
    names = sorted({k for f in feats for k in f})
    X = np.array([[f.get(k, 0.0) for k in names] for f in feats])
    lr = np.zeros_like(rule)
    for grp in np.unique(g):  # leave one author batch out
        tr = g != grp
        lr[~tr] = LogisticRegression(C=C, max_iter=5000).fit(X[tr], y[tr]).predict_proba(X[~tr])
    avg = um.RULE_SHARE * rule + (1 - um.RULE_SHARE) * lr
    for label, mask in (("all", np.ones(len(y), bool)), ("dev_a", g == "dev_a"), ("capability", g == "capability"),
                        ("triage23", g == "triage23"), ("recurring", g == "recurring")):
        print(f"{label} (n={mask.sum()}), leave-one-batch-out: rule {_metrics(rule[mask], y[mask])} | "
              f"model {_metrics(lr[mask], y[mask])} | average {_metrics(avg[mask], y[mask])}")
    if args.write:
        m = LogisticRegression(C=C, max_iter=5000).fit(X, y)
        assert list(m.classes_) == list(range(len(urg.URGENCIES)))
        block = (f"CLASSES: tuple[str, ...] = {tuple(urg.URGENCIES)!r}\n"
                 f"FEATURES: tuple[str, ...] = {tuple(names)!r}\n"
                 f"INTERCEPT: tuple[float, ...] = {tuple(round(float(v), 4) for v in m.intercept_)!r}\n"
                 "COEF: tuple[tuple[float, ...], ...] = (\n"
                 + "".join(f"    {tuple(round(float(v), 4) for v in row)!r},\n" for row in m.coef_) + ")\n")
        text = MODULE.read_text(encoding="utf-8")
        head = re.split(r"(?m)^CLASSES: ", text)[0]
        MODULE.write_text(head + block, encoding="utf-8")
        print(f"wrote {len(names)} features to {MODULE}")


if __name__ == "__main__":
    main()
