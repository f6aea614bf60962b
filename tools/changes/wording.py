"""The words of a change correlation: what each candidate is, where it sits against the focus, why it ranks where
it does, and the conclusion."""

from __future__ import annotations

import datetime as dt

from tools.changes import phrases
from tools.changes.candidates import _Candidate
from tools.changes.focus import Focus
from tools.changes.models import ChangeHypothesis
from tools.changes.outcome import outcome_phrase


def _what(c: _Candidate) -> str:
    if c.deployment is not None:
        return f"{c.node.name} deploy {c.deployment.external_id} ({c.deployment.version})"
    cfg = c.config
    assert cfg is not None
    values = "" if cfg.is_secret else f": {cfg.values()}"
    return f"{c.node.name} config change {cfg.external_id} ({cfg.key}{values})"


def _where(c: _Candidate, focus: Focus) -> str:
    if focus.kind == "kpi":
        if focus.only is not None or c.subject in focus.named_site:
            return f"on {c.node.name}, its record names {focus.station}"
        if focus.unlinked is not None:  # every service's changes: none is recorded behind the KPI
            return f"on {c.node.name}"
        if c.node.distance == 0:
            return f"on {c.node.name}, a service behind {focus.kpi}"
        return phrases.hops_phrase(c.node.distance, c.node.via[0] if c.node.via else "it", c.node.via[1:])
    root = next(iter(focus.roots.values()))
    return phrases.hops_phrase(c.node.distance, root, c.node.via)


def _rationale(c: _Candidate, focus: Focus) -> str:
    minutes = (focus.onset - c.changed_at).total_seconds() / 60.0
    if focus.period > dt.timedelta(days=1):  # a weekly/monthly point: its period, not a made-up day
        span = period_label(focus.onset, focus.period)
        when = (f"{phrases.ago(minutes)} before {span}, the first {_period_word(focus.period)} at the new level"
                if minutes >= 0 else
                f"on {c.changed_at:%Y-%m-%d}, during the first {_period_word(focus.period)} of the new level ({span})")
    else:
        when = (f"{phrases.ago(minutes)} before onset" if minutes >= 0 else
                f"at {c.changed_at:%Y-%m-%d %H:%M} UTC, during the first {_period_word(focus.period)} of the new level "
                f"({focus.onset:%Y-%m-%d})" if focus.period else
                f"{phrases.ago(minutes)} after the onset found on the metric (within its uncertainty)")
    parts = [f"{_what(c)} {when}", named_phrase(c.named, focus.incident), _where(c, focus), c.risk_reason]
    if c.outcome is not None and c.deployment is not None:
        parts.append(outcome_phrase(c.deployment.status, c.outcome, c.undone_by is not None))
    moved = c.metrics.get("moved") or []
    if moved:
        parts.append(f"{c.node.name} {'/'.join(moved)} rose above the pre-change limits within the hour after")
    elif c.comovement is not None:
        parts.append(f"no metric movement on {c.node.name} after it")
    if c.undone_by is not None and c.undone_at is not None:
        verb = "rolled back" if c.kind == "deployment" else "reverted"
        delta = (c.undone_at - c.changed_at).total_seconds() / 60.0
        if c.undone_at <= focus.onset:
            parts.append(f"but {verb} before the onset ({c.undone_by})")
        else:
            tail = " and errors recovered" if c.recovered else ""
            parts.append(f"{verb} {phrases.ago(delta)} later ({c.undone_by}){tail}")
    return ", ".join(p for p in parts if p)


def named_phrase(named: str | None, incident: str | None) -> str:
    """"INC-7's summary names LOCKER_TIMEOUT_MS" for a change the incident's record names ("" for one it does not)."""
    if not named:
        return ""
    field, _, ident = named.partition(": ")
    return f"{incident or 'the incident'}'s {field} names {ident}"


def _period_word(period: dt.timedelta) -> str:
    if period.days >= 28:
        return "month"
    return {1: "day", 7: "week"}.get(period.days, f"{period.days}-day point") if period.days else "point"


def period_label(start: dt.datetime, period: dt.timedelta) -> str:
    """The period a KPI point covers, as people name it: '2026-06-08' (a day), 'the week of 2026-06-08',
    'October 2026'; an instant with its time."""
    if period >= dt.timedelta(days=28):
        return f"{start:%B %Y}"
    if period.days == 7:
        return f"the week of {start:%Y-%m-%d}"
    if period.days > 1:
        return f"the {period.days} days from {start:%Y-%m-%d}"
    return f"{start:%Y-%m-%d}" if period.days == 1 else f"{start:%Y-%m-%d %H:%M} UTC"


def window_label(focus: Focus) -> str:
    """The window searched: whole days for a KPI point's period, else to the minute."""
    if focus.period >= dt.timedelta(days=1):
        last = focus.onset + focus.period - dt.timedelta(days=1)
        return f"{focus.onset - focus.lookback:%Y-%m-%d}–{last:%Y-%m-%d} (through {period_label(focus.onset, focus.period)})"
    return f"{focus.onset - focus.lookback:%Y-%m-%d %H:%M}–{focus.onset + focus.period:%Y-%m-%d %H:%M} UTC"


def _conclusion(focus: Focus, hyps: list[ChangeHypothesis], considered: int, plausible: bool) -> str:
    window = window_label(focus)
    if not plausible:
        best = f"; the closest was {hyps[0].subject} (confidence {hyps[0].confidence:.2f})" if hyps else ""
        return (f"no plausible change found in the window {window} for {focus.label} "
                f"({considered} change(s) considered{best})")
    top = hyps[0]
    return f"most likely {top.subject} (confidence {top.confidence:.2f}): {top.rationale}"

