"""The Slack app: slack-bolt's ``AsyncApp`` behind ``POST /slack/events``, and what its listeners start.

- ``/opsgraph …`` (any slash command routed here): acknowledged at once with "investigating…"; the run starts
  and continues in a background task, and its answer is posted as Block Kit through the command's
  ``response_url`` (then ``chat.postMessage`` once Slack's budget of 5 uses / 30 minutes is spent).
- ``app_mention``, DMs and replies in one of the bot's threads: one Slack thread is one opsgraph thread
  (``threads.slack_channel`` + ``slack_thread_ts``), so follow-ups keep the thread's memory. Each event is
  claimed once in Postgres (``store.slack.claim_event``): retries never start a second run.
- The alert scheduler (``api.slack.alerts``) runs beside it when ``OPSGRAPH_SLACK_ALERT_CHANNEL`` is set.

Runs are the assistant's own (``Assistant.start(trigger="slack")``): same graph, same runs, steps, evidence
and event log as the chat panel.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from starlette.requests import Request
from starlette.responses import JSONResponse

from api.errors import public_error
from api.slack import blocks as kit
from api.slack.alerts import AlertScheduler
from api.slack.config import SlackOptions
from api.slack.responder import Responder, ResponseTarget
from api.slack.text import clean_text, mentions, parse_command
from store import slack as store
from store.settings import Settings

if TYPE_CHECKING:
    from agents.service import Assistant
    from api.state import AppState

log = logging.getLogger(__name__)
ALERT_LEADER_LOCK = 0x5AC2  # pg_try_advisory_lock(namespace, 1): the one process of the cluster that posts alerts
NOT_LINKED = ("This Slack workspace is not linked to an opsgraph organisation yet. An opsgraph admin can link it "
              "with `/opsgraph link <admin API key>` (see docs/slack.md).")


class SlackRuntime:
    """Everything Slack of one process. Built by ``mount_slack``; ``start``/``stop`` follow the app's lifespan."""

    def __init__(self, settings: Settings, options: SlackOptions) -> None:
        self.settings = settings
        self.options = options
        self.enabled = bool(
            settings.slack_signing_secret and settings.slack_signing_secret.get_secret_value().strip()
            and settings.slack_bot_token and settings.slack_bot_token.get_secret_value().strip()
        )
        self._run_slots = asyncio.Semaphore(options.max_concurrent_runs)
        # One turn at a time per thread: a quick follow-up waits for the answer it follows (and its memory).
        self._thread_locks: weakref.WeakValueDictionary[Any, asyncio.Lock] = weakref.WeakValueDictionary()
        self.state: AppState | None = None
        self.tasks: set[asyncio.Task[Any]] = set()
        self.scheduler: AlertScheduler | None = None
        self._scheduler_task: asyncio.Task[None] | None = None
        self.alert_leader = False  # this process holds the cluster's alert lock (see _alert_loop)
        self._seen: OrderedDict[str, None] = OrderedDict()  # in-memory first line of event dedup (Postgres decides)
        self.links = kit.PanelLinks(options.public_url)
        self.client: AsyncWebClient | None = None
        self.bolt: AsyncApp | None = None
        self.handler: AsyncSlackRequestHandler | None = None
        self.verifier: SignatureVerifier | None = None
        self.responder: Responder | None = None
        if self.enabled:
            assert settings.slack_bot_token is not None and settings.slack_signing_secret is not None
            secret = settings.slack_signing_secret.get_secret_value().strip()
            self.client = AsyncWebClient(
                token=settings.slack_bot_token.get_secret_value().strip(), base_url=options.api_url,
                retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
            )
            self.verifier = SignatureVerifier(secret)
            self.bolt = AsyncApp(
                name="opsgraph", client=self.client, signing_secret=secret, process_before_response=False,
                logger=logging.getLogger("api.slack.bolt"),
            )
            self.handler = AsyncSlackRequestHandler(self.bolt)
            self.responder = Responder(self.client, max_uses=options.response_url_max_uses,
                                       max_age_seconds=options.response_url_max_age_seconds)
            self._register(self.bolt)

    # -- lifecycle -------------------------------------------------------------

    async def start(self, state: AppState) -> None:
        self.state = state
        if not self.enabled:
            log.info("Slack is off: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN to enable /slack/events")
            return
        if self.settings.slack_alert_channel:
            assert self.client is not None
            self.scheduler = AlertScheduler(
                sessions=state.sessions, client=self.client, channel=self.settings.slack_alert_channel,
                links=self.links, now=state.now,
                embedder=state.assistant.embedder if state.assistant is not None else None,
                items_per_message=self.options.alert_items_per_message,
            )
            if self.options.alert_interval_seconds > 0:
                self._scheduler_task = asyncio.create_task(self._alert_loop(), name="slack-alerts")

    async def stop(self) -> None:
        if self._scheduler_task is not None:
            self._scheduler_task.cancel()
            await asyncio.gather(self._scheduler_task, return_exceptions=True)
            self._scheduler_task = None
        pending = [t for t in self.tasks if not t.done()]
        if pending:
            _, still = await asyncio.wait(pending, timeout=self.options.shutdown_grace_seconds)
            for t in still:
                t.cancel()
            await asyncio.gather(*still, return_exceptions=True)

    async def _alert_loop(self) -> None:
        """Tick while this process is the cluster's alert leader: a session-level advisory lock held on a
        dedicated connection. Only one process of the cluster holds it; when that process dies its connection
        closes, the lock is released and another process takes over at its next attempt."""
        assert self.scheduler is not None and self.state is not None
        import psycopg

        conn: psycopg.AsyncConnection | None = None
        self.alert_leader = False
        try:
            while True:
                try:
                    if conn is None or conn.closed:
                        self.alert_leader = False
                        conn = await psycopg.AsyncConnection.connect(
                            self.state.target.conninfo, autocommit=True, application_name="opsgraph-alert-leader")
                    if not self.alert_leader:
                        cur = await conn.execute("SELECT pg_try_advisory_lock(%s, 1)", (ALERT_LEADER_LOCK,))
                        row = await cur.fetchone()
                        self.alert_leader = bool(row and row[0])
                    else:
                        await conn.execute("SELECT 1")  # still connected, so still the leader
                    if self.alert_leader:
                        await self.scheduler.tick()
                except asyncio.CancelledError:
                    raise
                except Exception:  # keep the scheduler alive (Slack or the database may come back)
                    log.exception("slack alert tick failed")
                    if conn is not None and conn.closed:
                        self.alert_leader = False
                await asyncio.sleep(self.options.alert_interval_seconds)
        finally:
            self.alert_leader = False
            if conn is not None:
                await conn.close()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=name)
        self.tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self.tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("slack task %s failed", name, exc_info=t.exception())

        task.add_done_callback(done)
        return task

    # -- HTTP ------------------------------------------------------------------

    def verify(self, body: bytes, headers: Any) -> bool:
        """Slack's signature: ``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}`` with the signing secret, and the
        timestamp within 5 minutes of now. Anything missing or malformed is invalid."""
        if self.verifier is None:
            return False
        timestamp, signature = headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature")
        if not timestamp or not signature or not timestamp.strip().isdigit():
            return False
        try:
            return self.verifier.is_valid(body, timestamp.strip(), signature)
        except (ValueError, UnicodeDecodeError):
            return False

    async def handle(self, request: Request) -> Any:
        assert self.handler is not None
        if not await self.first_delivery(request.headers):
            # The very same signed request again (a replay within the signature window): acknowledge, do nothing.
            log.warning("slack: a replayed signed request was ignored")
            return JSONResponse({"ok": True, "duplicate": True})
        return await self.handler.handle(request)

    async def first_delivery(self, headers: Any) -> bool:
        """Claim a verified request once, in Postgres (so across workers and restarts): the key is a hash of its
        signature and timestamp, i.e. of the signed bytes. Slack's own retries are signed anew (new timestamp)
        and are deduplicated per event by :func:`store.slack.claim_event` instead."""
        if self.state is None:
            return True
        signed = f"{headers.get('x-slack-request-timestamp', '').strip()}:{headers.get('x-slack-signature', '')}"
        digest = hashlib.sha256(signed.encode()).hexdigest()
        return await store.first_delivery(self.state.sessions, digest)

    # -- listeners -------------------------------------------------------------

    def _register(self, app: AsyncApp) -> None:
        app.command(re.compile(r"^/.+"))(self._on_command)
        app.event("app_mention")(self._on_mention)
        app.event("message")(self._on_message)
        # Link buttons still send block_actions: acknowledge them, nothing else to do.
        app.action(re.compile(r".*"))(self._on_action)

    async def _on_action(self, ack: Callable[..., Awaitable[Any]]) -> None:
        await ack()

    def _assistant(self) -> Assistant | None:
        return self.state.assistant if self.state is not None else None

    async def _on_command(self, ack: Callable[..., Awaitable[Any]], command: dict[str, Any]) -> None:
        name = command.get("command") or "/opsgraph"
        parsed = parse_command(command.get("text") or "")
        if parsed.kind == "help":
            text, blocks = kit.help_message(name)
            await ack(response_type="ephemeral", text=text, blocks=blocks)
            return
        if parsed.kind == "usage":
            text, blocks = kit.help_message(name, parsed.argument)
            await ack(response_type="ephemeral", text=text, blocks=blocks)
            return
        team_id = command.get("team_id")
        if parsed.kind == "link":
            assert self.state is not None
            result = await store.link_team(self.state.sessions, team_id or "", parsed.argument)
            text, blocks = kit.notice((":white_check_mark: " if result.ok else ":no_entry: ") + result.message)
            await ack(response_type="ephemeral", text=text, blocks=blocks)
            return
        assert self.responder is not None
        target = self.responder.target(command.get("response_url"), command.get("channel_id"))
        text, blocks = kit.investigating(parsed.question)
        await ack(response_type="ephemeral", text=text, blocks=blocks)
        self.spawn(self._answer_command(team_id, command.get("user_id"), parsed.question, target),
                   name=f"slack-command-{command.get('trigger_id', '')}")

    async def _answer_command(self, team_id: str | None, user_id: str | None, question: str,
                              target: ResponseTarget) -> None:
        assert self.state is not None and self.responder is not None
        org = await store.org_for_team(self.state.sessions, team_id)
        if org is None:
            await self.responder.post(target, *kit.notice(NOT_LINKED), in_channel=False)
            return
        thread_id = await store.new_command_thread(self.state.sessions, org.id, channel=target.channel,
                                                   title=question, team_id=team_id)
        text, blocks = await self._run(org.id, question, thread_id, user_id)
        posted = await self.responder.post(target, text, blocks)
        if posted.via == "chat.postMessage" and posted.channel and posted.ts:
            await store.attach_slack_thread(self.state.sessions, org.id, thread_id, posted.channel, posted.ts)

    async def _run(self, org_id: int, question: str, thread_id: Any, user_id: str | None) -> tuple[str, list]:
        """Run the question through the assistant (trigger ``slack``) and build the answer's blocks."""
        assistant = self._assistant()
        if assistant is None:
            return kit.notice("opsgraph is not running right now; try again in a minute.")
        lock = self._thread_locks.get(thread_id)
        if lock is None:
            lock = self._thread_locks[thread_id] = asyncio.Lock()
        try:
            async with lock, self._run_slots:
                started = await assistant.start(org_id=org_id, question=question, thread_id=thread_id,
                                                trigger="slack")
                await started.task
                record = await assistant.record(org_id, started.run_id)
        except (ValueError, LookupError) as exc:
            return kit.notice(f"opsgraph could not start the run: {public_error(str(exc), context='slack run')}")
        if record is None:
            return kit.notice("the run ended without a record")
        hyps = kit.hypotheses_from(await store.hypothesis_payloads(self.state.sessions, org_id, record.id)) \
            if self.state is not None else []
        return kit.run_result(record, self.links, hypotheses=hyps, user_id=user_id)

    # -- events ------------------------------------------------------------------

    def _seen_before(self, key: str) -> bool:
        if key in self._seen:
            return True
        self._seen[key] = None
        while len(self._seen) > 5000:
            self._seen.popitem(last=False)
        return False

    async def _on_mention(self, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        if self._seen_before(body.get("event_id") or ""):
            return
        self.spawn(self._answer_event(body, event, context.bot_user_id, create=True),
                   name=f"slack-event-{body.get('event_id')}")

    async def _on_message(self, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        if event.get("subtype") not in (None, "thread_broadcast", "file_share") or event.get("bot_id") \
                or not event.get("user"):
            return  # edits, deletions, joins, bots (our own answers included)
        bot = context.bot_user_id
        if mentions(event.get("text") or "", bot) and event.get("channel_type") != "im":
            return  # app_mention carries it
        is_dm = event.get("channel_type") == "im"
        in_thread = bool(event.get("thread_ts")) and event.get("thread_ts") != event.get("ts")
        if not (is_dm or in_thread):
            return
        if self._seen_before(body.get("event_id") or ""):
            return
        self.spawn(self._answer_event(body, event, bot, create=is_dm),
                   name=f"slack-event-{body.get('event_id')}")

    async def _answer_event(self, body: dict[str, Any], event: dict[str, Any], bot_user_id: str | None, *,
                            create: bool) -> None:
        assert self.state is not None and self.client is not None
        team_id = body.get("team_id") or event.get("team")
        channel, ts = event.get("channel"), event.get("ts")
        if not channel or not ts:
            return
        root = event.get("thread_ts") or ts
        question = clean_text(event.get("text") or "", bot_user_id=bot_user_id)
        org = await store.org_for_team(self.state.sessions, team_id)
        if org is None:
            if create:
                await self._say(channel, root, *kit.notice(NOT_LINKED))
            return
        thread_id, claimed = await store.claim_event(
            self.state.sessions, org.id, channel=channel, thread_ts=root,
            keys=[f"event:{body.get('event_id')}" if body.get("event_id") else "", f"ts:{ts}"],
            title=question or "Slack thread", team_id=team_id, create=create,
        )
        if thread_id is None:
            return  # a thread the bot is not part of
        if not claimed:
            log.info("slack event %s (ts %s) already handled; not starting another run", body.get("event_id"), ts)
            return
        if not question:
            await self._say(channel, root, *kit.help_message("/opsgraph", "Ask me a question after the mention."))
            return
        placeholder = await self._say(channel, root, *kit.investigating(question))
        text, blocks = await self._run(org.id, question, thread_id, event.get("user"))
        if placeholder:
            try:
                await self.client.chat_update(channel=channel, ts=placeholder, text=text, blocks=blocks)
                return
            except SlackApiError as exc:
                log.warning("chat.update failed (%s); posting the answer instead", exc.response.get("error"))
        await self._say(channel, root, text, blocks)

    async def _say(self, channel: str, thread_ts: str, text: str, blocks: list) -> str | None:
        assert self.client is not None
        try:
            resp = await self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text, blocks=blocks,
                                                      unfurl_links=False, unfurl_media=False)
        except SlackApiError as exc:
            log.error("chat.postMessage to %s failed: %s", channel, exc.response.get("error"))
            return None
        return resp.get("ts")

