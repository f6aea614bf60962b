"""Scheduled questions (admin): a question asked on a cron expression, its answer posted to Slack."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api import schedules as sched
from api.deps import Admin, State
from api.errors import ApiError, responses
from store import schedules as store
from store.schedules import ScheduleOut

router = APIRouter(tags=["schedules"])


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [
        {"name": "monday-review", "question": "What needs attention across all stations?", "cron": "0 8 * * 1",
         "timezone": "America/Chicago", "slack_channel": "C0123456789"}]})

    name: str = Field(min_length=1, max_length=200)
    question: str = Field(min_length=1, max_length=8000)
    cron: str = Field(min_length=1, max_length=120, description="minute hour day month weekday (croniter)")
    timezone: str = Field("UTC", max_length=64, description="IANA time zone the cron expression is read in")
    slack_channel: str | None = Field(None, max_length=100, description="post each answer here (Slack id or name)")

    @field_validator("timezone", "cron")
    @classmethod
    def _no_nul(cls, v: str) -> str:
        if "\x00" in v:
            raise ValueError("must not contain NUL characters")
        return v


@router.get("/api/schedules", response_model=list[ScheduleOut], responses=responses(401, 403))
async def list_schedules(state: State, principal: Admin) -> list[ScheduleOut]:
    """The organisation's scheduled questions."""
    async with state.sessions() as s:
        return await store.list_schedules(s, principal.org_id)


@router.post("/api/schedules", response_model=ScheduleOut, status_code=201, responses=responses(401, 403, 409, 422))
async def create_schedule(body: ScheduleIn, state: State, principal: Admin) -> ScheduleOut:
    """Ask `question` on `cron` (read in `timezone`); each firing is a run with trigger `schedule`, executed once
    however many processes run, and its answer is posted to `slack_channel` when Slack is configured."""
    try:
        sched.check(body.cron, body.timezone)
    except ValueError as exc:
        raise ApiError(422, str(exc)) from None
    first = sched.next_fire(body.cron, body.timezone, dt.datetime.now(dt.UTC))
    try:
        async with state.sessions() as s, s.begin():
            return await store.create_schedule(s, principal.org_id, name=body.name, question=body.question,
                                               cron=body.cron, timezone=body.timezone,
                                               slack_channel=body.slack_channel, next_run_at=first)
    except store.DuplicateSchedule as exc:
        raise ApiError(409, str(exc)) from None


@router.delete("/api/schedules/{schedule_id}", status_code=204, responses=responses(401, 403, 404, 422))
async def delete_schedule(
    schedule_id: Annotated[int, Path(ge=1, le=2**63 - 1)], state: State, principal: Admin,
) -> Response:
    """Stop and remove a schedule (its past runs stay)."""
    async with state.sessions() as s, s.begin():
        if not await store.delete_schedule(s, principal.org_id, schedule_id):
            raise ApiError(404, f"schedule {schedule_id} not found")
    return Response(status_code=204)
