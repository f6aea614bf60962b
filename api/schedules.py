"""Scheduled questions: cron expressions (croniter) in a time zone, fired once per cluster, answers to Slack.

A periodic job (``opsgraph.schedules.tick``, every second, deferred once per tick for the whole cluster by
procrastinate) takes the due rows with ``FOR UPDATE SKIP LOCKED`` and, in the same transaction, creates each
firing's run (trigger ``schedule``) and moves ``next_run_at`` on: a firing happens exactly once however many
processes run workers. The run's job and a delivery job on the same procrastinate lock (the run's thread) are
queued in that transaction too; the delivery therefore executes after the run and posts its answer to the
schedule's Slack channel when Slack is configured.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
import zoneinfo
from typing import TYPE_CHECKING

import procrastinate
from croniter import croniter
from procrastinate.job_context import JobContext

from agents import jobs
from store import runs as db
from store import schedules as store

if TYPE_CHECKING:
    from agents.service import Assistant

log = logging.getLogger(__name__)

TICK_TASK = "opsgraph.schedules.tick"
DELIVER_TASK = "opsgraph.schedules.deliver"
QUEUE = "schedules"


def check(cron: str, timezone: str) -> None:
    """ValueError with a user-facing reason for a bad cron expression or time zone."""
    if not croniter.is_valid(cron):
        raise ValueError(f"{cron!r} is not a cron expression (five fields: minute hour day month weekday, "
                         "e.g. '0 8 * * 1' for Mondays at 08:00)")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{timezone!r} is not a time zone (use an IANA name such as Europe/Paris)") from None


def next_fire(cron: str, timezone: str, after: dt.datetime) -> dt.datetime:
    """The next firing strictly after ``after``, computed in the schedule's time zone, returned in UTC."""
    tz = zoneinfo.ZoneInfo(timezone)
    nxt = croniter(cron, after.astimezone(tz)).get_next(dt.datetime)
    return nxt.astimezone(dt.UTC)


async def fire_due(assistant: Assistant, now: dt.datetime | None = None) -> list[uuid.UUID]:
    """Fire every due schedule once: its run, the run's jobs and the next firing time, in one transaction."""
    now = now or dt.datetime.now(dt.UTC)
    fired: list[uuid.UUID] = []
    async with assistant.sessions() as s, s.begin():
        for row in await store.take_due(s, now):
            when = row["next_run_at"]
            run_id, thread_id, _ = await db.create_run(
                s, org_id=row["org_id"], question=row["question"], trigger="schedule",
                provider=assistant.provider.name, model=assistant.provider.model,
                thread_title=f"{row['name']} · {when.astimezone(zoneinfo.ZoneInfo(row['timezone'])).isoformat()}",
            )
            await store.mark_fired(s, row["id"], when, next_fire(row["cron"], row["timezone"], now), run_id)
            # The run's job, then its delivery on the same lock (after the run): all in this transaction.
            await jobs.defer_run(assistant.queue, run_id, thread_id, session=s)
            await assistant.queue.configure_task(
                DELIVER_TASK, queue=QUEUE, lock=f"thread:{thread_id}", connection=await jobs.raw_connection(s),
            ).defer_async(run_id=str(run_id), schedule_id=row["id"], channel=row["slack_channel"], name=row["name"])
            fired.append(run_id)
    return fired


async def deliver(assistant: Assistant, run_id: uuid.UUID, schedule_id: int, channel: str | None = None,
                  name: str | None = None) -> bool:
    """Post a finished scheduled run to its schedule's Slack channel (when Slack and a channel are set).

    The channel and name travel with the firing: a firing already made is delivered where its schedule said,
    even if the schedule is changed or deleted before the run ends."""
    from slack_sdk.web.async_client import AsyncWebClient

    from api.slack.blocks import PanelLinks, run_result
    from api.slack.config import SlackOptions

    settings = assistant.settings
    async with assistant.sessions() as s:
        header = await db.run_header(s, run_id)
        if header is None:
            return False
        schedule = await store.get_schedule(s, header["org_id"], str(schedule_id))
    channel = channel or (schedule.slack_channel if schedule else None) or settings.slack_alert_channel
    if not channel or settings.slack_bot_token is None:
        return False
    record = await assistant.wait(header["org_id"], run_id)
    options = SlackOptions()
    text, blocks = run_result(record, PanelLinks(options.public_url))
    client = AsyncWebClient(token=settings.slack_bot_token.get_secret_value().strip(), base_url=options.api_url)
    name = name or (schedule.name if schedule else "schedule")
    await client.chat_postMessage(channel=channel, text=f"{name}: {text}", blocks=blocks, unfurl_links=False)
    return True


def register(app: procrastinate.App) -> None:
    @app.periodic(cron="* * * * * *", periodic_id="schedules")
    @app.task(name=TICK_TASK, queue=QUEUE, queueing_lock="schedules-tick", pass_context=True)
    async def tick(context: JobContext, timestamp: int) -> None:
        await fire_due(context.additional_context["assistant"])

    @app.task(name=DELIVER_TASK, queue=QUEUE, pass_context=True, retry=3)
    async def deliver_job(context: JobContext, run_id: str, schedule_id: int, channel: str | None = None,
                          name: str | None = None) -> None:
        await deliver(context.additional_context["assistant"], uuid.UUID(run_id), schedule_id, channel, name)
