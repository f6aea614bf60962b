"""``eval compare A B``: what regressed and what improved from run A to run B.

Items are matched by case id and variant. An item *regressed* when it passed
in A and fails in B, and *improved* the other way round; for each the scorers
whose verdict flipped are listed with B's (or A's) expected-vs-actual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from evals.report import SCORER_ORDER, _fmt
from store.evals import ItemRow, StoredRun


@dataclass
class Change:
    case_id: str
    variant: int
    question: str
    scorers: list[dict[str, Any]]  # {scorer, before, after, expected, actual}


@dataclass
class Comparison:
    a: StoredRun
    b: StoredRun
    regressed: list[Change] = field(default_factory=list)
    improved: list[Change] = field(default_factory=list)
    still_failing: list[str] = field(default_factory=list)
    only_in_a: list[str] = field(default_factory=list)
    only_in_b: list[str] = field(default_factory=list)
    scorer_rates: list[dict[str, Any]] = field(default_factory=list)

    @staticmethod
    def _rate(run: StoredRun) -> float:
        return sum(i.passed for i in run.items) / len(run.items) if run.items else 0.0

    def summary(self) -> list[tuple[str, Any, Any]]:
        a, b = self.a, self.b
        return [
            ("items", len(a.items), len(b.items)),
            ("pass rate", self._rate(a), self._rate(b)),
            ("latency p50 (ms)", a.p50_latency_ms, b.p50_latency_ms),
            ("latency p95 (ms)", a.p95_latency_ms, b.p95_latency_ms),
            ("tokens", a.prompt_tokens + a.completion_tokens, b.prompt_tokens + b.completion_tokens),
            ("cost (USD)", a.cost_usd, b.cost_usd),
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "a": str(self.a.id), "b": str(self.b.id),
            "summary": [{"metric": m, "a": x, "b": y} for m, x, y in self.summary()],
            "regressed": [c.__dict__ for c in self.regressed],
            "improved": [c.__dict__ for c in self.improved],
            "still_failing": self.still_failing, "only_in_a": self.only_in_a, "only_in_b": self.only_in_b,
            "scorers": self.scorer_rates,
        }

    @staticmethod
    def fmt(metric: str, v: Any) -> str:
        if v is None:
            return "—"
        if metric == "pass rate":
            return f"{v:.1%}"
        if metric == "cost (USD)":
            return f"{v:.4f}"
        return f"{v:,.0f}"

    def markdown(self) -> str:
        out = [f"# Evaluation compare `{self.a.id}` → `{self.b.id}`", "",
               "| metric | A | B |", "| --- | ---: | ---: |"]
        for m, x, y in self.summary():
            out.append(f"| {m} | {self.fmt(m, x)} | {self.fmt(m, y)} |")
        for title, changes in (("Regressed", self.regressed), ("Improved", self.improved)):
            out += ["", f"## {title} ({len(changes)})", ""]
            if not changes:
                out.append("None.")
            for c in changes:
                flips = ", ".join(f"{s['scorer']} {'✓' if s['before'] else '✗'}→{'✓' if s['after'] else '✗'}"
                                  for s in c.scorers)
                out.append(f"- **{c.case_id}** (variant {c.variant}) — “{c.question}” — {flips}")
                for s in c.scorers:
                    if s["expected"] or s["actual"]:
                        out.append(f"  - {s['scorer']}: expected {s['expected']}; actual {s['actual']}")
        if self.still_failing:
            out += ["", f"## Failing in both ({len(self.still_failing)})", "", ", ".join(self.still_failing)]
        if self.only_in_a or self.only_in_b:
            out += ["", "## Not in both runs", "", f"only in A: {', '.join(self.only_in_a) or '—'}",
                    f"only in B: {', '.join(self.only_in_b) or '—'}"]
        return "\n".join(out) + "\n"


def _flips(x: ItemRow, y: ItemRow, shown: ItemRow) -> list[dict[str, Any]]:
    names = sorted(set(x.scorers) | set(y.scorers), key=lambda n: SCORER_ORDER.index(n) if n in SCORER_ORDER else 99)
    out = []
    for n in names:
        before = x.scorers.get(n, {}).get("passed")
        after = y.scorers.get(n, {}).get("passed")
        if before == after:
            continue
        d = shown.scorers.get(n, {}).get("details", {})
        out.append({"scorer": n, "before": before, "after": after, "expected": _fmt(d.get("expected")),
                    "actual": _fmt(d.get("actual"))})
    return out


def compare_runs(a: StoredRun, b: StoredRun) -> Comparison:
    ia = {(i.case_id, i.variant): i for i in a.items}
    ib = {(i.case_id, i.variant): i for i in b.items}
    cmp = Comparison(a=a, b=b)
    for key in sorted(set(ia) | set(ib)):
        x, y = ia.get(key), ib.get(key)
        label = f"{key[0]}#{key[1]}"
        if x is None:
            cmp.only_in_b.append(label)
            continue
        if y is None:
            cmp.only_in_a.append(label)
            continue
        q = y.details.get("question") or x.details.get("question") or ""
        if x.passed and not y.passed:
            cmp.regressed.append(Change(key[0], key[1], q, _flips(x, y, y)))
        elif not x.passed and y.passed:
            cmp.improved.append(Change(key[0], key[1], q, _flips(x, y, x)))
        elif not x.passed and not y.passed:
            cmp.still_failing.append(label)
    common = set(ia) & set(ib)
    names = sorted({n for k in common for n in ia[k].scorers} | {n for k in common for n in ib[k].scorers},
                   key=lambda n: SCORER_ORDER.index(n) if n in SCORER_ORDER else 99)
    for n in names:
        ra = [ia[k].scorers[n]["passed"] for k in common if n in ia[k].scorers]
        rb = [ib[k].scorers[n]["passed"] for k in common if n in ib[k].scorers]
        cmp.scorer_rates.append({"scorer": n, "a": sum(ra) / len(ra) if ra else None,
                                 "b": sum(rb) / len(rb) if rb else None})
    return cmp


_ITEM_ROW = re.compile(r"^\|\s*([\w/.-]+)\s*\|\s*(\d+)\s*\|\s*(pass|\*\*FAIL\*\*)\s*\|", re.M)


def report_verdicts(markdown: str) -> dict[tuple[str, int], bool]:
    """The verdict of each item in a Markdown report's "All items" table (``render_markdown``'s output), by case id
    and variant: what a committed report (``docs/evals/latest.md``) says passed, for checking a new run against."""
    table = markdown.split("\n## All items", 1)
    if len(table) < 2:
        return {}
    return {(m.group(1), int(m.group(2))): m.group(3) == "pass" for m in _ITEM_ROW.finditer(table[1])}


def newly_failing(baseline: dict[tuple[str, int], bool], run: StoredRun) -> list[str]:
    """The items (``case#variant``) that passed in ``baseline`` and fail in ``run``; an item only one of them has
    (a case added, removed or given fewer paraphrases since) is no regression."""
    return sorted(f"{i.case_id}#{i.variant}" for i in run.items
                  if baseline.get((i.case_id, i.variant)) and not i.passed)
