"""The follow-up of an alert investigation, as a procrastinate job (survives the API process that took the alert).

:func:`defer_follow_up` queues it in the caller's transaction (the one that attaches the run to its alert), on
the run's thread lock: procrastinate executes it after the run's job, on whichever worker takes it. The job waits
for the run to end (``Assistant.wait``), writes its ranked hypotheses to ``hypotheses`` and, when Slack is
configured (bot token + alert channel; the Web API and panel URL from :class:`api.slack.config.SlackOptions`'s
environment), posts the result to the alert channel as a thread linked to the run's opsgraph thread.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import TYPE_CHECKING, Any

import procrastinate
from procrastinate.job_context import JobContext
from sqlalchemy.ext.asyncio import AsyncSession

from agents import jobs
from store import evidence as evidence_store
from store import incidents as db

if TYPE_CHECKING:
    from agents.service import Assistant

log = logging.getLogger(__name__)

FOLLOW_UP_TASK = "opsgraph.alerts.follow_up"
QUEUE = "alerts"


async def defer_follow_up(queue: procrastinate.App, s: AsyncSession, *, org_id: int, run_id: uuid.UUID,
                          thread_id: uuid.UUID, incident_id: int, alert: dict[str, Any]) -> int:
    """Queue the follow-up of an alert's run in ``s``'s transaction, after the run (same lock)."""
    return await queue.configure_task(
        FOLLOW_UP_TASK, queue=QUEUE, lock=f"thread:{thread_id}", connection=await jobs.raw_connection(s),
    ).defer_async(org_id=org_id, run_id=str(run_id), thread_id=str(thread_id), incident_id=incident_id,
                  alert=alert)


async def follow_up(assistant: Assistant, org_id: int, run_id: uuid.UUID, thread_id: uuid.UUID, incident_id: int,
                    alert: dict[str, Any]) -> str | None:
    """When the run has ended: hypotheses → ``hypotheses``; the result → the Slack alert channel (its ts)."""
    record = await assistant.wait(org_id, run_id)
    if record.status != "completed":
        log.warning("alert investigation %s ended as %s", run_id, record.status)
    async with assistant.sessions() as s, s.begin():
        hyps, ids = await evidence_store.run_hypotheses(s, org_id, run_id)
        if hyps:
            await db.write_hypotheses(s, org_id, incident_id=incident_id, run_id=run_id, hypotheses=hyps,
                                      evidence_ids=ids)
    settings = assistant.settings
    if settings.slack_bot_token is None or not settings.slack_alert_channel:
        return None
    from slack_sdk.web.async_client import AsyncWebClient

    from api.slack.alert_threads import post_alert_thread
    from api.slack.blocks import PanelLinks
    from api.slack.config import SlackOptions

    options = SlackOptions()
    client = AsyncWebClient(token=settings.slack_bot_token.get_secret_value().strip(), base_url=options.api_url)
    info = dict(alert)
    if isinstance(info.get("starts_at"), str):
        info["starts_at"] = dt.datetime.fromisoformat(info["starts_at"])
    return await post_alert_thread(client, assistant.sessions, settings.slack_alert_channel,
                                   PanelLinks(options.public_url), org_id, thread_id, record, info)


def register(app: procrastinate.App) -> None:
    @app.task(name=FOLLOW_UP_TASK, queue=QUEUE, pass_context=True, retry=3)
    async def follow_up_job(context: JobContext, org_id: int, run_id: str, thread_id: str, incident_id: int,
                            alert: dict[str, Any]) -> None:
        await follow_up(context.additional_context["assistant"], org_id, uuid.UUID(run_id), uuid.UUID(thread_id),
                        incident_id, alert)
