"""Fit the learned acceptance of stage boundaries (tools/control_limits/learned*.py) and validate it by batch.

    python -m bench.fit_stage_acceptance --rdatasets /path/to/Rdatasets --nab /path/to/NAB [--model gbm] [--cv] [--write]

Data: the seven chart-judged batches a-g (``bench/stages_annotated*.py``), the synthetic dev set (seed 2020),
300 seeded shift-free negatives (random walks, AR(1) up to phi 0.95, with spikes / trends), 500 shift-free
AR(1) (seed 13) and 600 short strongly autocorrelated AR(1) (seed 14; ``--cap-only ar1,ar1s`` keeps either out of
the training rows) — dev seeds only (``bench/fit_stage_negatives.py``).  Every
series is run once through the hand-set pipeline with a spy on :func:`learned.accept` that keeps its inputs;
the candidate pools are built from them.  Training rows: every pool candidate in three contexts (no boundary
accepted yet; the hand-set pipeline's boundaries accepted; the annotated ones accepted; ``--dagger`` adds the
first fit's own greedy state), labelled by the share of annotators who marked a point within 5 of it (synthetic:
the true change points).  Model: ``--model logit`` scikit-learn's ``LogisticRegression`` on standardised features
(tenth pass B), ``--model gbm`` monotone boosted trees (eleventh pass A, ``bench/fit_stage_trees.py``); the
thresholds are chosen on the training batches by the mean
F1 + cover of the whole pipeline (greedy acceptance + Wheeler confirmation) under a cap: no more false stages on
the shift-free series than the hand-set pipeline.  ``--guards`` counts stages on other shift-free sets (random walks,
2 x 1,000 AR(1) of seeds 11 and 12, the no-break Rdatasets series) with the flag off and on.

``--cv`` reports leave-one-batch-out cross-validation (train on six batches + the synthetic series, score the
seventh); ``--write`` stores the fit on everything into ``learned_trees.py`` (gbm) or ``learned.py`` (logit).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench import stages_annotated as A
from bench.bench_stages_real import synthetic
from bench.fit_stage_negatives import ar1_nulls, guards, negatives, short_ar1_nulls
from bench.stages_metrics import covering, f1_score
from tools.control_limits import analysis, learned
from tools.control_limits.analysis import detect_stages
from tools.control_limits.rules import _confirm_batch

BATCHES = ("a", "b", "c", "d", "e", "f", "g")
MARGIN = 5


@dataclass
class Row:
    name: str
    group: str  # batch letter, "syn" (synthetic dev), "neg" (seeded negatives)
    n: int
    marks: dict[str, list[int]]  # annotators (synthetic: one "truth")
    main: list[int]  # hand-set pipeline's stage starts
    ctx: learned.Context
    C: np.ndarray  # (1, K)
    Fl: np.ndarray  # (1, K, S)
    prefix: Any  # the confirmation's prefix sums (xmr._Prefix), its lengths and method
    L: np.ndarray
    method: str
    pos: np.ndarray
    soft: np.ndarray  # (K,)

    def confirm(self, cands: list[list[int]]) -> list[list[tuple[int, str, int]]]:
        return _confirm_batch(self.prefix, self.L, cands, self.method)


def _spy_run(x: np.ndarray) -> tuple[list[int], dict[str, Any]]:
    box: dict[str, Any] = {}
    real = learned.accept

    def spy(X, Xc, L, rows, sigma_d, lrv, phi, sources, trend, confirm, confirmed):
        box.update(X=X, Xc=Xc, L=L, rows=rows, sigma_d=sigma_d, lrv=lrv, phi=phi, sources=sources, trend=trend,
                   confirm=confirm)
        return confirmed

    learned.accept = spy
    old = analysis.LEARNED_ACCEPT
    analysis.LEARNED_ACCEPT = True
    try:
        stages, _ = detect_stages(x)
    finally:
        learned.accept = real
        analysis.LEARNED_ACCEPT = old
    return [s.start for s in stages[1:]], box


def make_row(name: str, group: str, x: np.ndarray, marks: dict[str, list[int]]) -> Row | None:
    main, box = _spy_run(x)
    if not box:
        return None
    idx = np.array([0])
    if bool(box["rows"][0]):
        C, Fl = learned.pool(box["Xc"], box["L"], idx, box["sources"], box["trend"])
    else:  # a row the learned pass leaves alone (no search, a removed cycle): the hand-set result stands
        C = np.array([[int(box["L"][0])]])
        Fl = np.zeros((1, 1, len(learned.SOURCES)), dtype=bool)
    ctx = learned.Context(box["Xc"], box["L"], box["sigma_d"], box["lrv"], box["phi"], box["X"])
    pos = np.flatnonzero(np.isfinite(np.asarray(x, dtype=float)))
    valid = C[0] < int(box["L"][0])
    soft = np.zeros(C.shape[1])
    for k in np.flatnonzero(valid):
        p = pos[C[0, k]]
        soft[k] = np.mean([any(m > 0 and abs(m - p) <= MARGIN for m in ms) for ms in marks.values()])
    cells = dict(zip(box["confirm"].__code__.co_freevars, (c.cell_contents for c in box["confirm"].__closure__),
                     strict=True))
    return Row(name, group, len(x), marks, main, ctx, C, Fl, cells["prefix_s"], cells["L"], cells["method"], pos, soft)


def load_all(rd: Path, nab: Path) -> list[Row]:
    import importlib

    rows: list[Row] = []
    for b in BATCHES:
        mod = importlib.import_module("bench.stages_annotated" + ("" if b == "a" else f"_{b}"))
        for name, x, marks in mod.load(rd, nab):
            r = make_row(name, b, x, {k: [int(v) for v in m] for k, m in marks.items()})
            if r is None:
                print("skip", b, name, file=sys.stderr)
                continue
            rows.append(r)
        print("loaded", b, sum(r.group == b for r in rows), file=sys.stderr, flush=True)
    for s in synthetic(2020):
        r = make_row(s.name, "syn", s.values, {"truth": list(s.cps)})
        if r is not None:
            rows.append(r)
    for name, x in negatives():
        r = make_row(name, "neg", x, {"truth": []})
        if r is not None:
            rows.append(r)
    for j, x in enumerate(ar1_nulls()):
        r = make_row(f"ar1-{j}", "ar1", x, {"truth": []})
        if r is not None:
            rows.append(r)
    return rows + short_rows()


def short_rows() -> list[Row]:
    """Rows of :func:`short_ar1_nulls` (group ``ar1s``)."""
    out = []
    for j, x in enumerate(short_ar1_nulls()):
        r = make_row(f"ar1s-{j}", "ar1s", x, {"truth": []})
        if r is not None:
            out.append(r)
    return out


def _context_rows(r: Row, acc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Features and soft labels of every candidate of ``r`` not in ``acc`` given the accepted ``acc`` (mask)."""
    C, ctx = r.C, r.ctx
    valid = C < ctx.L[:, None]
    out_F, out_y = [], []
    for k in np.flatnonzero(valid[0]):
        a_mask = acc.copy()
        a_mask[0, k] = False
        prev, nxt = learned.neighbours(C, a_mask, ctx.L)
        c = C[0, k]
        a, b = prev[0, k], nxt[0, k]
        if c - a < learned.MIN_STAGE or b - c < learned.MIN_STAGE:
            continue
        F = learned.features(ctx, np.array([0]), np.array([a]), np.array([c]), np.array([b]),
                             r.Fl[0, k][None, :], np.array([int(a_mask.sum())]))
        out_F.append(F[0])
        out_y.append(r.soft[k])
    return np.array(out_F).reshape(-1, len(learned.ALL_FEATURES)), np.array(out_y)


