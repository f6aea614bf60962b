"""Evidence-backed reports: markdown where every factual line cites ``[E:<id>]``.

The composer is pure: it takes *stored* evidence records (ids exist) and turns
each into the sentences it supports, so a report can only say what some
evidence says, and every citation resolves. :func:`check_citations` verifies a
markdown text against the ids that exist (used by tests and by the runtime
before a model-written report is accepted).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from pydantic import BaseModel

from store.evidence import EvidenceRecord

CITATION = re.compile(r"\[E:(\d+)\]")

ReportKind = Literal["incident", "investigation"]

_TIMELINE_KINDS = ("incident", "change", "stage_change", "metric_onset", "signals", "active_signal")
_SIGNAL_KINDS = ("kpi_series", "stage_change", "signals", "active_signal", "metric_onset", "control_chart")
_RUNBOOK_KINDS = ("runbook", "search_results", "response_suggestion")


class ReportDraft(BaseModel):
    kind: ReportKind
    title: str
    markdown: str
    evidence_ids: list[int]


def cite(record: EvidenceRecord) -> str:
    return f"[E:{record.id}]"


def extract_citations(markdown: str) -> list[int]:
    """Cited evidence ids in order of first appearance."""
    return list(dict.fromkeys(int(m) for m in CITATION.findall(markdown)))


def check_citations(markdown: str, known_ids: Iterable[int]) -> list[int]:
    """Cited ids that are not in ``known_ids`` (empty list = every citation resolves)."""
    known = set(known_ids)
    return [i for i in extract_citations(markdown) if i not in known]


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _line(record: EvidenceRecord, text: str | None = None) -> str:
    return f"{_sentence(text or record.summary)[:-1]} {cite(record)}."


def _when(record: EvidenceRecord) -> str:
    p = record.payload
    for key in ("changed_at", "onset", "started_at", "date", "start_date"):
        v = p.get(key)
        if isinstance(v, str):
            return v
    return record.created_at.isoformat() if record.created_at else ""


def _hypotheses(records: Sequence[EvidenceRecord]) -> list[tuple[dict[str, Any], EvidenceRecord]]:
    out = []
    for r in records:
        if r.kind == "hypotheses":
            for h in r.payload.get("hypotheses", []):
                out.append((h, r))
    out.sort(key=lambda hr: (hr[0].get("rank", 99), -float(hr[0].get("confidence", 0))))
    return out


def _change_record(records: Sequence[EvidenceRecord], subject: str | None) -> EvidenceRecord | None:
    if not subject:
        return None
    for r in records:
        if r.kind == "change" and subject in (r.payload.get("external_id"), r.payload.get("subject")):
            return r
    return None


def compose_report(
    *,
    kind: ReportKind,
    title: str,
    evidence: Sequence[EvidenceRecord],
    now: dt.datetime | None = None,
) -> ReportDraft:
    """Draft a report from stored evidence. Sections without evidence say so instead of guessing."""
    by_kind: dict[str, list[EvidenceRecord]] = {}
    for r in evidence:
        by_kind.setdefault(r.kind, []).append(r)
    hyps = _hypotheses(evidence)
    lines: list[str] = [f"# {title}", ""]
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    lines += [f"_Drafted {stamp} from {len(evidence)} evidence item(s); every statement cites its source._", ""]

    # Summary ---------------------------------------------------------------
    lines += ["## Summary", ""]
    summary: list[str] = []
    for r in by_kind.get("incident", [])[:1]:
        summary.append(_line(r))
    for r in by_kind.get("stage_change", [])[:2]:
        summary.append(_line(r))
    if hyps:
        h, r = hyps[0]
        conf = float(h.get("confidence", 0))
        summary.append(
            _line(r, f"The most likely cause is {h.get('subject') or h.get('title')} "
                     f"(confidence {conf:.2f}): {h.get('rationale', '')}")
        )
    elif by_kind.get("hypotheses"):
        summary.append(_line(by_kind["hypotheses"][0]))
    if not summary:
        summary.append("No evidence was gathered for a summary.")
    lines += [" ".join(summary), ""]

    # Impact ------------------------------------------------------------------
    lines += ["## Impact", ""]
    impact = [_line(r) for r in by_kind.get("incident", [])] + [_line(r) for r in by_kind.get("kpi_series", [])]
    impact += [_line(r) for r in by_kind.get("metric_onset", [])]
    lines += [f"- {x}" for x in impact] or ["- No impact evidence was gathered."]
    lines.append("")

    # Timeline ----------------------------------------------------------------
    lines += ["## Timeline", ""]
    timeline = sorted(
        (r for k in _TIMELINE_KINDS for r in by_kind.get(k, [])), key=lambda r: _when(r)
    )
    lines += [f"- {_when(r)[:16].replace('T', ' ')} — {_line(r)}" for r in timeline] or ["- No dated events."]
    lines.append("")

    # Signals -----------------------------------------------------------------
    lines += ["## Signals", ""]
    sig = [r for k in ("signals", "active_signal", "stage_change") for r in by_kind.get(k, [])]
    lines += [f"- {_line(r)}" for r in sig] or ["- No control-chart signals in the evidence."]
    lines.append("")

    # Hypotheses --------------------------------------------------------------
    lines += ["## Ranked hypotheses", ""]
    if hyps:
        lines += ["| rank | cause | confidence | rationale | evidence |", "| --- | --- | --- | --- | --- |"]
        for h, r in hyps[:5]:
            change = _change_record(evidence, h.get("subject"))
            cites = " ".join(dict.fromkeys([cite(r)] + ([cite(change)] if change else [])))
            rationale = str(h.get("rationale", "")).replace("|", "/")
            lines.append(
                f"| {h.get('rank', '')} | {h.get('subject') or h.get('title', '')} | "
                f"{float(h.get('confidence', 0)):.2f} | {rationale} | {cites} |"
            )
    else:
        lines.append("- No change in the look-back window explains the onset; see open questions.")
    lines.append("")

    # Actions -----------------------------------------------------------------
    lines += ["## Recommended actions", ""]
    actions: list[str] = []
    if hyps:
        h, r = hyps[0]
        what = h.get("type", "change").replace("_", " ")
        actions.append(_line(r, f"Review the {what} {h.get('subject', '')} first and confirm or reject it in the panel"))
    found = [r for k in _RUNBOOK_KINDS for r in by_kind.get(k, []) if not _empty_search(r)]
    for r in found[:3]:
        actions.append(_line(r, f"Follow the matching guidance: {r.summary}"))
    lines += [f"- {a}" for a in actions] or ["- Gather more evidence before acting (no runbook matched)."]
    lines.append("")

    # Open questions (questions, not claims: no citations needed) --------------
    lines += ["## Open questions", ""]
    questions = []
    if not hyps or float(hyps[0][0].get("confidence", 0)) < 0.5:
        questions.append("Did anything change that is not recorded as a deployment or config change (traffic, vendors, data)?")
    if len(hyps) > 1:
        questions.append(f"Can {hyps[1][0].get('subject', 'the second hypothesis')} be ruled out?")
    if not found:
        questions.append("No runbook or past incident matched: is there guidance for this that is not in the library yet?")
    lines += [f"- {q}" for q in questions] or ["- None."]
    markdown = "\n".join(lines).rstrip() + "\n"
    return ReportDraft(kind=kind, title=title, markdown=markdown, evidence_ids=extract_citations(markdown))


def _empty_search(r: Any) -> bool:
    """A search that found nothing: no guidance to follow."""
    return r.kind == "search_results" and isinstance(r.payload, dict) and not r.payload.get("hits")
