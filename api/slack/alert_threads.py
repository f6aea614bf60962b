"""Alert investigations in Slack: the result posted to ``OPSGRAPH_SLACK_ALERT_CHANNEL`` as a new thread (by the
alert follow-up job of :mod:`api.alert_jobs`, on any worker).

The opsgraph thread of the run is attached to that Slack thread (``threads.slack_channel`` +
``slack_thread_ts``), so a reply in it is handled like any thread reply (``SlackRuntime._on_message``): it
continues the investigation with the thread's memory.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from api.slack import blocks as kit
from store import slack as store

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from store.runs import RunRecord

log = logging.getLogger(__name__)


def _header(alert: dict[str, Any]) -> dict[str, Any]:
    title = kit.escape(str(alert.get("title") or alert.get("alertname") or "alert"))
    sev = kit.escape(str(alert.get("severity") or ""))
    inc = kit.escape(str(alert.get("incident") or ""))
    svc = kit.escape(str(alert.get("service") or ""))
    since = alert.get("starts_at")
    when = f" since {since:%Y-%m-%d %H:%M} UTC" if since is not None else ""
    return kit._section(f":rotating_light: *{title}* on *{svc}*{when} · {sev} · incident *{inc}*\n"
                        "_Reply in this thread to continue the investigation._")


async def post_alert_thread(client: AsyncWebClient, sessions: async_sessionmaker[AsyncSession], channel: str,
                            links: kit.PanelLinks, org_id: int, thread_id: uuid.UUID, record: RunRecord,
                            alert: dict[str, Any]) -> str | None:
    """Post the investigation to the alert channel; returns the message ts (None when not posted or failed).

    Needs no running Slack app: the alert follow-up job calls it from any worker with its own Web API client."""
    try:
        # Only the organisation linked to this Slack workspace posts there (never another tenant's alerts).
        team = (await client.auth_test()).get("team_id")
        if org_id not in await store.orgs_of_team(sessions, team):
            log.info("alert investigation %s not posted: organisation %s is not linked to this Slack workspace",
                     record.id, org_id)
            return None
        hyps = kit.hypotheses_from(await store.hypothesis_payloads(sessions, org_id, record.id))
        text, blocks = kit.run_result(record, links, hypotheses=hyps)
        blocks = [_header(alert), *blocks][:50]
        text = f"{alert.get('title') or alert.get('alertname')} on {alert.get('service')}: {text}"
        resp = await client.chat_postMessage(channel=channel, text=text[:3000], blocks=blocks,
                                             unfurl_links=False, unfurl_media=False)
    except SlackApiError as exc:
        log.error("posting the alert investigation to %s failed: %s", channel, exc.response.get("error"))
        return None
    ts, posted_channel = resp.get("ts"), resp.get("channel") or channel
    if ts:
        await store.attach_slack_thread(sessions, org_id, thread_id, posted_channel, ts)
    return ts
