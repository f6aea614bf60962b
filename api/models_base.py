"""What every request/response model module of the HTTP API shares: ids, the strict request base and the OpenAPI
examples helper (:mod:`api.models` re-exports everything)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

BIGINT = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=BIGINT)]
SummaryLevel = Literal["station", "region", "company"]


def _examples(*examples: dict[str, Any]) -> dict[str, Any]:
    return {"examples": list(examples)}


def _not_blank(v: str | None) -> str | None:
    if v is not None and not v.strip():
        raise ValueError("must not be blank")
    return v


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReportOut(BaseModel):  # a report, as an investigation and an incident both show it
    id: int
    kind: str
    title: str
    markdown: str
    evidence_ids: list[int]
    run_id: uuid.UUID | None
    created_at: dt.datetime
