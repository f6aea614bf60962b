"""Reports of an evaluation run: Markdown (for docs and CI logs) and HTML (failures side by side).

Both are rendered from the stored run (:func:`store.evals.load_eval_run`), so a
report can be written again for any past run (``opsgraph eval report RUN``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from store.evals import ItemRow, StoredRun

TEMPLATES = Path(__file__).with_name("templates")
SCORER_ORDER = ["status", "setup", "routing", "tools", "facts", "forbidden", "citations", "latency", "tokens", "cost",
                "judge"]


def _fmt(v: Any) -> str:
    """Expected/actual values as short text."""
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list) and all(isinstance(x, str | int | float) or x is None for x in v):
        return "[" + ", ".join("—" if x is None else str(x) for x in v) + "]"
    return json.dumps(v, default=str, ensure_ascii=False)


def _group(items: list[ItemRow], keys) -> list[dict[str, Any]]:
    acc: dict[str, list[ItemRow]] = defaultdict(list)
    for it in items:
        for k in keys(it):
            acc[k].append(it)
    rows = []
    for k in sorted(acc):
        xs = acc[k]
        passed = sum(x.passed for x in xs)
        rows.append({"name": k, "n": len(xs), "cases": len({x.case_id for x in xs}), "passed": passed,
                     "failed": len(xs) - passed, "rate": passed / len(xs) if xs else 0.0})
    return rows


def _scorers(items: list[ItemRow]) -> list[dict[str, Any]]:
    acc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for it in items:
        for name, s in it.scorers.items():
            acc[name].append(s)
    names = sorted(acc, key=lambda n: (SCORER_ORDER.index(n) if n in SCORER_ORDER else 99, n))
    return [{"name": n, "applied": len(acc[n]), "passed": sum(s["passed"] for s in acc[n]),
             "rate": sum(s["passed"] for s in acc[n]) / len(acc[n]),
             "mean": sum(s["score"] for s in acc[n]) / len(acc[n])} for n in names]


def _failure(it: ItemRow) -> dict[str, Any]:
    rows = []
    for name in sorted(it.failed_scorers, key=lambda n: SCORER_ORDER.index(n) if n in SCORER_ORDER else 99):
        d = it.scorers[name]["details"]
        detail_lines: list[str] = []
        if name == "citations":
            detail_lines.extend(f"uncited: {t}" for t in d.get("uncited_claims", [])[:5])
        rows.append({"scorer": name, "score": it.scorers[name]["score"], "expected": _fmt(d.get("expected")),
                     "actual": _fmt(d.get("actual")), "notes": detail_lines})
    return {"item": it, "rows": rows}


def context(run: StoredRun) -> dict[str, Any]:
    items = sorted(run.items, key=lambda i: (i.case_id, i.variant))
    passed = sum(i.passed for i in items)
    return {
        "run": run,
        "items": items,
        "n_items": len(items),
        "n_cases": len({i.case_id for i in items}),
        "passed": passed,
        "pass_rate": (passed / len(items)) if items else 0.0,
        "by_suite": _group(items, lambda i: [i.suite]),
        "by_tag": _group(items, lambda i: i.tags),
        "by_scorer": _scorers(items),
        "failures": [_failure(i) for i in items if not i.passed],
        "duration": run.duration_s,
    }


def _env(autoescape: bool) -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]) if autoescape else False,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["pct"] = lambda x: "—" if x is None else f"{100 * x:.1f}%"
    env.filters["ms"] = lambda x: "—" if x is None else f"{x:,.0f} ms"
    env.filters["num"] = lambda x: "—" if x is None else f"{x:,.2f}" if isinstance(x, float) else f"{x:,}"
    env.filters["cell"] = lambda s: str(s).replace("|", "\\|").replace("\n", " ")
    env.filters["quote"] = lambda s: "\n".join("> " + ln for ln in str(s or "").splitlines()) or "> (empty)"
    return env


def render_markdown(run: StoredRun) -> str:
    return _env(False).get_template("report.md.j2").render(**context(run))


def render_html(run: StoredRun) -> str:
    return _env(True).get_template("report.html.j2").render(**context(run))


def write_reports(run: StoredRun, path: Path) -> list[Path]:
    """Write ``path`` as Markdown (``.md``) or HTML (``.html``) and its sibling in the other format."""
    path = Path(path)
    md, html = path.with_suffix(".md"), path.with_suffix(".html")
    if path.suffix not in (".md", ".html"):
        md, html = path, path.with_name(path.name + ".html")
    md.parent.mkdir(parents=True, exist_ok=True)
    md.write_text(render_markdown(run), encoding="utf-8")
    html.write_text(render_html(run), encoding="utf-8")
    return [md, html]
