"""Login codes and browser sessions of the chat panel.

- A **login code** (``ogl_…``) is what a login link carries: single use, valid for a few minutes
  (:data:`LOGIN_CODE_TTL`), minted by ``opsgraph serve`` / ``opsgraph login-link``. It acts as an API key of
  the organisation (``panel-<role>``, created once and never shown), so it needs no key in the URL.
- A **session** (``ogs_…``) is what the cookie holds: minted when a code (or an API key pasted in the sign-in
  form) is exchanged, valid for :data:`SESSION_TTL`, revocable (logout), and dead as soon as its key is revoked.

Only SHA-256 hashes of codes and session tokens are stored, in Postgres: restarting the service (or running
two ``serve`` processes on one home) logs nobody out and revokes nobody's link.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from store.keys import ApiKeyInfo, create_key, hash_key
from store.models import ApiKey, LoginCode, Org, WebSession

LOGIN_CODE_TTL = dt.timedelta(minutes=15)
SESSION_TTL = dt.timedelta(days=7)
CODE_PREFIX, SESSION_PREFIX = "ogl_", "ogs_"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _panel_key(session: Session, org_slug: str, role: str) -> int:
    """The id of the organisation's ``panel-<role>`` key (created, secret discarded, on first use)."""
    name = f"panel-{role}"
    found = session.scalar(
        select(ApiKey.id).join(Org, Org.id == ApiKey.org_id)
        .where(Org.slug == org_slug, ApiKey.name == name, ApiKey.role == role, ApiKey.revoked_at.is_(None))
        .order_by(ApiKey.id).limit(1)
    )
    if found is not None:
        return found
    created, _ = create_key(session, org_slug=org_slug, role=role, name=name)
    return created.info.id


def create_login_code(session: Session, *, org_slug: str, role: str = "admin",
                      ttl: dt.timedelta = LOGIN_CODE_TTL) -> str:
    """A fresh one-time login code for ``org_slug`` (the organisation is created when missing)."""
    key_id = _panel_key(session, org_slug, role)
    org_id = session.scalar(select(ApiKey.org_id).where(ApiKey.id == key_id))
    code = CODE_PREFIX + secrets.token_urlsafe(24)
    session.execute(text("DELETE FROM login_codes WHERE expires_at < now() - interval '1 day'"))  # housekeeping
    session.add(LoginCode(org_id=org_id, api_key_id=key_id, code_hash=hash_key(code), expires_at=_now() + ttl))
    session.flush()
    return code


async def _new_session(session: AsyncSession, org_id: int, api_key_id: int, ttl: dt.timedelta) -> str:
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    await session.execute(text("DELETE FROM web_sessions WHERE expires_at < now() - interval '1 day' "
                               "OR revoked_at < now() - interval '1 day'"))  # housekeeping
    session.add(WebSession(org_id=org_id, api_key_id=api_key_id, token_hash=hash_key(token), expires_at=_now() + ttl))
    await session.flush()
    return token


async def exchange_code(session: AsyncSession, code: str, *, ttl: dt.timedelta = SESSION_TTL) -> str | None:
    """Use a login code (once) and return a new session token; None when unknown, used, expired or revoked."""
    if not code or not code.startswith(CODE_PREFIX) or len(code) > 128:
        return None
    row = (await session.execute(
        text("""UPDATE login_codes c SET used_at = now()
                FROM api_keys k
                WHERE c.code_hash = :h AND c.used_at IS NULL AND c.expires_at > now()
                  AND k.id = c.api_key_id AND k.revoked_at IS NULL
                RETURNING c.org_id, c.api_key_id"""),
        {"h": hash_key(code)},
    )).first()
    if row is None:
        return None
    return await _new_session(session, row[0], row[1], ttl)


async def session_for_key(session: AsyncSession, key: ApiKeyInfo, *, ttl: dt.timedelta = SESSION_TTL) -> str:
    """A session acting as ``key`` (the sign-in form: an API key pasted once, never kept in the browser)."""
    return await _new_session(session, key.org_id, key.id, ttl)


async def resolve_session(session: AsyncSession, token: str) -> ApiKeyInfo | None:
    """The key a live session acts as; None when unknown, expired, logged out or its key revoked."""
    if not token or not token.startswith(SESSION_PREFIX) or len(token) > 128:
        return None
    row = (await session.execute(
        select(WebSession, ApiKey, Org.slug)
        .join(ApiKey, ApiKey.id == WebSession.api_key_id)
        .join(Org, Org.id == WebSession.org_id)
        .where(WebSession.token_hash == hash_key(token), WebSession.revoked_at.is_(None),
               WebSession.expires_at > _now(), ApiKey.revoked_at.is_(None))
    )).first()
    if row is None:
        return None
    ws, k, slug = row
    now = _now()
    if ws.last_seen_at is None or now - ws.last_seen_at > dt.timedelta(minutes=1):
        await session.execute(update(WebSession).where(WebSession.id == ws.id).values(last_seen_at=now))
    return ApiKeyInfo(id=k.id, org_id=k.org_id, org_slug=slug, role=k.role, prefix=k.prefix, name=k.name,
                      created_at=k.created_at, last_used_at=k.last_used_at, revoked_at=k.revoked_at)


async def revoke_session(session: AsyncSession, token: str) -> bool:
    """Log a session out (idempotent); returns whether a live session was revoked."""
    if not token or not token.startswith(SESSION_PREFIX):
        return False
    result = await session.execute(
        update(WebSession).where(WebSession.token_hash == hash_key(token), WebSession.revoked_at.is_(None))
        .values(revoked_at=_now())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
