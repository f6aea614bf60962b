""""What caused <incident>?": beside the change analysis, what the incident's own record says — its cause and
resolution fields always (quoted as written, labelled as the record's words, not a finding), and its summary when
no change explains it."""

from __future__ import annotations

from agents.specialists.common import StepScope
from tools.incidents.record_notes import incident_record_notes

MAX_NOTES = 3


async def say_record(s: StepScope, incident: str, *, explained: bool) -> None:
    """``explained``: the change correlator found a plausible change (then only cause/resolution fields are quoted,
    not the summary, which says what happened rather than why)."""
    noticed = len(s.notices)
    got = await s.tool("incident_record_notes", incident_record_notes, incident=incident)
    del s.notices[noticed:]  # an unknown incident is said by the correlator already
    if got is None:
        return
    r, records = got
    ev = records[0]
    for n in r.notes[:MAX_NOTES]:
        what = "cause" if n.kind == "cause" else "resolution"
        s.say(f"What the incident record says ({what}, its “{n.field}” field, as written there — not checked "
              f"against the data): “{n.text}”", ev)
    if explained or r.notes:
        return
    if r.summary:
        s.say(f"The record of {r.incident} names no cause; what its summary says (as written there): “{r.summary}”", ev)
    elif r.written_later:
        s.say(f"{r.incident} was still open at this moment; its closing notes came later.", ev)
    else:
        s.say(f"The record of {r.incident} names no cause either: it holds no cause, resolution or summary text.", ev)
