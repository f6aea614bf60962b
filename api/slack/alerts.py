"""The alert scheduler: SLA state changes and newly critical KPI signals, posted to the alert channel once.

- **SLA**: ``tools.tickets.alerts.sync_sla_alerts`` records one ``sla_alerts`` row per (ticket, clock, state)
  — at risk once ≤ 15 % of the window is left, breached past the deadline — with its escalation level. Rows
  with ``notification_sent = false`` are locked (``FOR UPDATE SKIP LOCKED``: two workers never take the same
  row), posted in one digest, then marked ``notification_sent = true, notified_at = now`` in the same
  transaction. A failed post rolls back and is retried at the next tick; a restart finds nothing unsent.
- **KPI signals**: ``tools.kpis.active_signals`` per station; a (station, KPI) pair that is *critical* now and
  was not at the last check is posted. The durable record is an ``evidence`` row (``kind = 'kpi_alert'``,
  ``source = 'api.slack.alerts'``, no run) per state change — ``payload.status`` ``critical`` when it appeared,
  ``cleared`` when it left — whose ``ref`` reproduces the check (tool, arguments, as-of time); the alert links to
  it. The last row per key is the state the next check compares with, under a transaction-scoped advisory
  lock per organisation, so concurrent workers and restarts never post the same appearance twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.slack.blocks import PanelLinks, signal_digest, sla_digest
from store import slack as slack_store
from tools.base import ToolContext, ToolError
from tools.embeddings import Embedder, HashEmbedder
from tools.kpis import active_signals
from tools.tickets.alerts import sync_sla_alerts

log = logging.getLogger(__name__)

ALERT_KIND = "kpi_alert"
ALERT_SOURCE = "api.slack.alerts"
_LOCK_NAMESPACE = 0x5AC1  # pg_advisory_xact_lock(namespace, org_id): one signal check per organisation at a time
_SEVERITY = {"breached": 2, "at_risk": 1}


@dataclass
class TickResult:
    sla_posted: int = 0  # SLA state changes included in a posted message
    sla_messages: int = 0
    signals_posted: int = 0
    signals_cleared: int = 0
    signal_messages: int = 0
    errors: list[str] = field(default_factory=list)


def collapse_sla(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep the most severe unsent state per (ticket, clock): at risk then breached in one tick shows breached."""
    best: dict[tuple[int, str], dict[str, Any]] = {}
    for r in rows:
        key = (r["ticket_id"], r["alert_type"])
        if key not in best or _SEVERITY.get(r["state"], 0) > _SEVERITY.get(best[key]["state"], 0):
            best[key] = r
    return sorted(best.values(), key=lambda r: (-_SEVERITY.get(r["state"], 0), -r["escalation_level"],
                                                r["deadline"], r["external_id"], r["alert_type"]))


def signal_changes(
    previous: dict[str, str], current: Iterable[str], checked_scopes: set[str]
) -> tuple[list[str], list[str]]:
    """(keys newly critical, keys no longer critical) given the last recorded status per key. Keys are
    ``station:CODE:KPI``; a key whose scope could not be checked this time is left as it was."""
    current = set(current)
    appeared = sorted(k for k in current if previous.get(k) != "critical")
    cleared = sorted(k for k, status in previous.items()
                     if status == "critical" and k not in current and k.rsplit(":", 1)[0] in checked_scopes)
    return appeared, cleared


