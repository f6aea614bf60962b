"""API keys: minted once, stored as SHA-256, resolved to (organisation, role).

A key looks like ``og_<8-char prefix>_<32-char secret>``. Only the hash of the
whole key is stored, plus the prefix so people can tell keys apart in lists.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from store.models import ROLES, ApiKey, Org

_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class ApiKeyInfo(BaseModel):
    """What the service knows about a key (never the key itself)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    org_slug: str
    role: str
    prefix: str
    name: str | None = None
    created_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None


class CreatedKey(BaseModel):
    key: str  # shown once
    info: ApiKeyInfo


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _random(n: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(n))


def new_key() -> tuple[str, str]:
    """Return ``(key, prefix)`` for a fresh key."""
    prefix = _random(8)
    return f"og_{prefix}_{_random(32)}", prefix


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)} (got {role!r})")


def get_or_create_org(session: Session, slug: str, name: str | None = None) -> tuple[Org, bool]:
    org = session.scalar(select(Org).where(Org.slug == slug))
    if org is not None:
        return org, False
    org = Org(slug=slug, name=name or slug)
    session.add(org)
    session.flush()
    return org, True


def create_key(session: Session, *, org_slug: str, role: str, name: str | None = None) -> tuple[CreatedKey, bool]:
    """Mint a key for ``org_slug`` (created when missing). Returns the key and whether the org is new."""
    _check_role(role)
    org, created = get_or_create_org(session, org_slug)
    key, prefix = new_key()
    row = ApiKey(org_id=org.id, prefix=prefix, key_hash=hash_key(key), role=role, name=name)
    session.add(row)
    session.flush()
    session.refresh(row)
    info = ApiKeyInfo(
        id=row.id, org_id=org.id, org_slug=org.slug, role=role, prefix=prefix, name=name, created_at=row.created_at
    )
    return CreatedKey(key=key, info=info), created


def revoke_keys(session: Session, *, org_slug: str, name: str | None = None, prefix: str | None = None) -> int:
    """Revoke keys of an organisation selected by name or prefix; returns how many."""
    org = session.scalar(select(Org).where(Org.slug == org_slug))
    if org is None:
        return 0
    stmt = update(ApiKey).where(ApiKey.org_id == org.id, ApiKey.revoked_at.is_(None))
    if name is not None:
        stmt = stmt.where(ApiKey.name == name)
    if prefix is not None:
        stmt = stmt.where(ApiKey.prefix == prefix)
    revoked = session.scalars(stmt.values(revoked_at=dt.datetime.now(dt.UTC)).returning(ApiKey.id)).all()
    return len(revoked)


def org_slugs(session: Session) -> list[str]:
    """Every organisation's slug, alphabetical (for "does not exist" messages and their suggestions)."""
    return list(session.scalars(select(Org.slug).order_by(Org.slug)))


def list_keys(session: Session, org_slug: str) -> list[ApiKeyInfo]:
    rows = session.execute(
        select(ApiKey, Org.slug).join(Org, Org.id == ApiKey.org_id).where(Org.slug == org_slug).order_by(ApiKey.id)
    ).all()
    return [
        ApiKeyInfo(
            id=k.id, org_id=k.org_id, org_slug=slug, role=k.role, prefix=k.prefix, name=k.name,
            created_at=k.created_at, last_used_at=k.last_used_at, revoked_at=k.revoked_at,
        )
        for k, slug in rows
    ]


async def resolve_key(session: AsyncSession, key: str, *, touch: bool = True) -> ApiKeyInfo | None:
    """Return the key's org and role, or None when unknown or revoked. Updates ``last_used_at``."""
    if not key or not key.startswith("og_") or len(key) > 128:
        return None
    row = (
        await session.execute(
            select(ApiKey, Org.slug)
            .join(Org, Org.id == ApiKey.org_id)
            .where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None))
        )
    ).first()
    if row is None:
        return None
    k, slug = row
    if touch:
        now = dt.datetime.now(dt.UTC)
        # Throttle writes: at most one last_used update a minute per key.
        if k.last_used_at is None or now - k.last_used_at > dt.timedelta(minutes=1):
            await session.execute(update(ApiKey).where(ApiKey.id == k.id).values(last_used_at=now))
            k.last_used_at = now
    return ApiKeyInfo(
        id=k.id, org_id=k.org_id, org_slug=slug, role=k.role, prefix=k.prefix, name=k.name,
        created_at=k.created_at, last_used_at=k.last_used_at, revoked_at=k.revoked_at,
    )
