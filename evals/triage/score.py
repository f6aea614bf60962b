"""Score ticket triage: ``python -m evals.triage.score [--fit] [--learned] [--holdout]``.

The hand-written tickets the rules were developed on now form the base model's training corpus
(``tools/tickets/corpus/``: the dev set, the second, third and probe sets, ``dev_a`` and ``author_b``). Scores on
them are therefore given for the RULES alone (``base=False``: product descriptions + impact reader), as before.
The base model is judged only on sets it never saw: ``fourth_holdout.jsonl`` and ``holdout_c.jsonl`` (112 tickets
by a third independent author, scored once), here in ``evals/triage/``.

The dev set (``devset.jsonl``) is split deterministically: every
third ticket (line index % 3 == 2) is the REPORT split, the rest the TUNE
split. Constants in tools/tickets/{zeroshot,urgency}.py were chosen on TUNE
only; REPORT is reported as is.

- zero-shot: no labels at all (a new organisation);
- ``--learned``: a per-organisation model trained on the TUNE labels and
  combined with the zero-shot prior, scored on REPORT;
- ``--fit``: grid search of the zero-shot temperatures on TUNE (prints the best).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from tools.tickets import classify as cls
from tools.tickets import learned, urgency, zeroshot
from tools.tickets.base import CORPUS_DIR

DEVSET = CORPUS_DIR / "devset.jsonl"
SECOND_SET = CORPUS_DIR / "second_set.jsonl"  # 35 tickets written after the first tuning round
THIRD_SET = CORPUS_DIR / "third_dev.jsonl"  # 72 tickets in new voices, written for the second pass
PROBE_SETS = (CORPUS_DIR / "probe_tune.jsonl",  # 8 x 30 more, TUNE only (written after the third
              CORPUS_DIR / "probe2_tune.jsonl",  # set's misses had been read; the third
              CORPUS_DIR / "probe3_tune.jsonl",  # implies the product by the symptom only,
              CORPUS_DIR / "probe4_tune.jsonl",  # the fourth comes from an MSP, with signatures;
              CORPUS_DIR / "probe5_tune.jsonl",  # the fifth is lowercase, mobile, non-native;
              CORPUS_DIR / "probe6_tune.jsonl",  # the sixth buries the impact in logs and replies;
              CORPUS_DIR / "probe7_tune.jsonl",  # the seventh sits on the level boundaries, the
              CORPUS_DIR / "probe8_tune.jsonl")  # eighth implies the product by the symptom again)
DEV_A = CORPUS_DIR / "dev_a.jsonl"  # 112 tickets by a second author (dev set since the third pass)
AUTHOR_B = CORPUS_DIR / "author_b.jsonl"  # 112 by a third author: chose the base model's weights, then joined the corpus
CAPABILITY_DEV = Path(__file__).with_name("capability_dev.jsonl")  # 67 questions about security capabilities, past or
# peers' events and reports in breach words, and their in-progress twins: fits the cue model (fit_urgency), NOT in the
# base model's corpus (a bag of words cannot read the form; trained on it, it learnt breach words as "low")
TRIAGE23_DEV = Path(__file__).with_name("triage23_dev.jsonl")  # 77 from the domain: deadlines with business impact,
# counts of affected people, workarounds, exposure, reply chains whose latest message changes the state; fits the cue
# model, NOT in the base corpus (kept for scoring the rules and the base model on tickets it never saw). Lines 78-108
# came from a QA pass: closing notes above a quoted outage, dated deadlines with a consequence, clear criticals.
RECURRING_DEV = Path(__file__).with_name("recurring_dev.jsonl")  # 54 from the domain of any industry: recurring faults
# ("tripped twice last night", "keeps cutting out", "down again"), output or revenue lost while it lasts ("losing
# generation every day since the update", "£600 a day"), "is someone looking at this?" after a fault, and their low twins
# (how-tos about schedules and counters, resolved, cosmetic); fits the cue model, NOT in the base corpus
HOLDOUT_SET = Path(__file__).with_name("fourth_holdout.jsonl")  # 36, scored once at the end of the second pass
HOLDOUT_C = Path(__file__).with_name("holdout_c.jsonl")  # 112 by a fourth author, never read, scored once with the base
HOLDOUT_D = Path(__file__).with_name("holdout_d.jsonl")  # 112 by a fifth author (hospitals, retail, plants, schools;
# help-desk escalations, chat transcripts, non-native English), written after the calibration, never read, scored once
HOLDOUT_E = Path(__file__).with_name("holdout_e.jsonl")  # 105 by a sixth author (banks, law firms, studios, NGOs, MSPs;
# SOC jargon and pasted alerts, reopened tickets, two issues in one, the wrong product named), never read, scored once
HOLDOUT_F = Path(__file__).with_name("holdout_f.jsonl")  # 105 by a seventh author (hospitals, universities, OT plants,
# logistics, retail chains, agencies; machine-translated, pasted traceroute/openssl, forwarded chains), scored once
HOLDOUT_G = Path(__file__).with_name("holdout_g.jsonl")  # 105 by an eighth author (law firms, airlines, broadcasters,
# insurers, gyms, NGOs, game studios, site offices on 4G, a GxP lab; MSPs, phone-typed, two problems in one), scored once
HOLDOUT_H = Path(__file__).with_name("holdout_h.jsonl")  # 105 by a ninth author (a university, a hospital trust, a
# council, a bank's branches, a post-production house, field engineers; help-desk escalations, packet captures), once


def load(path: Path = DEVSET, *, split_name: str | None = None) -> list[dict[str, Any]]:
    """The rows of a set; DEVSET rows get their split (every third line is REPORT), others ``split_name``."""
    rows = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if line.strip():
            row = json.loads(line)
            row["split"] = split_name or ("report" if i % 3 == 2 else "tune")
            rows.append(row)
    return rows


def split(rows: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [r for r in rows if r["split"] == name]


def calibration(conf: list[float], ok: list[bool], edges: tuple[float, ...] = (0.0, 0.5, 0.7, 0.85, 1.0001)) -> list[tuple[str, int, float, float]]:
    """(bucket, n, mean confidence, accuracy) per confidence bucket."""
    out = []
    c, o = np.array(conf), np.array(ok, dtype=float)
    for lo, hi in itertools.pairwise(edges):
        m = (c >= lo) & (c < hi)
        if m.any():
            out.append((f"[{lo:.2f},{min(hi, 1):.2f})", int(m.sum()), float(c[m].mean()), float(o[m].mean())))
    return out


def ece(conf: list[float], ok: list[bool]) -> float:
    n = len(conf)
    return sum(k * abs(mc - acc) for _, k, mc, acc in calibration(conf, ok, (0.0, 0.2, 0.4, 0.6, 0.8, 1.0001))) / n


def evaluate(rows: list[dict[str, Any]], model: learned.TriageModel | None = None, *, base: bool = True) -> dict[str, Any]:
    """Accuracy, confidences and confusions of :func:`cls.triage` on ``rows`` (``base``: with the base model)."""
    res: dict[str, Any] = {"n": len(rows), "product_ok": [], "urgency_ok": [], "product_conf": [], "urgency_conf": [],
                           "needs_human": 0, "confusion": Counter(), "u_confusion": Counter()}
    for r in rows:
        d = cls.triage(r["subject"], r["content"], priority=r.get("priority"), tier=r.get("tier"), model=model, base=base)
        res["product_ok"].append(d.product == r["product"])
        res["urgency_ok"].append(d.urgency == r["urgency"])
        res["product_conf"].append(d.product_confidence)
        res["urgency_conf"].append(d.urgency_confidence)
        res["needs_human"] += d.needs_human
        if d.product != r["product"]:
            res["confusion"][(r["product"], d.product)] += 1
        if d.urgency != r["urgency"]:
            res["u_confusion"][(r["urgency"], d.urgency)] += 1
    res["product_accuracy"] = float(np.mean(res["product_ok"])) if rows else math.nan
    res["urgency_accuracy"] = float(np.mean(res["urgency_ok"])) if rows else math.nan
    return res


def report(name: str, res: dict[str, Any]) -> None:
    print(f"{name} (n={res['n']}): product {res['product_accuracy']:.3f}, urgency {res['urgency_accuracy']:.3f}, "
          f"needs a human {res['needs_human']}; ECE product {ece(res['product_conf'], res['product_ok']):.3f}, "
          f"urgency {ece(res['urgency_conf'], res['urgency_ok']):.3f}")
    for label, conf_key, ok_key in (("product", "product_conf", "product_ok"), ("urgency", "urgency_conf", "urgency_ok")):
        buckets = ", ".join(f"{b} n={k} conf={mc:.2f} acc={acc:.2f}" for b, k, mc, acc in calibration(res[conf_key], res[ok_key]))
        print(f"  {label} calibration: {buckets}")
    print(f"  product errors (true, predicted): {dict(res['confusion'].most_common(8))}")
    print(f"  urgency errors (true, predicted): {dict(res['u_confusion'].most_common(8))}")


def fit(rows: list[dict[str, Any]]) -> None:
    """Temperatures minimising the negative log-likelihood on TUNE."""
    tune = split(rows, "tune")
    feats = []
    for r in tune:
        subj, body = cls.clean(r["subject"]), cls.clean(r["content"])
        v = zeroshot.vocabulary_evidence(subj, body)
        s = zeroshot.description_similarity(f"{subj}\n{body}")
        u, _ = urgency.impact_points(f"{subj}\n{body}", r.get("priority"), r.get("tier"))
        feats.append((v, s, u, zeroshot.enforcement(f"{subj}\n{body}")))
    best = None
    for dw in (0.0, 4.0, 8.0, 12.0, 16.0):
        for gp in (0.0, 0.3, 0.6, 1.0, 1.5):
            for t in (0.3, 0.4, 0.55, 0.7, 0.85, 1.0, 1.3):
                nll, acc = 0.0, 0
                for (v, s, _, e), r in zip(feats, tune, strict=True):
                    p = zeroshot.softmax(zeroshot.logits(v, s, description_weight=dw, general_prior=gp, enforced=e), t)
                    k = zeroshot.PRODUCTS.index(r["product"])
                    nll -= math.log(max(p[k], 1e-9))
                    acc += int(np.argmax(p) == k)
                if best is None or (acc, -nll) > (best[0], -best[1]):
                    best = (acc, nll, dw, gp, t)
    assert best is not None
    print(f"product: best on tune acc={best[0] / len(tune):.3f} nll={best[1] / len(tune):.3f} "
          f"description_weight={best[2]} general_prior={best[3]} temperature={best[4]}")
    best_u = None
    for t in (0.4, 0.5, 0.6, 0.7, 0.8, 1.0, 1.2, 1.4, 1.6, 2.0, 2.5):
        nll = 0.0
        for (_, _, u, _), r in zip(feats, tune, strict=True):
            z = u / t
            p = np.exp(z - z.max())
            p /= p.sum()
            nll -= math.log(max(p[urgency.URGENCIES.index(r["urgency"])], 1e-9))
        if best_u is None or nll < best_u[0]:
            best_u = (nll, t)
    assert best_u is not None
    print(f"urgency: temperature={best_u[1]} nll={best_u[0] / len(tune):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fit", action="store_true", help="grid-search the zero-shot temperatures on the tune split")
    ap.add_argument("--learned", action="store_true", help="also train on tune labels and score report")
    ap.add_argument("--holdout", action="store_true", help="also score the held-out fourth set (do not tune on it)")
    args = ap.parse_args()
    rows = load()
    if args.fit:
        fit(rows + split(load(THIRD_SET), "tune") + [r for p in PROBE_SETS for r in load(p, split_name="tune")])
    # the corpus sets trained the base model: the rules alone are scored on them
    for name in ("tune", "report"):
        report(f"rules {name}", evaluate(split(rows, name), base=False))
    report("rules second set", evaluate(load(SECOND_SET, split_name="second"), base=False))
    third = load(THIRD_SET)  # split like the dev set: every third line REPORT, the rest TUNE
    report("rules third set", evaluate(third, base=False))
    for p in PROBE_SETS:
        report(f"rules {p.stem} (tune)", evaluate(load(p, split_name="tune"), base=False))
    report("rules dev_a (second author)", evaluate(load(DEV_A, split_name="a"), base=False))
    report("rules author_b (third author)", evaluate(load(AUTHOR_B, split_name="b"), base=False))
    capability = load(CAPABILITY_DEV, split_name="capability")
    report("rules capability_dev (questions vs incidents in progress)", evaluate(capability, base=False))
    report("rules + base model capability_dev (not in the corpus)", evaluate(capability))
    t23 = load(TRIAGE23_DEV, split_name="triage23")
    report("rules triage23_dev (deadlines, counts, workarounds, exposure, reply chains)", evaluate(t23, base=False))
    report("rules + base model triage23_dev (not in the corpus)", evaluate(t23))
    recurring = load(RECURRING_DEV, split_name="recurring")
    report("rules recurring_dev (recurring faults, ongoing losses)", evaluate(recurring, base=False))
    report("rules + base model recurring_dev (not in the corpus)", evaluate(recurring))
    if args.holdout:
        for name, path in (("fourth set", HOLDOUT_SET), ("holdout_c (fourth author)", HOLDOUT_C),
                           ("holdout_d (fifth author)", HOLDOUT_D), ("holdout_e (sixth author)", HOLDOUT_E),
                           ("holdout_f (seventh author)", HOLDOUT_F),
                           ("holdout_g (eighth author)", HOLDOUT_G), ("holdout_h (ninth author)", HOLDOUT_H)):
            held = load(path, split_name="holdout")
            report(f"rules {name} (held out)", evaluate(held, base=False))
            report(f"rules + base model {name} (held out)", evaluate(held))
    if args.learned:
        tune = split(rows, "tune")
        for n in (20, 50, len(tune)):
            model = cls.train_model([(r["subject"], r["content"], r["product"], r["urgency"], r.get("priority"),
                                      r.get("tier")) for r in tune[:n]], base=False)
            print(f"  weights: product {model.weight('product'):.2f}, urgency {model.weight('urgency'):.2f}")
            report(f"learned on {n} tune labels, scored on report", evaluate(split(rows, "report"), model, base=False))


if __name__ == "__main__":
    main()