#: Groups kept out of the training rows (used only as a cap on false stages when choosing the thresholds).
CAP_ONLY: tuple[str, ...] = ()


#: Weight of each annotated batch so that every batch counts the same (``--balance``); other groups keep 1.
BALANCE = False
#: Extra training contexts from the first model's own greedy states (``--dagger``: DAgger-style).
DAGGER = False


def training_set(rows: list[Row], model: Any = None, thr: float = 0.5, drp: float = 0.3
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, soft labels and weights of every pool candidate in its contexts (with ``model``: also the
    accepted set the model's greedy acceptance reaches on the row, and the set before its additions)."""
    Fs, ys, ws = [], [], []
    sizes = {g: sum(r.group == g for r in rows) for g in BATCHES}
    mean_size = np.mean([v for v in sizes.values() if v]) if any(sizes.values()) else 1.0
    for r in rows:
        if r.group in CAP_ONLY:
            continue
        C = r.C
        valid = C < r.ctx.L[:, None]
        empty = np.zeros_like(valid)
        main = np.isin(r.pos[np.minimum(C, r.pos.size - 1)], r.main) & valid
        oracle = np.zeros_like(valid)
        for k in np.argsort(-r.soft):
            if r.soft[k] < 0.5 or not valid[0, k]:
                continue
            if all(abs(int(C[0, k]) - int(C[0, j])) >= learned.MIN_STAGE for j in np.flatnonzero(oracle[0])):
                oracle[0, k] = True
        contexts = [empty, main, oracle]
        if model is not None and valid.any():
            own = learned.greedy(r.ctx, C, r.Fl, thr, model, drp)
            if not any((own == c).all() for c in contexts):
                contexts.append(own)
        w = mean_size / sizes[r.group] if BALANCE and r.group in sizes and sizes[r.group] else 1.0
        for acc in contexts:
            F, y = _context_rows(r, acc)
            Fs.append(F)
            ys.append(y)
            ws.append(np.full(len(y), w))
    return np.vstack(Fs), np.concatenate(ys), np.concatenate(ws)


#: ``"logit"`` (tenth pass B) or ``"gbm"`` (eleventh pass A); ``TREE_PARAMS`` for the latter.
MODEL = "logit"
TREE_PARAMS: Any = None


def fit(rows: list[Row], c_reg: float = 0.1) -> Any:
    """The model of ``MODEL`` fitted on ``rows`` (with ``DAGGER``: refitted once with its own greedy states)."""
    model = _fit(*training_set(rows), c_reg)
    if DAGGER:
        thr, drp, _ = choose(rows, model, [b for b in BATCHES if any(r.group == b for r in rows)], {})
        model = _fit(*training_set(rows, model, thr, drp), c_reg)
    return model


def _fit(F: np.ndarray, y: np.ndarray, w: np.ndarray, c_reg: float) -> Any:
    if MODEL == "gbm":
        from bench import fit_stage_trees

        return fit_stage_trees.fit(F, y, w, TREE_PARAMS or fit_stage_trees.TreeParams())
    from sklearn.linear_model import LogisticRegression

    F = F[:, : len(learned.FEATURES)]  # the logistic model keeps the tenth pass's inputs
    center = F.mean(axis=0)
    scale = F.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    Z = (F - center) / scale
    X2 = np.vstack([Z, Z])
    y2 = np.concatenate([np.ones(len(y)), np.zeros(len(y))])
    w2 = np.concatenate([y * w, (1.0 - y) * w])
    keep = w2 > 0
    m = LogisticRegression(C=c_reg, max_iter=2000)
    m.fit(X2[keep], y2[keep], sample_weight=w2[keep])
    return center, scale, m.coef_[0], float(m.intercept_[0])


def predict(r: Row, model: Any, thr: float,
            drop: float | None = None) -> list[int]:
    if not (r.C < r.ctx.L[:, None]).any():
        return r.main
    acc = learned.greedy(r.ctx, r.C, r.Fl, thr, model, drop)
    cands = sorted(int(c) for c in r.C[0][acc[0]])
    conf = r.confirm([cands])[0]
    return [int(r.pos[c]) for c, _, _ in conf]


def score(rows: list[Row], preds: dict[str, list[int]]) -> dict[str, tuple[float, float, int, int]]:
    """Per group: (F1, cover, series with a stage among the unmarked, unmarked)."""
    out = {}
    for g in sorted({r.group for r in rows}):
        f, c, fa, nn = [], [], 0, 0
        for r in rows:
            if r.group != g:
                continue
            p = preds[r.name]
            if g in BATCHES:
                marks: dict[str, Sequence[int]] = dict(r.marks)
                f.append(A.f1_multi(marks, p))
                c.append(A.cover_multi(marks, p, r.n))
            else:
                f.append(f1_score(r.marks["truth"], p))
                c.append(covering(r.marks["truth"], p, r.n))
            if not any(m for ms in r.marks.values() for m in ms if m > 0):
                nn += 1
                fa += bool(p)
        out[g] = (float(np.mean(f)), float(np.mean(c)), fa, nn)
    return out


ADD_GRID = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)
DROP_GRID = (0.0, 0.1, 0.2, 0.3)


def choose(rows: list[Row], model: Any, groups: list[str], max_false: dict[str, int]) -> tuple[float, float, dict]:
    """``(threshold, drop, scores)`` with the best mean F1 + cover on ``groups`` whose false stages stay
    within ``max_false`` (per group of shift-free series)."""
    best: tuple[float, float, float, dict] = (-1.0, ADD_GRID[-1], 0.0, {})
    for thr in ADD_GRID:
        for drp in DROP_GRID:
            if drp > thr:
                continue
            s = score(rows, {r.name: predict(r, model, thr, drp) for r in rows})
            if any(s[g][2] > cap for g, cap in max_false.items() if g in s):
                continue
            val = float(np.mean([s[g][0] + s[g][1] for g in groups]))
            if val > best[0]:
                best = (val, thr, drp, s)
    return best[1], best[2], best[3]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rdatasets", default=os.environ.get("RDATASETS_DIR"), required=False)
    ap.add_argument("--nab", default=os.environ.get("NAB_DIR"))
    ap.add_argument("--cv", action="store_true", help="leave-one-batch-out cross-validation")
    ap.add_argument("--write", action="store_true", help="store the fit on all data in learned.py")
    ap.add_argument("--c", type=float, default=0.1, help="inverse regularisation of the logistic fit")
    ap.add_argument("--cache", help="pickle of the loaded rows (written if missing)")
    ap.add_argument("--cap-only", default="", help="comma-separated groups used only as a cap (e.g. ar1)")
    ap.add_argument("--guards", action="store_true", help="only count stages on shift-free series, off vs on")
    ap.add_argument("--model", choices=("logit", "gbm"), default="logit",
                    help="logistic regression (tenth pass B) or monotone boosted trees (eleventh pass A)")
    ap.add_argument("--depth", type=int, default=3, help="gbm: tree depth")
    ap.add_argument("--iters", type=int, default=150, help="gbm: number of trees")
    ap.add_argument("--lr", type=float, default=0.05, help="gbm: learning rate")
    ap.add_argument("--leaf", type=int, default=40, help="gbm: fewest training rows in a leaf")
    ap.add_argument("--l2", type=float, default=1.0, help="gbm: L2 regularisation of the leaf values")
    ap.add_argument("--free", action="store_true", help="gbm: no monotone constraints")
    ap.add_argument("--balance", action="store_true", help="weight every annotated batch the same")
    ap.add_argument("--dagger", action="store_true", help="add contexts from the first fit's own greedy states")
    ap.add_argument("--grid", help="comma-separated acceptance thresholds to choose from (default: ADD_GRID)")
    ap.add_argument("--dump", help="write the cross-validated predictions per series (JSON)")
    args = ap.parse_args(argv)
    global CAP_ONLY, MODEL, TREE_PARAMS, BALANCE, DAGGER, ADD_GRID
    CAP_ONLY = tuple(g for g in args.cap_only.split(",") if g)
    MODEL, BALANCE, DAGGER = args.model, args.balance, args.dagger
    if args.grid:
        ADD_GRID = tuple(float(v) for v in args.grid.split(","))
    if MODEL == "gbm":
        from bench.fit_stage_trees import TreeParams

        TREE_PARAMS = TreeParams(args.depth, args.iters, args.lr, args.leaf, args.l2, not args.free)
    if args.guards:
        learned.MODEL_KIND = "trees" if MODEL == "gbm" else "logit"
        guards(Path(args.rdatasets) if args.rdatasets else None)
        return 0
    if args.cache and Path(args.cache).exists():
        import pickle

        rows = pickle.loads(Path(args.cache).read_bytes())
        if not any(r.group == "ar1s" for r in rows):  # a cache from before the short AR(1) negatives
            rows += short_rows()
            Path(args.cache).write_bytes(pickle.dumps(rows))
    else:
        rows = load_all(Path(args.rdatasets), Path(args.nab))
        if args.cache:
            import pickle

            Path(args.cache).write_bytes(pickle.dumps(rows))
    main_preds = {r.name: r.main for r in rows}
    base = score(rows, main_preds)
    caps = {g: base[g][2] for g in ("syn", "neg", "ar1", "ar1s") if g in base}  # no more false stages than the hand-set pipeline
    print("main", {g: f"{v[0]:.3f}/{v[1]:.3f} false {v[2]}/{v[3]}" for g, v in base.items()})
    dump: dict[str, Any] = {}
    if args.cv:
        res = []
        for held in BATCHES:
            train = [r for r in rows if r.group != held]
            model = fit(train, args.c)
            thr, drp, _ = choose(train, model, [b for b in BATCHES if b != held], caps)
            test = [r for r in rows if r.group == held]
            preds = {r.name: predict(r, model, thr, drp) for r in test}
            dump.update({r.name: {"group": held, "learned": preds[r.name], "main": r.main, "marks": r.marks}
                         for r in test})
            h = score(test, preds)[held]
            res.append((h[0], h[1], base[held][0], base[held][1]))
            print(f"fold {held}: threshold {thr} drop {drp} learned {h[0]:.3f}/{h[1]:.3f} (unmarked staged {h[2]}/{h[3]}) "
                  f"main {base[held][0]:.3f}/{base[held][1]:.3f}", flush=True)
        R = np.array(res)
        print(f"LOBO mean learned {R[:, 0].mean():.4f}/{R[:, 1].mean():.4f} main {R[:, 2].mean():.4f}/{R[:, 3].mean():.4f}"
              f"; d+e+f learned {R[3:6, 0].mean():.4f}/{R[3:6, 1].mean():.4f} main {R[3:6, 2].mean():.4f}/{R[3:6, 3].mean():.4f}")
        if args.dump:
            import json

            Path(args.dump).write_text(json.dumps(dump))
    model = fit(rows, args.c)
    thr, drp, s = choose(rows, model, list(BATCHES), caps)
    print("in-sample (not evidence):", {g: f"{v[0]:.3f}/{v[1]:.3f} false {v[2]}/{v[3]}" for g, v in s.items()},
          "threshold", thr, "drop", drp)
    if MODEL == "logit":
        for nm, cf in zip(learned.FEATURES, model[2], strict=True):
            print(f"  {nm:>16} {cf:+.3f}")
    if args.write and MODEL == "gbm":
        from bench import fit_stage_trees

        print("wrote", fit_stage_trees.write(model, thr, drp))
    elif args.write:
        _write(model, thr, drp)
    return 0


def _fmt(a: np.ndarray) -> str:
    return "np.array([" + ", ".join(f"{v:.6g}" for v in a) + "])"


def _write(model: tuple[np.ndarray, np.ndarray, np.ndarray, float], thr: float, drp: float) -> None:
    path = Path(learned.__file__)
    src = path.read_text()
    center, scale, coef, icpt = model
    for name, val in (("CENTER", _fmt(center)), ("SCALE", _fmt(scale)), ("COEF", _fmt(coef)),
                      ("INTERCEPT", f"{icpt:.6g}"), ("THRESHOLD", f"{thr:.6g}"), ("DROP", f"{drp:.6g}")):
        src = re.sub(rf"^{name} = .*$", f"{name} = {val}", src, count=1, flags=re.M)
    path.write_text(src)
    print("wrote", path)


if __name__ == "__main__":
    raise SystemExit(main())
