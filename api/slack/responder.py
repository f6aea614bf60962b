"""Posting follow-ups of a slash command: through its ``response_url`` while Slack allows it, then the Web API.

Slack accepts at most 5 uses of a ``response_url`` within 30 minutes of the command. :class:`Responder` counts
the uses of each command's URL and, once the budget or the time is spent (or the URL refuses), posts with
``chat.postMessage`` to the command's channel instead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

log = logging.getLogger(__name__)


@dataclass
class ResponseTarget:
    """One slash command's way back: its response_url (with its budget) and its channel."""

    response_url: str | None
    channel: str | None
    issued_at: float  # monotonic seconds when Slack sent the command
    uses: int = 0
    posted: list[dict[str, Any]] = field(default_factory=list)  # what was sent where (for the log and tests)


@dataclass(frozen=True)
class Posted:
    via: str  # "response_url" | "chat.postMessage" | "failed"
    channel: str | None = None
    ts: str | None = None


class Responder:
    def __init__(self, client: AsyncWebClient, *, max_uses: int = 5, max_age_seconds: float = 1800.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.max_uses = max_uses
        self.max_age = max_age_seconds
        self.clock = clock

    def target(self, response_url: str | None, channel: str | None) -> ResponseTarget:
        return ResponseTarget(response_url=response_url, channel=channel, issued_at=self.clock())

    def can_use_response_url(self, target: ResponseTarget) -> bool:
        return bool(target.response_url) and target.uses < self.max_uses and \
            self.clock() - target.issued_at < self.max_age

    async def post(self, target: ResponseTarget, text: str, blocks: list[dict[str, Any]], *,
                   in_channel: bool = True, replace_original: bool = False) -> Posted:
        if self.can_use_response_url(target):
            target.uses += 1
            try:
                resp = await AsyncWebhookClient(target.response_url).send(  # type: ignore[arg-type]
                    text=text, blocks=blocks, response_type="in_channel" if in_channel else "ephemeral",
                    replace_original=replace_original,
                )
                if resp.status_code == 200:
                    target.posted.append({"via": "response_url", "text": text})
                    return Posted("response_url", target.channel)
                log.warning("response_url answered %s %s; falling back to chat.postMessage", resp.status_code,
                            resp.body)
            except Exception as exc:  # noqa: BLE001 - fall back below
                log.warning("response_url failed (%s); falling back to chat.postMessage", exc)
        if not target.channel:
            return Posted("failed")
        try:
            sent = await self.client.chat_postMessage(channel=target.channel, text=text, blocks=blocks,
                                                      unfurl_links=False, unfurl_media=False)
        except SlackApiError as exc:
            log.error("chat.postMessage to %s failed: %s", target.channel, exc.response.get("error"))
            return Posted("failed", target.channel)
        target.posted.append({"via": "chat.postMessage", "text": text})
        return Posted("chat.postMessage", sent.get("channel") or target.channel, sent.get("ts"))
