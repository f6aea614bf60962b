""""Is <KPI move> related to <change>?" when the change ranking puts another change above the named one: the KPI
analyst's "Yes — <KPI> was worse after <change>" is only timing, so the verdict is revised to say which change
explains the move better (the KPI analyst runs before the ranking exists)."""

from __future__ import annotations

from typing import Any

from agents.state import Finding


def better_cause(top: Any, named: Any, ext: str) -> str | None:
    """"DEP-9 on svc explains it better (confidence 0.59 against 0.45 for <ext>)" when ``top`` (the first-ranked,
    plausible hypothesis) is another change than ``ext`` and ranks above ``named`` (its hypothesis; None when the
    ranking did not weigh it) — None otherwise."""
    if top is None or top.subject == ext or not top.plausible or (named is not None and top.rank >= named.rank):
        return None
    against = (f"against {named.confidence:.2f} for {ext}" if named is not None else f"{ext} not among those ranked")
    return f"{top.subject} on {top.service} explains it better (confidence {top.confidence:.2f}, {against}) and is the more likely cause"


def revised(findings: list[Finding], ext: str, better: str) -> list[Finding] | None:
    """The findings with the KPI analyst's "Yes — … <ext> …" verdict turned into "Probably not — …, but <better>";
    None when there is no such line."""
    out, changed = [], False
    for f in findings:
        lines = []
        for line in f["lines"]:
            text = str(line.get("text", ""))
            if not changed and text.startswith("Yes — ") and ext in text:
                text = (f"Probably not — {text.removeprefix('Yes — ').rstrip('.')}, but that is timing: "
                        f"{better}.")
                line, changed = {**line, "text": text}, True
            lines.append(line)
        out.append(Finding(**{**f, "lines": lines}))
    return out if changed else None
