"""What an incident's own record says about why it happened and how it ended: the cause, root-cause, resolution,
post-mortem or close-notes fields an import kept (in ``incidents.extra``, under whatever name the export used) and
its summary. Read-only and org-scoped; the text is data, returned as inert plain text (HTML dropped, whitespace
folded, cut to a length), never interpreted."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import text

from store.importers_html import html_to_text, looks_like_html
from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput

MAX_CHARS = 400  # of one field quoted

# A field's name as words (``rootCause`` → root, cause; ``close_notes`` → close, notes) → what it holds. Cause-like
# names first: they are what "what caused it?" wants; then how it was resolved. Whole words only ("id_prefix" is no fix).
_CAUSE_WORDS = frozenset({"cause", "causes", "rca", "why", "reason", "contributing", "trigger"})
_CAUSE_JOINED = ("rootcause", "whathappened", "causedby", "triggeredby", "failurereason")
_RESOLUTION_WORDS = frozenset({"resolution", "fix", "fixed", "remediation", "workaround", "postmortem", "retro",
                               "retrospective", "lessons", "solution", "pir"})
_RESOLUTION_JOINED = ("closenotes", "closurenotes", "closingnotes", "resolvednotes", "resolutionnotes", "actiontaken",
                      "postmortem", "postincident")
_NOT_WORDS = frozenset({"at", "on", "time", "date", "by", "code", "codes", "category", "minutes", "mins", "hours",
                        "duration", "sla", "due", "id", "url", "link", "type", "status", "version", "versions"})


class RecordNote(BaseModel):
    field: str = Field(description="the field's name as the import spelled it")
    kind: str = Field(description="cause or resolution")
    text: str


class IncidentRecordNotes(BaseModel):
    incident: str
    title: str
    status: str
    resolved_at: dt.datetime | None
    notes: list[RecordNote] = Field(description="cause fields first, then resolution fields")
    summary: str | None
    written_later: bool = Field(False, description="resolved after the run's moment: its closing notes were not "
                                                   "written yet then and are left out")


def _fold(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def kind_of(name: str) -> str | None:
    """"cause", "resolution" or None for a field name as an export spells it (``root_cause``, ``RCA``,
    ``close_notes``, ``Resolution Notes``); ``resolved_at``, ``cause_code``, ``id_prefix`` and the like are no notes."""
    words = re.sub(r"[^a-z0-9]+", " ", re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name).lower()).split()
    joined = "".join(words)
    if not words or _NOT_WORDS & set(words):
        return None
    if _CAUSE_WORDS & set(words) or any(j in joined for j in _CAUSE_JOINED):
        return "cause"
    if _RESOLUTION_WORDS & set(words) or any(j in joined for j in _RESOLUTION_JOINED):
        return "resolution"
    return None


def inert(value: Any) -> str | None:
    """A field's value as one line of plain text (lists joined; an object by its text-like member), or None."""
    if isinstance(value, dict):
        value = next((v for k, v in value.items() if _fold(str(k)) in ("text", "summary", "description", "value",
                                                                     "displayvalue", "body")), None)
    if isinstance(value, list):
        parts = [p for v in value if (p := inert(v))]
        value = "; ".join(parts) if parts else None
    if not isinstance(value, str):
        return None
    s = html_to_text(value) if looks_like_html(value) else value
    s = " ".join(s.replace("“", '"').replace("”", '"').split())
    s = re.sub(r"\[\s*E\s*:\s*([^\]]*)\]", r"(E \1)", s)  # never a citation of ours: "[E:12]" in the text is data
    return (s[:MAX_CHARS].rstrip() + "…") if len(s) > MAX_CHARS else (s or None)


async def incident_record_notes(ctx: ToolContext, *, incident: str) -> ToolOutput[IncidentRecordNotes]:
    """The cause and resolution notes and the summary stored on one incident (by its external id)."""
    async with ctx.read() as session:
        row = (await session.execute(text(
            """SELECT id, external_id, title, status, started_at, resolved_at, summary, extra FROM incidents
               WHERE org_id = :org AND upper(external_id) = upper(:ext)"""),
            {"org": ctx.org_id, "ext": incident.strip()})).mappings().first()
    if row is None:
        raise ToolError(f"unknown incident {incident!r}")
    later = row["resolved_at"] is not None and row["resolved_at"] > ctx.now  # a replay never reads the future
    notes = [] if later else [RecordNote(field=str(k), kind=kind, text=t) for k, v in (row["extra"] or {}).items()
                              if (kind := kind_of(str(k))) and (t := inert(v))]
    notes.sort(key=lambda n: n.kind != "cause")
    result = IncidentRecordNotes(
        incident=row["external_id"], title=row["title"], status="open" if later else row["status"],
        resolved_at=None if later else row["resolved_at"], notes=notes,
        summary=None if later else inert(row["summary"]), written_later=later)
    said = "; ".join(f"{n.field}: {n.text}" for n in notes) or "no cause or resolution field"
    return ToolOutput(result=result, evidence=[EvidenceDraft(
        kind="incident_record", source="tools.incidents.incident_record_notes", incident_id=row["id"],
        ref={"tool": "incident_record_notes", "args": {"incident": row["external_id"]}, "as_of": ctx.now.isoformat(),
             "query": "the incident's summary and the cause/resolution fields its import kept (incidents.extra)"},
        payload=result.model_dump(mode="json"),
        summary=(f"What the record of {row['external_id']} says — {said}"
                 + (f"; summary: {result.summary}" if result.summary else "")),
    )])