class AlertScheduler:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        client: AsyncWebClient,
        channel: str,
        links: PanelLinks,
        now: Callable[[], dt.datetime],
        embedder: Embedder | None = None,
        items_per_message: int = 20,
    ) -> None:
        self.sessions = sessions
        self.client = client
        self.channel = channel
        self.links = links
        self.now = now
        self.embedder = embedder or HashEmbedder()
        self.items_per_message = items_per_message
        self._team_id: str | None = None
        self.ticks = 0

    async def team_id(self) -> str | None:
        if self._team_id is None:
            auth = await self.client.auth_test()
            self._team_id = auth.get("team_id")
        return self._team_id

    async def org_ids(self) -> list[int]:
        """The organisation(s) whose alerts go to this workspace's channel (orgs.slack_team_id)."""
        team = await self.team_id()
        return await slack_store.orgs_of_team(self.sessions, team)

    async def tick(self) -> TickResult:
        self.ticks += 1
        result = TickResult()
        orgs = await self.org_ids()
        if not orgs:
            log.info("slack alerts: no organisation is linked to this workspace; nothing to post")
        for org_id in orgs:
            for job in (self._sla, self._signals):
                try:
                    await job(org_id, result)
                except SlackApiError as exc:  # e.g. not_in_channel: nothing was marked sent, the next tick retries
                    log.error("slack alerts: %s for org %s: Slack answered %s", job.__name__, org_id,
                              exc.response.get("error"))
                    result.errors.append(f"{job.__name__}: {exc.response.get('error')}")
                except Exception as exc:  # one failing job must not stop the other or the loop
                    log.exception("slack alerts: %s failed for org %s", job.__name__, org_id)
                    result.errors.append(f"{job.__name__}: {type(exc).__name__}: {exc}")
        return result

    # -- SLA -----------------------------------------------------------------

    async def _sla(self, org_id: int, result: TickResult) -> None:
        now = self.now()
        async with self.sessions() as s, s.begin():
            await sync_sla_alerts(s, org_id, now)
        async with self.sessions() as s, s.begin():
            rows = await slack_store.lock_unsent_sla_alerts(s, org_id)
            if not rows:
                return
            shown = collapse_sla(rows)
            text_, blocks = sla_digest(shown, self.links, total=len(shown), limit=self.items_per_message)
            await self.client.chat_postMessage(channel=self.channel, text=text_, blocks=blocks, unfurl_links=False)
            await slack_store.mark_sla_alerts_sent(s, org_id, [r["id"] for r in rows], now)
        result.sla_posted += len(shown)
        result.sla_messages += 1

    # -- KPI signals -------------------------------------------------------------

    async def _signals(self, org_id: int, result: TickResult) -> None:
        now = self.now()
        ctx = ToolContext(sessions=self.sessions, org_id=org_id, embedder=self.embedder, now=now)
        stations = await slack_store.station_codes(self.sessions, org_id)
        current: dict[str, dict[str, Any]] = {}
        checked: set[str] = set()
        for code in stations:
            try:
                out = await active_signals(ctx, station=code)
            except ToolError as exc:
                log.info("slack alerts: no signals for %s: %s", code, exc)
                continue
            scope = f"station:{code}"
            checked.add(scope)
            for sig in out.result.signals:
                if sig.state == "critical":
                    current[f"{scope}:{sig.kpi}"] = {
                        **sig.model_dump(mode="json"), "scope_code": code, "scope_label": out.result.scope.label,
                        "ref": {"tool": "active_signals", "args": {"station": code, "summary_level": "station",
                                                                   "grain": "daily"}, "as_of": now.isoformat()},
                    }
        async with self.sessions() as s, s.begin():
            previous = await slack_store.lock_alert_state(s, _LOCK_NAMESPACE, org_id, kind=ALERT_KIND,
                                                          source=ALERT_SOURCE)
            appeared, cleared = signal_changes(previous, current, checked)
            if not appeared and not cleared:
                return
            posted: list[dict[str, Any]] = []
            for key in appeared:
                appeared_signal = current[key]
                ev_id = await self._record(s, org_id, key, "critical", appeared_signal, now)
                posted.append({**appeared_signal, "evidence_id": ev_id})
            for key in cleared:
                scope_code, kpi = key.split(":")[1], key.split(":")[2]
                await self._record(s, org_id, key, "cleared", {"kpi": kpi, "scope_code": scope_code, "ref": {
                    "tool": "active_signals", "args": {"station": scope_code, "summary_level": "station",
                                                       "grain": "daily"}, "as_of": now.isoformat()}}, now)
            if posted:
                text_, blocks = signal_digest(posted, self.links, limit=self.items_per_message)
                await self.client.chat_postMessage(channel=self.channel, text=text_, blocks=blocks,
                                                   unfurl_links=False)
                result.signal_messages += 1
        result.signals_posted += len(posted)
        result.signals_cleared += len(cleared)

    async def _record(self, s: AsyncSession, org_id: int, key: str, status: str, sig: dict[str, Any],
                      now: dt.datetime) -> int:
        ref = sig.pop("ref", {}) if "ref" in sig else {}
        if status == "critical":
            summary = (f"Alert: {sig['kpi_name']} at {sig['scope_label']} turned critical on {sig['date']}: "
                       f"{sig['value']:.4g} ({sig['rule']}, {sig['side']} limits {sig['lcl']:.4g}–{sig['ucl']:.4g})")
        else:
            summary = f"Alert cleared: {sig['kpi']} at {sig['scope_code']} is no longer critical ({now:%Y-%m-%d %H:%M} UTC)"
        payload = {"key": key, "status": status, "observed_at": now.isoformat(), "channel": self.channel,
                   "signal": {k: v for k, v in sig.items() if k != "evidence_id"}}
        return await slack_store.record_alert(s, org_id, kind=ALERT_KIND, source=ALERT_SOURCE, ref=ref,
                                              payload=payload, summary=summary)
