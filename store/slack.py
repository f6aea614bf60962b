"""What Slack needs from Postgres: workspace → organisation, Slack thread ↔ opsgraph thread, event and request
dedup, and the alert scheduler's state (unsent SLA alerts, the last status of each KPI alert).

Event deduplication needs no table of its own: every event that starts a run belongs to a Slack thread
(channel + root ``ts``), and that thread is one ``threads`` row (unique on ``org_id, slack_channel,
slack_thread_ts``). Claiming an event appends its id (and its message ``ts``) to ``threads.context['slack']
['event_ids']`` with one ``UPDATE … WHERE NOT (ids ?| :keys) RETURNING``: the row lock serialises concurrent
claims, and the loser re-checks the condition on the winner's committed row and updates nothing. So a retried
event (``X-Slack-Retry-Num``), the same event delivered to two workers, or ``app_mention`` + ``message`` for one
message claim at most once, across restarts.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.keys import resolve_key

SEEN_IDS_KEPT = 200  # per Slack thread: far more than Slack retries within a thread's active life


@dataclass(frozen=True)
class OrgRef:
    id: int
    slug: str


async def org_for_team(sessions: async_sessionmaker[AsyncSession], team_id: str | None) -> OrgRef | None:
    if not team_id:
        return None
    async with sessions() as s:
        row = (await s.execute(text("SELECT id, slug FROM orgs WHERE slack_team_id = :t"), {"t": team_id})).first()
    return OrgRef(id=row[0], slug=row[1]) if row else None


@dataclass(frozen=True)
class LinkResult:
    ok: bool
    message: str


async def link_team(sessions: async_sessionmaker[AsyncSession], team_id: str, api_key: str) -> LinkResult:
    """Link a Slack workspace to the organisation of an opsgraph admin key (``/opsgraph link KEY``)."""
    async with sessions() as s, s.begin():
        principal = await resolve_key(s, api_key)
        if principal is None:
            return LinkResult(False, "That is not a valid opsgraph API key (unknown or revoked).")
        if principal.role != "admin":
            return LinkResult(False, f"Linking a workspace needs an admin key (that key is {principal.role}).")
        other = (await s.execute(text("SELECT slug FROM orgs WHERE slack_team_id = :t AND id <> :org FOR UPDATE"),
                                 {"t": team_id, "org": principal.org_id})).scalar()
        if other is not None:
            return LinkResult(False, f"This workspace is already linked to the organisation {other}; an admin of "
                                     f"{other} must unlink it first.")
        current = (await s.execute(text("SELECT slack_team_id FROM orgs WHERE id = :org FOR UPDATE"),
                                   {"org": principal.org_id})).scalar()
        if current not in (None, team_id):
            return LinkResult(False, f"The organisation {principal.org_slug} is already linked to another Slack "
                                     f"workspace ({current}).")
        await s.execute(text("UPDATE orgs SET slack_team_id = :t WHERE id = :org"),
                        {"t": team_id, "org": principal.org_id})
    return LinkResult(True, f"This workspace is now linked to the opsgraph organisation {principal.org_slug}. "
                            "You can revoke the key you used: linking does not keep it.")


async def set_team(sessions: async_sessionmaker[AsyncSession], org_slug: str, team_id: str | None) -> bool:
    """Link (or with ``None`` unlink) a workspace and an organisation by slug — for a CLI or an admin script."""
    async with sessions() as s, s.begin():
        if team_id is not None:
            await s.execute(text("UPDATE orgs SET slack_team_id = NULL WHERE slack_team_id = :t AND slug <> :slug"),
                            {"t": team_id, "slug": org_slug})
        found = (await s.execute(text("UPDATE orgs SET slack_team_id = :t WHERE slug = :slug RETURNING id"),
                                 {"t": team_id, "slug": org_slug})).scalar()
    return found is not None


async def find_thread(
    sessions: async_sessionmaker[AsyncSession], org_id: int, channel: str, thread_ts: str
) -> uuid.UUID | None:
    async with sessions() as s:
        return (await s.execute(
            text("SELECT id FROM threads WHERE org_id = :org AND slack_channel = :ch AND slack_thread_ts = :ts"),
            {"org": org_id, "ch": channel, "ts": thread_ts},
        )).scalar()


async def claim_event(
    sessions: async_sessionmaker[AsyncSession],
    org_id: int,
    *,
    channel: str,
    thread_ts: str,
    keys: list[str],
    title: str,
    team_id: str | None,
    create: bool = True,
) -> tuple[uuid.UUID | None, bool]:
    """Get (or with ``create`` make) the opsgraph thread of a Slack thread and claim the event's ``keys`` on it.

    Returns ``(thread_id, claimed)``: ``claimed`` is False when any key was claimed before (a retry or a duplicate
    delivery); ``thread_id`` is None when the Slack thread is not an opsgraph thread and ``create`` is False.
    """
    keys = [k for k in dict.fromkeys(keys) if k]
    async with sessions() as s, s.begin():
        if create:
            await s.execute(
                text(
                    """INSERT INTO threads (id, org_id, title, slack_channel, slack_thread_ts, context)
                       VALUES (:id, :org, :title, :ch, :ts, CAST(:ctx AS jsonb))
                       ON CONFLICT (org_id, slack_channel, slack_thread_ts) DO NOTHING"""
                ),
                {"id": uuid.uuid4(), "org": org_id, "title": title[:300] or "Slack thread", "ch": channel,
                 "ts": thread_ts, "ctx": json.dumps({"kind": "slack", "slack": {"team_id": team_id,
                                                                                 "channel": channel,
                                                                                 "thread_ts": thread_ts}})},
            )
        thread_id = (await s.execute(
            text("SELECT id FROM threads WHERE org_id = :org AND slack_channel = :ch AND slack_thread_ts = :ts"),
            {"org": org_id, "ch": channel, "ts": thread_ts},
        )).scalar()
        if thread_id is None:
            return None, False
        claimed = (await s.execute(
            text(
                """UPDATE threads t
                   SET context = coalesce(t.context, '{}'::jsonb) || jsonb_build_object('slack',
                         coalesce(t.context -> 'slack', '{}'::jsonb) || jsonb_build_object('event_ids', (
                           SELECT coalesce(jsonb_agg(e ORDER BY n), '[]'::jsonb) FROM (
                             SELECT e, n FROM jsonb_array_elements(
                                 coalesce(t.context #> '{slack,event_ids}', '[]'::jsonb) || to_jsonb(CAST(:keys AS text[]))
                               ) WITH ORDINALITY AS x(e, n)
                             ORDER BY n DESC LIMIT :kept) AS recent))),
                       updated_at = now()
                   WHERE t.id = :id
                     AND NOT (coalesce(t.context #> '{slack,event_ids}', '[]'::jsonb) ?| CAST(:keys AS text[]))
                   RETURNING t.id"""
            ),
            {"id": thread_id, "keys": keys, "kept": SEEN_IDS_KEPT},
        )).scalar()
    return thread_id, claimed is not None


async def new_command_thread(
    sessions: async_sessionmaker[AsyncSession], org_id: int, *, channel: str | None, title: str, team_id: str | None
) -> uuid.UUID:
    """The opsgraph thread of a slash command (its Slack thread is only known once an answer is posted)."""
    thread_id = uuid.uuid4()
    async with sessions() as s, s.begin():
        await s.execute(
            text("""INSERT INTO threads (id, org_id, title, slack_channel, context)
                    VALUES (:id, :org, :title, :ch, CAST(:ctx AS jsonb))"""),
            {"id": thread_id, "org": org_id, "title": title[:300], "ch": channel,
             "ctx": json.dumps({"kind": "slack", "slack": {"team_id": team_id, "channel": channel}})},
        )
    return thread_id


async def attach_slack_thread(
    sessions: async_sessionmaker[AsyncSession], org_id: int, thread_id: uuid.UUID, channel: str, thread_ts: str
) -> bool:
    """Record where an answer was posted, so replies in that Slack thread continue the opsgraph thread."""
    async with sessions() as s, s.begin():
        done = (await s.execute(
            text("""UPDATE threads SET slack_channel = :ch, slack_thread_ts = :ts
                    WHERE id = :id AND org_id = :org AND slack_thread_ts IS NULL
                      AND NOT EXISTS (SELECT 1 FROM threads o WHERE o.org_id = :org AND o.slack_channel = :ch
                                      AND o.slack_thread_ts = :ts)
                    RETURNING id"""),
            {"id": thread_id, "org": org_id, "ch": channel, "ts": thread_ts},
        )).scalar()
    return done is not None


async def hypothesis_payloads(
    sessions: async_sessionmaker[AsyncSession], org_id: int, run_id: uuid.UUID
) -> list[dict]:
    async with sessions() as s:
        rows = (await s.execute(
            text("""SELECT payload FROM evidence WHERE org_id = :org AND run_id = :run AND kind = 'hypotheses'
                    ORDER BY id"""),
            {"org": org_id, "run": run_id},
        )).scalars().all()
    return [r for r in rows if isinstance(r, dict)]


# ------------------------------------------------------------------ signed-request dedup


async def first_delivery(sessions: async_sessionmaker[AsyncSession], digest: str) -> bool:
    """Claim a signed request's digest once (across workers and restarts); forget digests older than 15 minutes."""
    async with sessions() as s, s.begin():
        claimed = (await s.execute(
            text("INSERT INTO seen_requests (digest) VALUES (:d) ON CONFLICT DO NOTHING RETURNING digest"),
            {"d": digest},
        )).scalar()
        # Older than the signature window (5 minutes) cannot be replayed anyway: forget them.
        await s.execute(text("DELETE FROM seen_requests WHERE seen_at < now() - interval '15 minutes'"))
    return claimed is not None


# ------------------------------------------------------------------ alert scheduler state


async def orgs_of_team(sessions: async_sessionmaker[AsyncSession], team_id: str | None) -> list[int]:
    async with sessions() as s:
        return list((await s.execute(text("SELECT id FROM orgs WHERE slack_team_id = :t ORDER BY id"),
                                     {"t": team_id})).scalars())


async def lock_unsent_sla_alerts(s: AsyncSession, org_id: int) -> list[dict[str, Any]]:
    """Unsent at-risk/breached SLA alerts with their ticket, locked for this transaction (``SKIP LOCKED``: two
    workers never take the same row)."""
    return [dict(r) for r in (await s.execute(
        text(
            """SELECT a.id, a.ticket_id, a.alert_type, a.state, a.deadline, a.escalation_level,
                      t.external_id, t.subject, t.customer, t.customer_tier, t.priority
               FROM sla_alerts a JOIN tickets t ON t.id = a.ticket_id AND t.org_id = a.org_id
               WHERE a.org_id = :org AND NOT a.notification_sent AND a.state IN ('at_risk', 'breached')
               ORDER BY a.id
               FOR UPDATE OF a SKIP LOCKED"""
        ),
        {"org": org_id},
    )).mappings()]


async def mark_sla_alerts_sent(s: AsyncSession, org_id: int, ids: list[int], now: dt.datetime) -> None:
    await s.execute(
        text("UPDATE sla_alerts SET notification_sent = true, notified_at = :now WHERE org_id = :org AND id = ANY(:ids)"),
        {"now": now, "org": org_id, "ids": ids},
    )


async def station_codes(sessions: async_sessionmaker[AsyncSession], org_id: int) -> list[str]:
    async with sessions() as s:
        return list((await s.execute(text("SELECT code FROM stations WHERE org_id = :org ORDER BY code"),
                                     {"org": org_id})).scalars())


async def lock_alert_state(s: AsyncSession, namespace: int, org_id: int, *, kind: str, source: str) -> dict[str, str]:
    """Take the organisation's transaction-scoped advisory lock, then read the last status per alert key."""
    await s.execute(text("SELECT pg_advisory_xact_lock(:ns, :org)"), {"ns": namespace, "org": org_id})
    return dict((await s.execute(
        text(
            """SELECT DISTINCT ON (payload ->> 'key') payload ->> 'key', payload ->> 'status'
               FROM evidence WHERE org_id = :org AND kind = :kind AND source = :source
               ORDER BY payload ->> 'key', id DESC"""
        ),
        {"org": org_id, "kind": kind, "source": source},
    )).all())


async def record_alert(
    s: AsyncSession, org_id: int, *, kind: str, source: str, ref: dict[str, Any], payload: dict[str, Any],
    summary: str,
) -> int:
    """One alert state change as an evidence row (no run); returns its id."""
    return int((await s.execute(
        text(
            """INSERT INTO evidence (org_id, kind, source, ref, payload, summary)
               VALUES (:org, :kind, :source, CAST(:ref AS jsonb), CAST(:payload AS jsonb), :summary) RETURNING id"""
        ),
        {"org": org_id, "kind": kind, "source": source, "ref": json.dumps(ref),
         "payload": json.dumps(payload, default=str), "summary": summary},
    )).scalar_one())
